//! `hgframe report`: several implementations in one HTML page and one
//! Markdown file, checked as files and, where Chromium is, in the browser.
//!
//! The implementations are the reference (`hgframe testee`) and this test
//! binary itself: run with `HGFRAME_REPORT_FAKE=1`, it is the reference
//! testee with answers spoiled on purpose, area by area, so that a report
//! holds every verdict:
//! - `codec/header/*`: every header read is one byte too long (failed;
//!   expected failures where the expectation file says so);
//! - `server/protocol-error/*`: every error keeps its class and gets
//!   hostile words (failed at the exact level, non-strict at the semantic);
//! - `builder/createtextoutputframe/*`: the last frame is lost (failed);
//! - `client/raise/*`: refused (unimplemented);
//! - `conversation/defaults/*`: the fake crashes (broken);
//! - everything else: the reference's answers (passed, and an unexpected
//!   pass where the expectation file says it fails).
//!
//! Its name, its words and its standard error hold markup (`<script>`,
//! quotes, `&`): the report must show them as text.
//!
//! The browser tests need Chromium (`scripts/install-chromium`; or name a
//! binary in `HGFRAME_CHROMIUM`). Without it they are ignored, with the
//! reason printed, unless `HGFRAME_REQUIRE_CHROMIUM=1` (scripts/test sets
//! it when the install succeeds): then they fail. scripts/test itself fails
//! when the install does in CI (`CI=true`) or under
//! `HGFRAME_REQUIRE_CHROMIUM=1`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

#[path = "common/report_schema.rs"]
mod report_schema;

use hgframe::conformance::driver::testee::Testee;
use hgframe::conformance::run::Suite;
use libtest_mimic::{Arguments, Failed, Trial};
use regex::Regex;
use serde_json::Value as Json;

/// Markup in what the fake says: its name, its error words, its standard
/// error and its refusals.
const HOSTILE: &str = r#"<script>alert("x")</script> & "quoted" <img src=x onerror=alert(1)>"#;

fn main() {
    if std::env::var_os("HGFRAME_REPORT_FAKE").is_some() {
        fake();
        return;
    }
    let args = Arguments::from_args();
    // Required (HGFRAME_REQUIRE_CHROMIUM=1), the browser tests run, and
    // fail for want of the browser.
    let required = std::env::var("HGFRAME_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
    let missing = chromium().err().filter(|_| !required);
    if let Some(reason) = &missing {
        eprintln!("note: the report/browser tests are ignored: {reason}");
    }
    let mut trials = vec![
        Trial::test("report/runs-as-hgframe-run-does", runs_as_run_does),
        Trial::test(
            "report/every-verdict-counted-in-html-and-markdown",
            counts_in_files,
        ),
        Trial::test(
            "report/failure-detail-has-input-expected-actual",
            failure_detail,
        ),
        Trial::test(
            "report/non-strict-detail-has-input-expected-actual",
            non_strict_detail,
        ),
        Trial::test("report/saved-runs-give-the-same-page", saved_runs_same_page),
        Trial::test("report/old-reports-get-tags-from-the-vectors", old_reports),
        Trial::test("report/a-tag-given-twice-counts-once", tags_twice),
        Trial::test("report/columns-in-command-line-order", column_order),
        Trial::test("report/filters-apply-to-saved-runs", saved_filtered),
        Trial::test(
            "report/a-broken-vector-file-leaves-the-others",
            broken_vector_file,
        ),
        Trial::test("report/untrusted-text-is-escaped", escaped_files),
        Trial::test("report/bad-arguments-exit-2", bad_arguments),
        Trial::test(
            "report/every-column-checked-before-any-runs",
            checked_before_running,
        ),
        Trial::test(
            "report/scripts-test-requires-chromium-in-ci",
            scripts_test_chromium,
        ),
        Trial::test(
            "report/empty-hgframe-chromium-is-unset",
            empty_chromium_is_unset,
        ),
        Trial::test(
            "report/the-browser-leaves-no-process",
            browser_leaves_no_process,
        ),
    ];
    for (name, test) in [
        (
            "report/browser/matrix-counts",
            browser_counts as fn() -> Result<(), Failed>,
        ),
        ("report/browser/filters-hide-rows", browser_filters),
        (
            "report/browser/clicking-a-failing-cell-opens-it",
            browser_click,
        ),
        ("report/browser/open-from-the-url", browser_open),
        (
            "report/browser/query-filters-can-be-cleared",
            browser_query_filters_clear,
        ),
        (
            "report/browser/untrusted-text-makes-no-element",
            browser_escaped,
        ),
        ("report/browser/screenshot", browser_screenshot),
    ] {
        trials.push(Trial::test(name, test).with_ignored_flag(missing.is_some()));
    }
    // The issue's own command, on both Mercurial adapters: needs them set
    // up (scripts/test does) as well as the browser.
    let adapters = adapters_missing();
    if let Some(reason) = &adapters {
        eprintln!("note: report/browser/mercurial-adapters is ignored: {reason}");
    }
    trials.push(
        Trial::test("report/browser/mercurial-adapters", browser_mercurial)
            .with_ignored_flag(missing.is_some() || adapters.is_some()),
    );
    // The README's front table, on every adapter.
    let all = adapters_missing_of(&ALL_ADAPTERS);
    if let Some(reason) = &all {
        eprintln!("note: report/readme-results-are-current is ignored: {reason}");
    }
    trials.push(
        Trial::test("report/readme-results-are-current", readme_results)
            .with_ignored_flag(all.is_some()),
    );
    libtest_mimic::run(&args, trials).exit();
}

// ---- the fake ---------------------------------------------------------------

/// The reference testee, spoiled as the module says.
fn fake() {
    let mut testee = Testee::new();
    let mut vector = String::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let request: Json = serde_json::from_str(&line).unwrap_or_default();
        let kind = request["type"].as_str().unwrap_or_default();
        if kind == "start" {
            vector = request["vector"].as_str().unwrap_or_default().to_string();
            if vector.starts_with("client/raise/") {
                let reason = format!("hgfake cannot raise: {HOSTILE}");
                let _ = writeln!(out, "{}", serde_json::json!({ "unimplemented": reason }));
                let _ = out.flush();
                continue;
            }
        }
        if kind == "step" && vector.starts_with("conversation/defaults/") {
            eprintln!("hgfake crashes: {HOSTILE}");
            std::process::exit(3);
        }
        let Some(mut answer) = testee.answer(&line) else {
            break;
        };
        match kind {
            "hello" => answer["name"] = Json::String(format!("hgfake {HOSTILE}")),
            "step" if vector.starts_with("codec/header/") => {
                if let Some(length) = answer["outcome"]["header"]["length"].as_u64() {
                    answer["outcome"]["header"]["length"] = Json::from(length + 1);
                    eprintln!("hgfake: lengths are long {HOSTILE}");
                }
            }
            "step" if vector.starts_with("server/protocol-error/") => {
                reword(&mut answer["outcome"]);
            }
            "step" if vector.starts_with("builder/createtextoutputframe/") => {
                if let Some(frames) = answer["outcome"]["frames"].as_array_mut() {
                    frames.pop();
                }
            }
            _ => {}
        }
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
}

/// Every error with a class gets hostile words.
fn reword(value: &mut Json) {
    match value {
        Json::Object(map) => {
            if map.contains_key("class") && map.contains_key("message") {
                map.insert("message".into(), Json::String(format!("hgfake: {HOSTILE}")));
            }
            for v in map.values_mut() {
                reword(v);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(reword),
        _ => {}
    }
}

// ---- helpers ----------------------------------------------------------------

fn check(cond: bool, what: impl std::fmt::Display) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(what.to_string().into())
    }
}

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{name}"))
}

fn quote(path: &Path) -> String {
    shlex::try_quote(&path.to_string_lossy())
        .unwrap()
        .into_owned()
}

/// `hgframe ARGS` in the crate's directory, with the fake's switch set
/// (only the fake reads it).
fn hgframe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hgframe"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HGFRAME_REPORT_FAKE", "1")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// HTML text with its character references replaced by the characters.
fn unescape(html: &str) -> String {
    let re = Regex::new(r"&(#[0-9]+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);").unwrap();
    re.replace_all(html, |c: &regex::Captures| {
        let name = &c[1];
        let code = match name {
            "amp" => 38,
            "lt" => 60,
            "gt" => 62,
            "quot" => 34,
            "apos" => 39,
            _ if name.starts_with("#x") => u32::from_str_radix(&name[2..], 16).unwrap_or(0xfffd),
            _ => name[1..].parse().unwrap_or(0xfffd),
        };
        char::from_u32(code).unwrap_or('\u{fffd}').to_string()
    })
    .into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Json {
    serde_json::from_str(&read(path)).unwrap()
}

fn vectors(report: &Json) -> &[Json] {
    report["vectors"].as_array().map_or(&[], Vec::as_slice)
}

/// The ids of a run report's vectors, by verdict.
fn by_verdict(report: &Json) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for v in vectors(report) {
        out.entry(v["result"].as_str().unwrap().to_string())
            .or_default()
            .insert(v["id"].as_str().unwrap().to_string());
    }
    out
}

/// The report every test looks at, made once: the reference, the fake with
/// an expectation file (exact level), the fake at the semantic level.
struct Fixture {
    dir: PathBuf,
    /// The arguments of the fake's column, for a `hgframe run` of it.
    fake_run: Vec<String>,
    /// The vector the expectation file says fails and that passes.
    unexpected: String,
}

const COLUMNS: [&str; 3] = ["ref", "fake", "loose"];

/// What the file of `--markdown` holds before the fixture's report.
const SUMMARY_BEFORE: &str = "## An earlier step\n\nIts summary.\n";

fn fixture() -> Result<&'static Fixture, Failed> {
    static FIXTURE: OnceLock<Result<Fixture, String>> = OnceLock::new();
    FIXTURE
        .get_or_init(make_fixture)
        .as_ref()
        .map_err(|e| e.clone().into())
}

fn make_fixture() -> Result<Fixture, String> {
    let dir = tmp("fixture");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let suite = Suite::load(&[]).unwrap();
    let unexpected = suite
        .vectors()
        .iter()
        .find(|v| v.id.starts_with("codec/humanflags/"))
        .ok_or("no codec/humanflags vector")?
        .id
        .clone();
    let expectations = dir.join("fake-expectations.yaml");
    std::fs::write(
        &expectations,
        format!(
            "implementation: hgfake\nexpectations:\n\
             - id: 'codec/header/decode-length-*'\n  result: fail\n  reason: 'one byte too long: {}'\n\
             - id: '{unexpected}'\n  result: fail\n  reason: 'it does not, in fact'\n",
            HOSTILE.replace('\'', "''")
        ),
    )
    .unwrap();
    let me = quote(&std::env::current_exe().unwrap());
    let testee = format!("{} testee", quote(Path::new(env!("CARGO_BIN_EXE_hgframe"))));
    let out = dir.join("out");
    // --markdown adds to a file (as to $GITHUB_STEP_SUMMARY).
    let md = dir.join("summary.md");
    std::fs::write(&md, SUMMARY_BEFORE).unwrap();
    let fake_run = vec![
        "--impl".to_string(),
        me.clone(),
        "--expectations".to_string(),
        expectations.to_string_lossy().into_owned(),
        "--exclude-id".to_string(),
        "codec/repr/*".to_string(),
    ];
    let output = hgframe(&[
        "report",
        "--impl",
        &format!("ref={testee}"),
        "--impl",
        &format!("fake={me}"),
        "--expectations",
        &format!("fake={}", expectations.display()),
        "--impl",
        &format!("loose={me}"),
        "--level",
        "loose=semantic",
        "--exclude-id",
        "codec/repr/*",
        "--title",
        &format!("fixture {HOSTILE}"),
        "--markdown",
        &md.to_string_lossy(),
        "-o",
        &out.to_string_lossy(),
    ]);
    if output.status.code() != Some(0) {
        return Err(text(&output));
    }
    Ok(Fixture {
        dir,
        fake_run,
        unexpected,
    })
}

impl Fixture {
    fn out(&self) -> PathBuf {
        self.dir.join("out")
    }
    fn html(&self) -> String {
        read(&self.out().join("index.html"))
    }
    fn column(&self, name: &str) -> Json {
        json(&self.out().join(format!("{name}.json")))
    }
}

/// What a page (as written, or as the browser left it) shows, read with
/// patterns: the page's own markup is regular, and what the patterns read
/// is checked against the JSON reports.
struct Page {
    text: String,
}

impl Page {
    /// Each vector row: its id, whether it is hidden, whether it is open.
    fn rows(&self) -> Vec<(String, bool, bool)> {
        let re = Regex::new(r#"<details class="vector" id="vector:([^"]*)"[^>]*>"#).unwrap();
        re.captures_iter(&self.text)
            .map(|c| {
                // The attributes' names, without their quoted values (a
                // description may hold the words "open" or "hidden").
                let tag = Regex::new(r#""[^"]*""#)
                    .unwrap()
                    .replace_all(c.get(0).unwrap().as_str(), "\"\"")
                    .into_owned();
                (
                    c[1].to_string(),
                    tag.contains(" hidden"),
                    tag.contains(" open"),
                )
            })
            .collect()
    }

    fn visible(&self) -> Vec<String> {
        self.rows()
            .into_iter()
            .filter(|(_, hidden, _)| !hidden)
            .map(|(id, _, _)| id)
            .collect()
    }

    /// How many matrix cells each (column, verdict) has.
    fn cells(&self) -> BTreeMap<(String, String), usize> {
        let re = Regex::new(
            r#"<span class="cell v-[a-z-]+" data-impl="([^"]*)" data-verdict="([a-z-]+)""#,
        )
        .unwrap();
        let mut out = BTreeMap::new();
        for c in re.captures_iter(&self.text) {
            *out.entry((c[1].to_string(), c[2].to_string())).or_default() += 1;
        }
        out
    }

    /// The summary table's count of each verdict, by column.
    fn summary(&self) -> BTreeMap<(String, String), usize> {
        let row = Regex::new(r#"(?s)<tr data-impl="([^"]*)">(.*?)</tr>"#).unwrap();
        let count = Regex::new(r#"<td class="count" data-verdict="([a-z-]+)">(?:<a [^>]*>)?(\d+)"#)
            .unwrap();
        let mut out = BTreeMap::new();
        for r in row.captures_iter(&self.text) {
            for c in count.captures_iter(&r[2]) {
                out.insert((r[1].to_string(), c[1].to_string()), c[2].parse().unwrap());
            }
        }
        out
    }

    /// The count the filters say they show.
    fn shown(&self) -> Option<usize> {
        let re = Regex::new(r#"<output id="shown" data-shown="(\d+)""#).unwrap();
        re.captures(&self.text).map(|c| c[1].parse().unwrap())
    }

    /// The panel of the vector `id`.
    fn panel(&self, id: &str) -> Option<&str> {
        let start = self
            .text
            .find(&format!("<details class=\"vector\" id=\"vector:{id}\""))?;
        let rest = &self.text[start..];
        let end = rest.find("\n</details>")?;
        Some(&rest[..end])
    }
}

/// Every column's count of every verdict, from its JSON report.
fn expected_counts(fixture: &Fixture) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for name in COLUMNS {
        for (verdict, ids) in by_verdict(&fixture.column(name)) {
            out.insert((name.to_string(), verdict), ids.len());
        }
    }
    out
}

fn nonzero(counts: &BTreeMap<(String, String), usize>) -> BTreeMap<(String, String), usize> {
    counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| (k.clone(), *n))
        .collect()
}

// ---- the files --------------------------------------------------------------

/// Each column's run is the run `hgframe run` makes with the same
/// arguments, and the fake gives each verdict where it means to.
fn runs_as_run_does() -> Result<(), Failed> {
    let fixture = fixture()?;
    let mut args: Vec<&str> = vec!["run", "--format", "json"];
    args.extend(fixture.fake_run.iter().map(String::as_str));
    let output = hgframe(&args);
    let run: Json =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("{e}: {}", text(&output)))?;
    let fake = fixture.column("fake");
    check(
        by_verdict(&run) == by_verdict(&fake),
        format!(
            "hgframe run: {:?}\nthe report: {:?}",
            by_verdict(&run),
            by_verdict(&fake)
        ),
    )?;
    let ids = |verdict: &str| by_verdict(&fake).remove(verdict).unwrap_or_default();
    let all = |set: &BTreeSet<String>, prefix: &str| set.iter().all(|id| id.starts_with(prefix));
    check(!ids("failed").is_empty(), "the fake fails some vectors")?;
    check(
        ids("failed").iter().all(|id| {
            [
                "codec/header/",
                "server/protocol-error/",
                "builder/createtextoutputframe/",
            ]
            .iter()
            .any(|area| id.starts_with(area))
        }),
        format!("failed: {:?}", ids("failed")),
    )?;
    check(
        !ids("expected-failure").is_empty()
            && all(&ids("expected-failure"), "codec/header/decode-length-"),
        format!("expected failures: {:?}", ids("expected-failure")),
    )?;
    check(
        ids("unexpected-pass") == BTreeSet::from([fixture.unexpected.clone()]),
        format!("unexpected passes: {:?}", ids("unexpected-pass")),
    )?;
    check(
        !ids("unimplemented").is_empty() && all(&ids("unimplemented"), "client/raise/"),
        format!("unimplemented: {:?}", ids("unimplemented")),
    )?;
    check(
        !ids("broken").is_empty() && all(&ids("broken"), "conversation/defaults/"),
        format!("broken: {:?}", ids("broken")),
    )?;
    check(
        !ids("skipped").is_empty() && all(&ids("skipped"), "codec/repr/"),
        format!("skipped: {:?}", ids("skipped")),
    )?;
    // The reworded errors fail at the exact level and are non-strict at the
    // semantic one.
    let reworded: BTreeSet<String> = vectors(&fake)
        .iter()
        .filter(|v| v["result"] == "failed" && v["non_strict"] == true)
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    let loose = by_verdict(&fixture.column("loose"));
    check(
        !reworded.is_empty() && loose.get("non-strict") == Some(&reworded),
        format!(
            "non-strict at the semantic level: {:?}, reworded: {reworded:?}",
            loose.get("non-strict")
        ),
    )?;
    let reference = by_verdict(&fixture.column("ref"));
    check(
        reference.keys().map(String::as_str).collect::<Vec<_>>() == ["passed", "skipped"],
        format!("the reference: {:?}", reference.keys()),
    )
}

/// The page's matrix and summary table, and the Markdown's totals, count
/// each verdict of each column as its JSON report does.
fn counts_in_files() -> Result<(), Failed> {
    let fixture = fixture()?;
    let page = Page {
        text: fixture.html(),
    };
    let want = expected_counts(fixture);
    let verdicts: BTreeSet<&str> = want.keys().map(|(_, v)| v.as_str()).collect();
    check(
        verdicts.len() == 8,
        format!("the fixture has every verdict: {verdicts:?}"),
    )?;
    check(
        nonzero(&page.cells()) == want,
        format!("cells: {:?}\nwanted: {want:?}", page.cells()),
    )?;
    check(
        nonzero(&page.summary()) == want,
        format!("summary: {:?}\nwanted: {want:?}", page.summary()),
    )?;
    let total = vectors(&fixture.column("ref")).len();
    check(
        page.rows().len() == total,
        format!("{} rows", page.rows().len()),
    )?;
    check(
        page.shown() == Some(total),
        "the page says it shows them all",
    )?;
    // The Markdown: a row of totals per column, in the order of the
    // verdicts.
    let md = read(&fixture.out().join("report.md"));
    check(
        read(&fixture.dir.join("summary.md")) == format!("{SUMMARY_BEFORE}{md}"),
        "--markdown FILE holds what it held, then what report.md does",
    )?;
    let header = md
        .lines()
        .find(|l| l.starts_with("| implementation |"))
        .ok_or("no totals table")?;
    let names: Vec<&str> = header.split('|').map(str::trim).skip(3).collect();
    for name in COLUMNS {
        let line = md
            .lines()
            .find(|l| l.starts_with(&format!("| **{name}** ")))
            .ok_or(format!("no totals for {name}"))?;
        let numbers: Vec<&str> = line.split('|').map(str::trim).skip(3).collect();
        for (verdict, n) in names.iter().zip(&numbers) {
            if verdict.is_empty() || *verdict == "total" {
                continue;
            }
            let want = want
                .get(&(name.to_string(), verdict.to_string()))
                .copied()
                .unwrap_or(0);
            check(
                n.parse::<usize>().ok() == Some(want),
                format!("{name} {verdict}: {n} in\n{md}"),
            )?;
        }
    }
    let mut bad = BTreeSet::new();
    for name in COLUMNS {
        let verdicts = by_verdict(&fixture.column(name));
        for v in ["failed", "broken", "unexpected-pass"] {
            bad.extend(verdicts.get(v).cloned().unwrap_or_default());
        }
    }
    let attention = bad.len();
    check(
        md.contains(&format!("### Needing attention: {attention} vectors")),
        format!("{attention} vectors need attention:\n{md}"),
    )
}

/// A failed vector's panel shows the step's input, its expected and actual
/// outcomes side by side with the differing field marked, and its
/// differences by field and kind.
fn failure_detail() -> Result<(), Failed> {
    let fixture = fixture()?;
    let page = Page {
        text: fixture.html(),
    };
    let fake = fixture.column("fake");
    let failed = vectors(&fake)
        .iter()
        .find(|v| v["result"] == "failed" && v["id"].as_str().unwrap().starts_with("codec/header/"))
        .ok_or("no failed header vector")?;
    let id = failed["id"].as_str().unwrap();
    let panel = page.panel(id).ok_or(format!("no panel for {id}"))?;
    let detail = panel
        .split("<section class=\"detail\"")
        .find(|s| s.starts_with(" data-impl=\"fake\" data-verdict=\"failed\""))
        .ok_or(format!("no failed detail for the fake in\n{panel}"))?;
    for part in [
        "<div class=\"side input\">",
        "<div class=\"side expected\">",
        "<div class=\"side actual\">",
    ] {
        check(detail.contains(part), format!("{part} in\n{detail}"))?;
    }
    let difference = &failed["differences"][0];
    let field = difference["field"].as_str().unwrap();
    check(
        detail.contains(&format!(
            "data-field=\"{field}\" data-kind=\"{}\"",
            difference["kind"].as_str().unwrap()
        )),
        format!("the difference {difference} in\n{detail}"),
    )?;
    // The field is marked on both sides: expected and actual.
    let marked = "<div class=\"line diff-value\" style=\"--depth: ";
    let sides: Vec<&str> = detail.split("<div class=\"side ").skip(1).collect();
    check(sides.len() == 3, format!("{} sides", sides.len()))?;
    for side in &sides[1..] {
        check(
            side.contains(marked) && side.contains(&format!("data-path=\"{field}\"")),
            format!("{field} marked in\n{side}"),
        )?;
    }
    let expected = failed["expected"]["header"]["length"].as_u64().unwrap();
    let length =
        |n: u64| format!("<span class=\"key\">length</span> <span class=\"text\">{n}</span>");
    check(
        sides[1].contains(&length(expected)) && sides[2].contains(&length(expected + 1)),
        format!("lengths {expected} and {} in\n{detail}", expected + 1),
    )?;
    // A frame shows its human string and its hex.
    let frames = vectors(&fake)
        .iter()
        .filter(|v| v["result"] == "failed")
        .find_map(|v| {
            let f = &v["expected"]["frames"][0];
            Some((v["id"].as_str()?, f["human"].as_str()?, f["hex"].as_str()?))
        });
    let (id, human, hex) = frames.ok_or("no failed vector with frames")?;
    let panel = page.panel(id).ok_or(format!("no panel for {id}"))?;
    check(
        unescape(panel).contains(&format!(
            "<span class=\"text\">{human}</span><span class=\"bytes\">hex {hex}</span>"
        )),
        format!("the frame {human} {hex} in\n{panel}"),
    )
}

/// A non-strict vector's report carries its first differing step's input,
/// line, and expected and actual outcomes, and its panel shows them side
/// by side, that step's differences marked (at the exact level only).
fn non_strict_detail() -> Result<(), Failed> {
    let fixture = fixture()?;
    let loose = fixture.column("loose");
    let v = vectors(&loose)
        .iter()
        .find(|v| v["result"] == "non-strict")
        .ok_or("no non-strict vector")?;
    let id = v["id"].as_str().unwrap();
    let first = v["differences"][0]["step"].as_u64().ok_or("no step")?;
    let field = v["differences"][0]["field"].as_str().unwrap();
    check(
        v["expected"].is_object()
            && v["actual"].is_object()
            && v["input"].is_string()
            && v["step_line"].is_u64(),
        format!("{id}: the first differing step's outcomes and input in {v}"),
    )?;
    let suite = Suite::load(&[]).unwrap();
    let vector = suite.vectors().iter().find(|x| x.id == id).unwrap();
    check(
        v["step_line"].as_u64() == vector.step_lines.get(first as usize).map(|&l| l as u64),
        format!("{id}: step_line {} is step {first}'s", v["step_line"]),
    )?;
    let page = Page {
        text: fixture.html(),
    };
    let panel = page.panel(id).ok_or(format!("no panel for {id}"))?;
    let detail = panel
        .split("<section class=\"detail\"")
        .find(|s| s.starts_with(" data-impl=\"loose\" data-verdict=\"non-strict\""))
        .ok_or(format!("no non-strict detail for loose in\n{panel}"))?;
    let sides: Vec<&str> = detail.split("<div class=\"side ").skip(1).collect();
    check(
        sides.len() == 3
            && sides[0].starts_with("input\"")
            && sides[1].starts_with("expected\"")
            && sides[2].starts_with("actual\""),
        format!("input, expected and actual in\n{detail}"),
    )?;
    for side in &sides[1..] {
        check(
            side.contains("<div class=\"line diff-exact\" style=\"--depth: ")
                && side.contains(&format!("data-path=\"{field}\"")),
            format!("{field} marked in\n{side}"),
        )?;
    }
    check(
        detail.contains(&format!("step {first}")),
        format!("the detail names step {first}:\n{detail}"),
    )?;
    // Every column's JSON report still follows its schema.
    for name in COLUMNS {
        let errors = report_schema::errors(&fixture.column(name));
        check(errors.is_empty(), format!("{name}.json: {errors:#?}"))?;
    }
    Ok(())
}

/// The same runs read back from their JSON reports give the same page.
fn saved_runs_same_page() -> Result<(), Failed> {
    let fixture = fixture()?;
    let out = tmp("saved");
    let mut args = vec!["report".to_string()];
    for name in COLUMNS {
        args.push("--from".into());
        args.push(format!(
            "{name}={}",
            fixture.out().join(format!("{name}.json")).display()
        ));
    }
    args.extend([
        "--title".into(),
        format!("fixture {HOSTILE}"),
        "-o".into(),
        out.to_string_lossy().into_owned(),
    ]);
    let output = hgframe(&args.iter().map(String::as_str).collect::<Vec<_>>());
    check(output.status.success(), text(&output))?;
    check(
        read(&out.join("index.html")) == fixture.html(),
        "the page differs from the one of the runs",
    )?;
    check(
        read(&out.join("report.md")) == read(&fixture.out().join("report.md")),
        "the Markdown differs",
    )
}

/// A report written before tags and descriptions were in it gets them from
/// the vector files.
fn old_reports() -> Result<(), Failed> {
    let fixture = fixture()?;
    let mut old = fixture.column("ref");
    for v in old["vectors"].as_array_mut().unwrap() {
        let v = v.as_object_mut().unwrap();
        v.remove("tags");
        v.remove("description");
    }
    let path = tmp("old.json");
    std::fs::write(&path, old.to_string()).unwrap();
    let out = tmp("old");
    let output = hgframe(&[
        "report",
        "--from",
        &format!("old={}", path.display()),
        "-o",
        &out.to_string_lossy(),
    ]);
    check(output.status.success(), text(&output))?;
    let page = read(&out.join("index.html"));
    let suite = Suite::load(&[]).unwrap();
    let tagged = suite.vectors().iter().find(|v| v.tags.len() > 1).unwrap();
    check(
        unescape(&page).contains(&format!(
            "data-id=\"{}\" data-tags=\"{}\"",
            tagged.id,
            serde_json::to_string(&tagged.tags).unwrap()
        )),
        format!("{}'s tags {:?}", tagged.id, tagged.tags),
    )
}

/// A vector whose report gives a tag twice counts once for it, and shows
/// it once.
fn tags_twice() -> Result<(), Failed> {
    let fixture = fixture()?;
    let mut report = fixture.column("ref");
    let mut header = 0;
    for v in report["vectors"].as_array_mut().unwrap() {
        let tags = v["tags"].as_array_mut().unwrap();
        if tags.contains(&Json::from("header")) {
            header += 1;
            tags.push(Json::from("header"));
        }
    }
    let path = tmp("tags-twice.json");
    std::fs::write(&path, report.to_string()).unwrap();
    let out = tmp("tags-twice");
    let output = hgframe(&[
        "report",
        "--from",
        &format!("twice={}", path.display()),
        "-o",
        &out.to_string_lossy(),
    ]);
    check(output.status.success(), text(&output))?;
    let page = read(&out.join("index.html"));
    check(
        header > 0
            && page.contains(&format!(
                "<option value=\"header\">header ({header})</option>"
            )),
        format!("the header tag counts {header} vectors"),
    )?;
    let id = vectors(&report)
        .iter()
        .find(|v| {
            v["tags"]
                .as_array()
                .unwrap()
                .contains(&Json::from("header"))
        })
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let panel = Page { text: page }
        .panel(&id)
        .unwrap_or_default()
        .to_string();
    check(
        panel.matches("<span class=\"tag\">header</span>").count() == 1,
        format!("{id} shows its tag once:\n{panel}"),
    )
}

/// Columns come in the order of --impl and --from on the command line.
fn column_order() -> Result<(), Failed> {
    let fixture = fixture()?;
    let out = tmp("order");
    let testee = format!("{} testee", quote(Path::new(env!("CARGO_BIN_EXE_hgframe"))));
    let output = hgframe(&[
        "report",
        "--from",
        &format!("b={}", fixture.out().join("fake.json").display()),
        "--impl",
        &format!("a={testee}"),
        "--from",
        &format!("c={}", fixture.out().join("ref.json").display()),
        "--id",
        "codec/header/*",
        "-o",
        &out.to_string_lossy(),
    ]);
    check(output.status.success(), text(&output))?;
    let page = read(&out.join("index.html"));
    let order: Vec<&str> = Regex::new(r#"<tr data-impl="([^"]*)">"#)
        .unwrap()
        .captures_iter(&page)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    check(order == ["b", "a", "c"], format!("{order:?}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout
        .lines()
        .take(3)
        .map(|l| l.split(':').next().unwrap())
        .collect();
    check(lines == ["b", "a", "c"], stdout.to_string())
}

/// --id, --tag, --exclude-id and --exclude-tag select a saved run's
/// vectors as they select a run's: the reference saved and the reference
/// run, under the same filters, give the same rows and the same counts.
fn saved_filtered() -> Result<(), Failed> {
    let fixture = fixture()?;
    let out = tmp("saved-filtered");
    let testee = format!("{} testee", quote(Path::new(env!("CARGO_BIN_EXE_hgframe"))));
    let output = hgframe(&[
        "report",
        "--from",
        &format!("saved={}", fixture.out().join("ref.json").display()),
        "--impl",
        &format!("run={testee}"),
        "--id",
        "codec/*",
        "--tag",
        "readframe",
        "--exclude-id",
        "codec/readframe/payload-3276*",
        "--exclude-tag",
        "edge-size",
        "-o",
        &out.to_string_lossy(),
    ]);
    check(output.status.success(), text(&output))?;
    let run = json(&out.join("run.json"));
    let verdicts = by_verdict(&run);
    check(
        verdicts.get("skipped").is_some_and(|s| !s.is_empty())
            && verdicts.get("passed").is_some_and(|s| !s.is_empty()),
        format!("the filters select and exclude some: {verdicts:?}"),
    )?;
    let page = Page {
        text: read(&out.join("index.html")),
    };
    check(
        page.rows().len() == vectors(&run).len(),
        format!(
            "{} rows, {} selected",
            page.rows().len(),
            vectors(&run).len()
        ),
    )?;
    let summary = page.summary();
    let of = |column: &str| -> BTreeMap<String, usize> {
        summary
            .iter()
            .filter(|((c, _), _)| c == column)
            .map(|((_, v), n)| (v.clone(), *n))
            .collect()
    };
    check(
        of("saved") == of("run"),
        format!("saved: {:?}\nrun: {:?}", of("saved"), of("run")),
    )?;
    let md = read(&out.join("report.md"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout
        .lines()
        .take(2)
        .map(|l| l.split_once(": ").map_or(l, |(_, t)| t))
        .collect();
    check(
        lines.len() == 2 && lines[0] == lines[1],
        format!("the same totals printed:\n{stdout}\n{md}"),
    )
}

/// A vector file that does not load is reported, and recorded in each
/// run, and the other files' vectors run, as `hgframe run` does: the report
/// is written, and the exit status is 2.
fn broken_vector_file() -> Result<(), Failed> {
    let dir = tmp("broken-file");
    let _ = std::fs::remove_dir_all(&dir);
    let vectors_dir = dir.join("vectors");
    std::fs::create_dir_all(&vectors_dir).unwrap();
    let header = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/codec/header.yaml");
    std::fs::copy(&header, vectors_dir.join("header.yaml")).unwrap();
    std::fs::write(
        vectors_dir.join("broken.yaml"),
        "format: 2\nprotocol: hg-framing-2018\nvectors:\n- id: broken/x\n  steps: 7\n",
    )
    .unwrap();
    let out = dir.join("out");
    let testee = format!("{} testee", quote(Path::new(env!("CARGO_BIN_EXE_hgframe"))));
    let output = hgframe(&[
        "report",
        &vectors_dir.to_string_lossy(),
        "--impl",
        &format!("ref={testee}"),
        "-o",
        &out.to_string_lossy(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    check(
        output.status.code() == Some(2)
            && stderr.contains("broken.yaml")
            && stderr.contains("running the others"),
        format!("exit 2, the broken file named: {}", text(&output)),
    )?;
    let run = json(&out.join("ref.json"));
    let suite = Suite::load(&[header]).unwrap();
    check(
        vectors(&run).len() == suite.vectors().len()
            && by_verdict(&run).keys().collect::<Vec<_>>() == ["passed"],
        format!("the header vectors ran: {:?}", by_verdict(&run)),
    )?;
    let broken = run["broken_files"].as_array().cloned().unwrap_or_default();
    check(
        broken.len() == 1
            && broken[0]
                .as_str()
                .is_some_and(|e| e.contains("broken.yaml")),
        format!("the run records the broken file: {broken:?}"),
    )?;
    let page = read(&out.join("index.html"));
    check(
        page.contains("broken.yaml"),
        "the page shows the broken file",
    )
}

/// A saved report whose every string is hostile.
fn hostile_report(fixture: &Fixture) -> PathBuf {
    fn spoil(value: &mut Json, key: &str) {
        match value {
            Json::String(s) if !matches!(key, "result" | "status" | "kind" | "level") => {
                *s = format!("{s} {HOSTILE}");
            }
            Json::Array(items) => items.iter_mut().for_each(|v| spoil(v, key)),
            Json::Object(map) => {
                for (k, v) in map.iter_mut() {
                    spoil(v, k);
                }
            }
            _ => {}
        }
    }
    let mut report = fixture.column("fake");
    spoil(&mut report, "");
    let path = fixture.dir.join("hostile.json");
    std::fs::write(&path, report.to_string()).unwrap();
    path
}

fn hostile_dir(fixture: &Fixture) -> Result<PathBuf, Failed> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = fixture.dir.join("hostile");
        let output = hgframe(&[
            "report",
            "--from",
            &format!("evil={}", hostile_report(fixture).display()),
            "--title",
            HOSTILE,
            "-o",
            &out.to_string_lossy(),
        ]);
        if output.status.success() {
            Ok(out)
        } else {
            Err(text(&output))
        }
    })
    .clone()
    .map_err(Into::into)
}

/// Markup in names, ids, tags, messages, standard error and the title
/// comes out as text, in the page and in the Markdown.
fn escaped_files() -> Result<(), Failed> {
    let fixture = fixture()?;
    for dir in [fixture.out(), hostile_dir(fixture)?] {
        let page = read(&dir.join("index.html"));
        check(
            page.matches("<script").count() == 1,
            format!("{}: one script, the page's own", dir.display()),
        )?;
        check(
            !page.contains("<img"),
            format!("{}: an <img> got through", dir.display()),
        )?;
        check(
            !page.contains(HOSTILE) && unescape(&page).contains(HOSTILE),
            format!("{}: the hostile text is there, escaped", dir.display()),
        )?;
        let md = read(&dir.join("report.md"));
        check(
            !md.contains("<script") && !md.contains("<img") && md.contains("&lt;script&gt;"),
            format!("{}: the Markdown:\n{md}", dir.display()),
        )?;
    }
    // In the hostile report the ids and tags themselves are hostile, and
    // attributes stay closed.
    let page = read(&hostile_dir(fixture)?.join("index.html"));
    check(
        !page.contains("alert(\"x\")"),
        "a quote of the hostile text is unescaped",
    )?;
    let ids: Vec<String> = Regex::new(r#"data-id="([^"]*)""#)
        .unwrap()
        .captures_iter(&page)
        .map(|c| unescape(&c[1]))
        .collect();
    check(
        ids.contains(&format!("codec/header/decode-zero {HOSTILE}")),
        "the hostile id is whole in its attribute",
    )
}

fn bad_arguments() -> Result<(), Failed> {
    let fixture = fixture()?;
    let saved = fixture.out().join("ref.json");
    let saved = saved.to_string_lossy();
    let not_a_report = fixture.dir.join("not-a-report.json");
    std::fs::write(&not_a_report, "{\"vectors\": []}").unwrap();
    let future = fixture.dir.join("format-9.json");
    std::fs::write(&future, "{\"format\": 9}").unwrap();
    let bad_field = fixture.dir.join("bad-field.json");
    let mut report = fixture.column("ref");
    report["vectors"][2]["result"] = Json::from("sort-of");
    std::fs::write(&bad_field, report.to_string()).unwrap();
    let twice = fixture.dir.join("twice.json");
    let mut report = fixture.column("ref");
    report["vectors"][3]["id"] = report["vectors"][1]["id"].clone();
    std::fs::write(&twice, report.to_string()).unwrap();
    let x = format!("x={saved}");
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["--from".into(), format!("x={}", twice.display())],
            format!(
                "vectors[3].id: {} is reported twice (vectors[1] too)",
                report["vectors"][1]["id"]
            ),
        ),
        (vec![], "no implementation".into()),
        (
            vec!["--impl".into(), "hgframe testee".into()],
            "--impl \"hgframe testee\": wants NAME=COMMAND".into(),
        ),
        (
            vec!["--impl".into(), "a b=c".into()],
            "wants NAME=COMMAND".into(),
        ),
        (
            vec!["--from".into(), x.clone(), "--from".into(), x.clone()],
            "two implementations are named \"x\"".into(),
        ),
        (
            vec![
                "--from".into(),
                x.clone(),
                "--expectations".into(),
                "y=e.yaml".into(),
            ],
            "--expectations y=...: no --impl or --from is named \"y\"".into(),
        ),
        (
            vec![
                "--from".into(),
                x.clone(),
                "--level".into(),
                "x=semantic".into(),
            ],
            "\"x\" is a saved run (--from)".into(),
        ),
        (
            vec![
                "--from".into(),
                x.clone(),
                "--level".into(),
                "sloppy".into(),
            ],
            "--level \"sloppy\"".into(),
        ),
        (
            vec!["--from".into(), "x=/nonexistent/run.json".into()],
            "x: /nonexistent/run.json: cannot read".into(),
        ),
        (
            vec!["--from".into(), format!("x={}", not_a_report.display())],
            "has no \"format\" number".into(),
        ),
        (
            vec!["--from".into(), format!("x={}", future.display())],
            "a report of format 9; this hgframe reads format 2".into(),
        ),
        (
            vec!["--from".into(), format!("x={}", bad_field.display())],
            "vectors[2].result: unknown variant `sort-of`".into(),
        ),
        (
            vec!["--impl".into(), "x=/nonexistent/adapter".into()],
            "x: the implementation did not start".into(),
        ),
        (
            vec![
                "--impl".into(),
                "x=hgframe testee".into(),
                "--expectations".into(),
                "x=/nonexistent/e.yaml".into(),
            ],
            "x: /nonexistent/e.yaml".into(),
        ),
    ];
    for (args, want) in cases {
        let out = tmp("bad");
        let mut all = vec!["report".to_string()];
        all.extend(args.iter().cloned());
        all.extend(["-o".to_string(), out.to_string_lossy().into_owned()]);
        let output = hgframe(&all.iter().map(String::as_str).collect::<Vec<_>>());
        let stderr = String::from_utf8_lossy(&output.stderr);
        check(
            output.status.code() == Some(2) && stderr.contains(&want),
            format!("{args:?}: wanted exit 2 and {want:?}:\n{}", text(&output)),
        )?;
    }
    // An output directory that cannot be made is found before anything
    // runs.
    let file = fixture.dir.join("a-file");
    std::fs::write(&file, "").unwrap();
    let output = hgframe(&["report", "--from", &x, "-o", &file.to_string_lossy()]);
    check(
        output.status.code() == Some(2)
            && String::from_utf8_lossy(&output.stderr).contains("cannot write")
            && output.stdout.is_empty(),
        format!("-o a file: {}", text(&output)),
    )
}

/// scripts/test, when Chromium cannot be installed: in CI (`CI=true`) or
/// when the caller requires the browser tests (`HGFRAME_REQUIRE_CHROMIUM=1`)
/// it fails before running anything; elsewhere it runs the tests, the
/// browser ones ignored. `cargo` and the adapters' set-up are stand-ins
/// here, and `HGFRAME_CHROMIUM` names no program, so the install fails at
/// once.
fn scripts_test_chromium() -> Result<(), Failed> {
    let dir = tmp("scripts-test");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bash = which(Path::new("bash")).ok_or("no bash on PATH")?;
    let log = dir.join("cargo.log");
    let stubs = [
        (
            "cargo",
            format!(
                "#!/bin/sh\necho \"cargo $* HGFRAME_REQUIRE_CHROMIUM=${{HGFRAME_REQUIRE_CHROMIUM-unset}}\" >> {}\n",
                quote(&log)
            ),
        ),
        (
            "bash",
            format!(
                "#!/bin/sh\ncase \"$1\" in adapters/*/setup.sh) exit 1;; esac\nexec {} \"$@\"\n",
                quote(&bash)
            ),
        ),
    ];
    for (name, script) in stubs {
        let path = dir.join(name);
        std::fs::write(&path, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = std::env::join_paths(std::iter::once(dir.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    // The environment, whether the tests run, and what cargo then sees.
    type Case<'a> = (&'a [(&'a str, &'a str)], bool, &'a str);
    let cases: [Case; 4] = [
        (&[("CI", "true")], false, ""),
        (&[("HGFRAME_REQUIRE_CHROMIUM", "1")], false, ""),
        (&[("CI", "false")], true, "HGFRAME_REQUIRE_CHROMIUM=unset"),
        (&[], true, "HGFRAME_REQUIRE_CHROMIUM=unset"),
    ];
    for (env, runs, cargo_env) in cases {
        let _ = std::fs::remove_file(&log);
        let mut command = Command::new(&bash);
        command
            .arg("scripts/test")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PATH", &path)
            .env("HGFRAME_CHROMIUM", dir.join("no-such-browser"))
            .env("HGFRAME_FUZZ_SECONDS", "0")
            .env_remove("CI")
            .env_remove("HGFRAME_REQUIRE_CHROMIUM")
            .env_remove("HGFRAME_REQUIRE_ADAPTERS");
        for (k, v) in env {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        let cargo = std::fs::read_to_string(&log).unwrap_or_default();
        if runs {
            check(
                output.status.success() && cargo.contains(cargo_env),
                format!(
                    "{env:?}: the tests run, with {cargo_env}: {cargo:?}\n{}",
                    text(&output)
                ),
            )?;
        } else {
            check(
                !output.status.success()
                    && cargo.is_empty()
                    && String::from_utf8_lossy(&output.stderr)
                        .contains("Chromium could not be installed"),
                format!(
                    "{env:?}: fails before the tests: {cargo:?}\n{}",
                    text(&output)
                ),
            )?;
        }
    }
    Ok(())
}

/// A later column's bad input (a saved run, an expectation file, an error
/// map that cannot be read; a --markdown file that cannot be written) is
/// found before an earlier column runs.
fn checked_before_running() -> Result<(), Failed> {
    let dir = tmp("checked-first");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let marker = dir.join("a-ran");
    let me = quote(&std::env::current_exe().unwrap());
    let a = format!(
        "a=sh -c {}",
        shlex::try_quote(&format!("touch {}; exec {me}", quote(&marker))).unwrap()
    );
    let b = "b=hgframe testee".to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--from".into(), "b=/nonexistent/run.json".into()],
            "b: /nonexistent/run.json: cannot read",
        ),
        (
            vec![
                "--impl".into(),
                b.clone(),
                "--expectations".into(),
                "b=/nonexistent/e.yaml".into(),
            ],
            "b: /nonexistent/e.yaml",
        ),
        (
            vec![
                "--impl".into(),
                b.clone(),
                "--error-map".into(),
                "b=/nonexistent/map.yaml".into(),
            ],
            "b: /nonexistent/map.yaml",
        ),
        (
            vec!["--markdown".into(), "/nonexistent/dir/summary.md".into()],
            "cannot write /nonexistent/dir/summary.md",
        ),
    ];
    let mut wrong = Vec::new();
    for (args, want) in cases {
        let _ = std::fs::remove_file(&marker);
        let mut all: Vec<String> = vec![
            "report".into(),
            "--impl".into(),
            a.clone(),
            "--id".into(),
            "codec/header/*".into(),
        ];
        all.extend(args.iter().cloned());
        all.extend(["-o".into(), dir.join("out").to_string_lossy().into_owned()]);
        let output = hgframe(&all.iter().map(String::as_str).collect::<Vec<_>>());
        if !(output.status.code() == Some(2)
            && String::from_utf8_lossy(&output.stderr).contains(want)
            && output.stdout.is_empty()
            && !marker.exists())
        {
            wrong.push(format!(
                "{args:?}: wanted exit 2 and {want:?} before a ran (a ran: {}):\n{}",
                marker.exists(),
                text(&output)
            ));
        }
    }
    check(wrong.is_empty(), wrong.join("\n"))
}

// ---- in the browser ---------------------------------------------------------

/// The browser, or why there is none.
fn chromium() -> Result<PathBuf, String> {
    chromium_named(std::env::var_os("HGFRAME_CHROMIUM"))
}

/// The browser that `HGFRAME_CHROMIUM` names, if set and not empty, as
/// scripts/install-chromium reads it; else chromium or chromium-browser on
/// PATH.
fn chromium_named(named: Option<std::ffi::OsString>) -> Result<PathBuf, String> {
    match named.filter(|name| !name.is_empty()) {
        Some(name) => which(Path::new(&name)).ok_or(format!(
            "HGFRAME_CHROMIUM={} is not a program",
            name.to_string_lossy()
        )),
        None => ["chromium", "chromium-browser"]
            .iter()
            .find_map(|n| which(Path::new(n)))
            .ok_or_else(|| {
                "no chromium on PATH: scripts/install-chromium installs it (scripts/test runs it)"
                    .to_string()
            }),
    }
}

/// `HGFRAME_CHROMIUM=""` is no browser name, as scripts/install-chromium
/// takes it: the browser is looked for on PATH.
fn empty_chromium_is_unset() -> Result<(), Failed> {
    let empty = chromium_named(Some("".into()));
    let unset = chromium_named(None);
    check(
        empty == unset,
        format!("HGFRAME_CHROMIUM=\"\": {empty:?}; unset: {unset:?}"),
    )
}

fn which(name: &Path) -> Option<PathBuf> {
    if name.components().count() > 1 {
        return name.is_file().then(|| name.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Chromium, headless, on `url` with `args`: its standard output.
/// The longest a browser may take to load a page: one that never ends (a
/// script's `alert()` waits for a click that never comes) fails the test.
const BROWSER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Chromium, headless, on `url` with `args`: its standard output. Killed,
/// with its children, after [`BROWSER_TIMEOUT`].
fn browse(args: &[&str], url: &str) -> Result<String, Failed> {
    browse_with(&chromium()?, args, url)
}

/// [`browse`] with the program `browser`.
fn browse_with(browser: &Path, args: &[&str], url: &str) -> Result<String, Failed> {
    use std::os::unix::process::CommandExt;
    // A profile of its own for each browser: the trials run at once.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = tmp(&format!("chromium-profile-{}-{run}", std::process::id()));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("{}: {e}", browser.display()))?;
    let pipe = |mut from: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = from.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = pipe(Box::new(child.stdout.take().unwrap()));
    let stderr = pipe(Box::new(child.stderr.take().unwrap()));
    // The browser and every process it started: a child left behind
    // would hold the pipes open, and the readers would wait for it.
    let group = format!("-{}", child.id());
    let kill_group = || {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(std::process::Stdio::null())
            .status();
    };
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    kill_group();
    if status.is_none() {
        let _ = child.wait();
    }
    let output = Output {
        status: status.unwrap_or_else(|| child.wait().unwrap()),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    let _ = std::fs::remove_dir_all(&profile);
    check(
        status.is_some(),
        format!(
            "{} {url}: no answer in {BROWSER_TIMEOUT:?} (a dialog of a script?)",
            browser.display()
        ),
    )?;
    check(
        output.status.success(),
        format!("{}: {}", browser.display(), text(&output)),
    )?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A browser that exits at once and leaves a child behind, holding its
/// standard output: [`browse_with`] kills the child (the browser's process
/// group) rather than wait for it to close the pipe.
fn browser_leaves_no_process() -> Result<(), Failed> {
    let dir = tmp("leaving-browser");
    std::fs::create_dir_all(&dir).unwrap();
    let browser = dir.join("browser");
    std::fs::write(
        &browser,
        "#!/bin/sh\nsleep 40 &\necho '<html></html>'\nexit 0\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let started = std::time::Instant::now();
    let out = browse_with(&browser, &[], "about:blank")?;
    let took = started.elapsed();
    check(out.contains("<html>"), format!("its output: {out:?}"))?;
    check(
        took < std::time::Duration::from_secs(20),
        format!("{took:?}: the browser's child was left to run"),
    )
}

/// `text` for a query or fragment value: every byte but letters, digits
/// and `-_.~/` percent-encoded.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn url(path: &Path, fragment: &str) -> String {
    let path = std::fs::canonicalize(path).unwrap();
    format!("file://{}{fragment}", path.display())
}

/// The page at `fragment`, as the browser leaves it once its script ran.
fn dom(dir: &Path, fragment: &str) -> Result<Page, Failed> {
    let text = browse(&["--dump-dom"], &url(&dir.join("index.html"), fragment))?;
    check(text.contains("</html>"), format!("not a page:\n{text}"))?;
    Ok(Page { text })
}

fn browser_counts() -> Result<(), Failed> {
    let fixture = fixture()?;
    let page = dom(&fixture.out(), "")?;
    let want = expected_counts(fixture);
    check(
        nonzero(&page.cells()) == want,
        format!("cells: {:?}\nwanted: {want:?}", page.cells()),
    )?;
    check(
        nonzero(&page.summary()) == want,
        format!("summary: {:?}", page.summary()),
    )?;
    let rows = page.rows().len();
    check(
        rows == vectors(&fixture.column("ref")).len(),
        format!("{rows} rows"),
    )?;
    check(
        page.visible().len() == rows && page.shown() == Some(rows),
        "every row shows",
    )
}

fn browser_filters() -> Result<(), Failed> {
    let fixture = fixture()?;
    let fake = by_verdict(&fixture.column("fake"));
    let ids = |v: &str| fake.get(v).cloned().unwrap_or_default();
    let suite = Suite::load(&[]).unwrap();
    let tagged = |tag: &str| -> BTreeSet<String> {
        suite
            .vectors()
            .iter()
            .filter(|v| v.tags.iter().any(|t| t == tag))
            .map(|v| v.id.clone())
            .collect()
    };
    let cases: Vec<(&str, BTreeSet<String>)> = vec![
        ("#verdict=failed&impl=fake", ids("failed")),
        (
            "#verdict=failed,broken&impl=fake",
            ids("failed").union(&ids("broken")).cloned().collect(),
        ),
        ("?verdict=unimplemented", ids("unimplemented")),
        ("#tag=header", tagged("header")),
        (
            "#tag=header&verdict=expected-failure",
            tagged("header")
                .intersection(&ids("expected-failure"))
                .cloned()
                .collect(),
        ),
        (
            "#text=DECODE-length",
            vectors(&fixture.column("ref"))
                .iter()
                .filter(|v| {
                    let words = format!("{} {}", v["id"], v["description"]).to_lowercase();
                    words.contains("decode-length")
                })
                .map(|v| v["id"].as_str().unwrap().to_string())
                .collect(),
        ),
        ("#verdict=no-such-verdict", BTreeSet::new()),
        // A fragment says all: the query's verdict is not added to it.
        (
            "?verdict=unimplemented#text=DECODE-length",
            vectors(&fixture.column("ref"))
                .iter()
                .filter(|v| {
                    let words = format!("{} {}", v["id"], v["description"]).to_lowercase();
                    words.contains("decode-length")
                })
                .map(|v| v["id"].as_str().unwrap().to_string())
                .collect(),
        ),
    ];
    let total = vectors(&fixture.column("ref")).len();
    for (fragment, want) in cases {
        check(
            !want.is_empty() || fragment.contains("no-such"),
            format!("{fragment}: the case selects nothing"),
        )?;
        check(
            want.len() < total,
            format!("{fragment}: the case hides nothing"),
        )?;
        let page = dom(&fixture.out(), fragment)?;
        let shown: BTreeSet<String> = page.visible().into_iter().collect();
        check(
            shown == want,
            format!(
                "{fragment}: shown but not wanted {:?}; wanted but hidden {:?} (at most 10 of each)",
                shown.difference(&want).take(10).collect::<Vec<_>>(),
                want.difference(&shown).take(10).collect::<Vec<_>>()
            ),
        )?;
        check(
            page.shown() == Some(want.len()),
            format!("{fragment}: the page says {:?}", page.shown()),
        )?;
    }
    Ok(())
}

/// In the report in a frame: clicks a failed cell of the fake's column, and
/// says what it saw.
const CLICKER: &str = r#"
    const cell = doc.querySelector('details.vector:not([hidden]) > summary .cell[data-impl="fake"][data-verdict="failed"]');
    const row = cell.closest('details');
    seen.id = row.dataset.id;
    seen.openBefore = row.open;
    const panel = row.querySelector('.panel');
    seen.visibleBefore = panel.checkVisibility();
    cell.click();
    seen.openAfter = row.open;
    const detail = row.querySelector('.detail[data-impl="fake"]');
    seen.detailVerdict = detail && detail.dataset.verdict;
    seen.visibleAfter = Boolean(detail) && detail.checkVisibility();
    seen.detailHeight = detail ? detail.getBoundingClientRect().height : 0;
    seen.sides = Array.from(detail.querySelectorAll('.side h5')).map((h) => h.textContent);
    seen.marked = detail.querySelectorAll('.side .diff-value').length;
    seen.differences = Array.from(detail.querySelectorAll('.differences li')).map((li) => li.dataset.field);
"#;

fn browser_click() -> Result<(), Failed> {
    let fixture = fixture()?;
    let seen = in_frame(
        &fixture.out(),
        "index.html#impl=fake&verdict=failed",
        CLICKER,
    )?;
    let id = seen["id"].as_str().unwrap_or_default();
    check(
        by_verdict(&fixture.column("fake"))["failed"].contains(id),
        format!("{id} is not a failure"),
    )?;
    check(
        seen["openBefore"] == false && seen["visibleBefore"] == false,
        format!("closed before: {seen}"),
    )?;
    check(
        seen["openAfter"] == true
            && seen["visibleAfter"] == true
            && seen["detailVerdict"] == "failed",
        format!("open after: {seen}"),
    )?;
    check(
        seen["detailHeight"].as_f64().unwrap_or(0.0) > 50.0,
        format!("the detail shows: {seen}"),
    )?;
    check(
        seen["sides"] == serde_json::json!(["input", "expected", "actual"]),
        format!("{seen}"),
    )?;
    check(
        seen["marked"].as_u64().unwrap_or(0) >= 2,
        format!("a difference marked on each side: {seen}"),
    )?;
    let report = vectors(&fixture.column("fake"))
        .iter()
        .find(|v| v["id"] == id)
        .unwrap()
        .clone();
    let fields: Vec<Json> = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].clone())
        .collect();
    check(
        seen["differences"] == Json::Array(fields),
        format!("{seen} against {report}"),
    )
}

/// A page that loads `src` of the report in a frame and, once it has
/// loaded, runs `body` with `doc` and `win` (the frame's document and
/// window) and `seen`, an object it fills for the test, which gets it as
/// JSON.
fn in_frame(dir: &Path, src: &str, body: &str) -> Result<Json, Failed> {
    let page = format!(
        r#"<!DOCTYPE html>
<html><body>
<script type="application/json" id="result">pending</script>
<iframe id="report" src="{src}" style="width:1200px;height:900px"></iframe>
<script>
document.getElementById('report').addEventListener('load', function () {{
  const out = document.getElementById('result');
  const seen = {{}};
  try {{
    const doc = this.contentDocument;
    const win = this.contentWindow;
    {body}
  }} catch (e) {{
    seen.error = String(e);
  }}
  out.textContent = JSON.stringify(seen).replace(/</g, '\\u003c');
}});
</script>
</body></html>
"#
    );
    static FRAMES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = FRAMES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = dir.join(format!("frame-{n}.html"));
    std::fs::write(&file, page).unwrap();
    let text = browse(
        &["--allow-file-access-from-files", "--dump-dom"],
        &url(&file, ""),
    )?;
    let re =
        Regex::new(r#"(?s)<script type="application/json" id="result">(.*?)</script>"#).unwrap();
    let seen: Json = re
        .captures(&text)
        .and_then(|c| serde_json::from_str(&c[1]).ok())
        .ok_or(format!("no result in\n{text}"))?;
    check(seen.get("error").is_none(), format!("{seen}"))?;
    Ok(seen)
}

/// A filter that came in the query string goes: "clear" clears it, and
/// the URL the script writes holds the fragment alone, so that unchecking
/// the last verdict leaves none.
fn browser_query_filters_clear() -> Result<(), Failed> {
    let fixture = fixture()?;
    let total = vectors(&fixture.column("ref")).len();
    let failed = by_verdict(&fixture.column("fake"))["failed"].len();
    let seen = in_frame(
        &fixture.out(),
        "index.html?verdict=failed&impl=fake",
        r#"
    const shown = () => Number(doc.getElementById('shown').dataset.shown);
    const base = win.location.href.split(/[?#]/)[0];
    const href = () => win.location.href.slice(base.length);
    seen.before = shown();
    doc.getElementById('f-clear').click();
    seen.cleared = shown();
    seen.checked = Array.from(doc.querySelectorAll('#f-verdict input')).filter((b) => b.checked).length;
    seen.impl = doc.getElementById('f-impl').value;
    seen.clearedUrl = href();
    const broken = doc.querySelector('#f-verdict input[value="broken"]');
    broken.click();
    seen.brokenUrl = href();
    broken.click();
    seen.noneUrl = href();
    seen.none = shown();
"#,
    )?;
    check(
        seen["before"] == failed,
        format!("{failed} failed shown first: {seen}"),
    )?;
    check(
        seen["cleared"] == total && seen["checked"] == 0 && seen["impl"] == "",
        format!("clear shows all {total}: {seen}"),
    )?;
    check(
        seen["clearedUrl"] == "" && seen["brokenUrl"] == "#verdict=broken" && seen["noneUrl"] == "",
        format!("the URLs written hold no query: {seen}"),
    )?;
    check(
        seen["none"] == total,
        format!("no verdict, all shown: {seen}"),
    )
}

fn browser_open() -> Result<(), Failed> {
    let fixture = fixture()?;
    let id = by_verdict(&fixture.column("fake"))["broken"]
        .first()
        .unwrap()
        .clone();
    let page = dom(&fixture.out(), &format!("#text=conversation&open={id}"))?;
    let open: Vec<String> = page
        .rows()
        .into_iter()
        .filter(|(_, _, open)| *open)
        .map(|(id, _, _)| id)
        .collect();
    check(open == [id.clone()], format!("open: {open:?}, wanted {id}"))?;
    let panel = page.panel(&id).unwrap_or_default();
    check(
        panel.contains("data-impl=\"fake\" data-verdict=\"broken\"")
            && unescape(panel).contains(&format!("hgfake crashes: {HOSTILE}")),
        format!("the broken exchange and its standard error in\n{panel}"),
    )
}

fn browser_escaped() -> Result<(), Failed> {
    let fixture = fixture()?;
    let dir = hostile_dir(fixture)?;
    // Ids too are hostile there: the link names the spoiled one.
    let id = format!("codec/header/decode-zero {HOSTILE}");
    let page = dom(&dir, &format!("#open={}", url_encode(&id)))?;
    let open: Vec<String> = page
        .rows()
        .into_iter()
        .filter(|(_, _, open)| *open)
        .map(|(id, _, _)| unescape(&id))
        .collect();
    check(
        open == [id.clone()],
        format!("open: {open:?}, wanted {id:?}"),
    )?;
    check(
        page.text.matches("<script").count() == 1,
        "one script element, the page's own",
    )?;
    check(!page.text.contains("<img"), "no <img> element")?;
    check(
        unescape(&page.text).contains(HOSTILE),
        "the markup shows as text",
    )?;
    check(
        page.rows().len() == vectors(&fixture.column("fake")).len(),
        "every row is there",
    )?;
    // A tag of spaces, quotes and markup filters as any other: the rows
    // that have it, and only those.
    let tag = format!("header {HOSTILE}");
    let report = json(&fixture.dir.join("hostile.json"));
    let want: BTreeSet<String> = vectors(&report)
        .iter()
        .filter(|v| {
            v["tags"]
                .as_array()
                .is_some_and(|t| t.contains(&Json::from(tag.as_str())))
        })
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    check(!want.is_empty(), format!("no vector is tagged {tag:?}"))?;
    let page = dom(&dir, &format!("#tag={}", url_encode(&tag)))?;
    let shown: BTreeSet<String> = page.visible().iter().map(|id| unescape(id)).collect();
    check(
        shown == want,
        format!(
            "#tag={tag:?}: shown {} rows, wanted {}; first shown {:?}",
            shown.len(),
            want.len(),
            shown.iter().next()
        ),
    )?;
    check(
        !page.text.contains("(none)</option>"),
        "the tag is one the select offers",
    )
}

fn browser_screenshot() -> Result<(), Failed> {
    let fixture = fixture()?;
    let id = by_verdict(&fixture.column("fake"))["failed"]
        .first()
        .unwrap()
        .clone();
    let png = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    let _ = std::fs::remove_file(&png);
    browse(
        &[
            "--window-size=1400,1600",
            &format!("--screenshot={}", png.display()),
        ],
        &url(
            &fixture.out().join("index.html"),
            &format!("#verdict=failed&open={id}"),
        ),
    )?;
    let bytes = std::fs::read(&png).map_err(|e| format!("{}: {e}", png.display()))?;
    check(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000,
        format!("{}: not a screenshot", png.display()),
    )?;
    eprintln!("report/browser/screenshot: {}", png.display());
    Ok(())
}

/// Why the two Mercurial adapters cannot run here, if they cannot: as in
/// tests/driver.rs, `HGFRAME_REQUIRE_ADAPTERS` (set by scripts/test)
/// decides when it is set, and the files their set-up makes otherwise.
fn adapters_missing() -> Option<String> {
    adapters_missing_of(&ALL_ADAPTERS[..2])
}

/// Every Mercurial adapter, with a file its set-up makes.
const ALL_ADAPTERS: [(&str, &str); 3] = [
    ("mercurial", ".venv/bin/python"),
    ("mercurial-4.7", ".hg47/mercurial-4.7/hg"),
    ("mercurial-6.0", ".hg60/mercurial-6.0/hg"),
];

/// Why some of `adapters` cannot run, if they cannot.
fn adapters_missing_of(adapters: &[(&str, &str)]) -> Option<String> {
    if let Ok(required) = std::env::var("HGFRAME_REQUIRE_ADAPTERS") {
        let missing: Vec<&str> = adapters
            .iter()
            .map(|(dir, _)| *dir)
            .filter(|dir| !required.split([' ', ',']).any(|r| r == *dir))
            .collect();
        return (!missing.is_empty()).then(|| {
            format!("adapters {missing:?} were not set up (HGFRAME_REQUIRE_ADAPTERS={required:?})")
        });
    }
    let missing: Vec<String> = adapters
        .iter()
        .map(|(dir, ready)| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("adapters")
                .join(dir)
                .join(ready)
        })
        .filter(|ready| !ready.exists())
        .map(|ready| ready.display().to_string())
        .collect();
    (!missing.is_empty())
        .then(|| format!("{missing:?} missing: run adapters/*/setup.sh (scripts/test does)"))
}

/// The command of issue 14 (with the adapters' expectation files, so that
/// their known failures are expected): `hgframe report --impl
/// ref='hgframe testee' --impl hg47=adapters/mercurial-4.7/run --impl
/// hg72=adapters/mercurial/run -o DIR`, `hgframe` on PATH; its page opens
/// in Chromium with every column's counts.
fn browser_mercurial() -> Result<(), Failed> {
    let out = tmp("mercurial");
    let _ = std::fs::remove_dir_all(&out);
    let bin = Path::new(env!("CARGO_BIN_EXE_hgframe"));
    let path = std::env::join_paths(std::iter::once(bin.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let output = Command::new(bin)
        .args([
            "report",
            "--impl",
            "ref=hgframe testee",
            "--impl",
            "hg47=adapters/mercurial-4.7/run",
            "--expectations",
            "hg47=adapters/mercurial-4.7/expectations.yaml",
            "--impl",
            "hg72=adapters/mercurial/run",
            "--expectations",
            "hg72=adapters/mercurial/expectations.yaml",
            "-o",
        ])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", path)
        .output()
        .unwrap();
    check(output.status.success(), text(&output))?;
    let page = dom(&out, "")?;
    let mut want = BTreeMap::new();
    for name in ["ref", "hg47", "hg72"] {
        let run = json(&out.join(format!("{name}.json")));
        check(
            run["problems"] == serde_json::json!([]),
            format!("{name}: its expectations hold: {}", run["problems"]),
        )?;
        for (verdict, ids) in by_verdict(&run) {
            want.insert((name.to_string(), verdict), ids.len());
        }
    }
    check(
        nonzero(&page.cells()) == want && nonzero(&page.summary()) == want,
        format!(
            "cells: {:?}\nsummary: {:?}\nwanted: {want:?}",
            page.cells(),
            page.summary()
        ),
    )?;
    check(
        want.contains_key(&("hg47".to_string(), "expected-failure".to_string()))
            && want.contains_key(&("hg72".to_string(), "unimplemented".to_string())),
        format!("the Mercurials' known failures: {want:?}"),
    )?;
    let page = dom(&out, "#verdict=expected-failure&impl=hg47")?;
    let hg47 = by_verdict(&json(&out.join("hg47.json")));
    check(
        page.visible().into_iter().collect::<BTreeSet<_>>() == hg47["expected-failure"],
        "#verdict=expected-failure&impl=hg47 shows hg47's expected failures",
    )
}

/// README.md's results table is what `hgframe report` gives now
/// (`scripts/readme-results --check`, with this build's binary).
fn readme_results() -> Result<(), Failed> {
    let output = Command::new("bash")
        .args(["scripts/readme-results", "--check"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HGFRAME", env!("CARGO_BIN_EXE_hgframe"))
        .output()
        .unwrap();
    check(output.status.success(), text(&output))
}
