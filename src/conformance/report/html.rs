//! The HTML report: one self-contained page (its CSS and script inline, no
//! other file, no network), which works from `file://`.
//!
//! It holds a summary table (each implementation's totals), the filters
//! (text, tag, implementation, verdicts), and the matrix: a row per vector,
//! grouped by area, a cell per implementation with a colour and a word per
//! verdict. Each row opens into a panel that shows, for each implementation
//! that did not pass, why: a failing step's input, expected and actual
//! outcomes side by side (frames as human strings and hex), with the
//! report's differences marked (for a non-strict vector, those of its
//! first step that differed, when its report has them), a broken exchange's problem, a refusal's
//! reason, the adapter's standard error and the command that reruns the
//! vector.
//!
//! The filters and the open panel are also read from the URL, from the
//! fragment (or the query string when there is no fragment), and written
//! back to the fragment, the query dropped, so that a link shows what its
//! sender saw:
//! `index.html#verdict=failed,broken&impl=hg47&tag=server&text=header&open=codec/header/x`.
//!
//! Everything a report holds comes from the implementations (their names,
//! messages, standard error) or from vector files, and is escaped: the
//! templates are askama's, which escapes every value of an `.html`
//! template, and the script only sets text, never markup.

use std::collections::{HashMap, HashSet};

use askama::Template;
use serde_json::Value as Json;

use super::saved::{SavedDifference, SavedVector, StatusName};
use super::{Matrix, Row};
use crate::conformance::vectors::compare::{Kind, Level};
use crate::conformance::vectors::runner::{Totals, Verdict};

/// The page of `matrix`, titled `title`.
pub fn render(matrix: &Matrix, title: &str) -> Result<String, askama::Error> {
    Page::new(matrix, title).render()
}

/// The most characters of a step's input that a panel shows (a frame of
/// 100000 bytes is 200000 in hex); the JSON report has all of it.
pub const INPUT_CHARS: usize = 4000;

/// `text`, cut to [`INPUT_CHARS`] characters with a note of how many more
/// there are.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(INPUT_CHARS) {
        None => text.to_string(),
        Some((at, _)) => format!(
            "{}\n... ({} more characters: see the JSON report)",
            &text[..at],
            text[at..].chars().count()
        ),
    }
}

/// The name of the cell of a vector a column did not run.
pub const NOT_RUN: &str = "not-run";

#[derive(Template)]
#[template(path = "report/index.html")]
struct Page<'a> {
    title: &'a str,
    version: &'static str,
    css: &'static str,
    script: &'static str,
    verdicts: Vec<&'static str>,
    columns: Vec<ColumnView<'a>>,
    chips: Vec<Chip>,
    tags: Vec<(String, usize)>,
    areas: Vec<AreaView<'a>>,
    rows: usize,
}

/// An implementation, for the summary table and the headers.
struct ColumnView<'a> {
    name: &'a str,
    implementation: &'a str,
    command: Option<&'a str>,
    level: &'static str,
    expectations: Option<&'a str>,
    error_map: Option<&'a str>,
    seconds: String,
    /// The count of each verdict, in the order of `Page::verdicts`.
    counts: Vec<Count>,
    total: usize,
    problems: &'a [String],
    broken_files: &'a [String],
}

/// How many vectors of a column have a verdict.
struct Count {
    verdict: &'static str,
    count: usize,
}

/// A verdict of the verdict filter, with the number of rows that have it
/// in some column.
struct Chip {
    name: &'static str,
    rows: usize,
}

struct AreaView<'a> {
    name: &'a str,
    rows: Vec<RowView<'a>>,
    /// For each column: how many of the area's vectors passed (or passed
    /// non-strictly), of how many it ran.
    passed: Vec<String>,
}

struct RowView<'a> {
    id: &'a str,
    description: &'a str,
    tags: &'a [String],
    /// The tags as a JSON array, for the script: a tag may hold spaces,
    /// or any other separator.
    tag_list: String,
    /// What the text filter searches, in lower case.
    search: String,
    location: String,
    cells: Vec<CellView<'a>>,
    /// The columns whose verdict is passed.
    passes: Vec<&'a str>,
    /// A panel for each column whose verdict is not passed.
    details: Vec<DetailView<'a>>,
}

struct CellView<'a> {
    column: &'a str,
    verdict: &'static str,
    title: String,
}

struct DetailView<'a> {
    column: &'a str,
    verdict: &'static str,
    /// `step 2 (recv), vectors/server/flow.yaml:40`.
    at: Option<String>,
    reason: Option<&'a str>,
    expectation: Option<String>,
    problem: Option<&'a str>,
    /// The step's operation, cut to [`INPUT_CHARS`].
    input: Option<String>,
    /// `expected` and `actual`, those the report holds, as lines.
    outcomes: Vec<(&'static str, Vec<Line>)>,
    differences: Vec<DifferenceView<'a>>,
    note: Option<String>,
    stderr: Option<&'a str>,
    rerun: Option<&'a str>,
}

struct DifferenceView<'a> {
    step: Option<usize>,
    field: &'a str,
    kind: &'static str,
    words: &'static str,
    /// `diff-value` (counts at every level) or `diff-exact` (at the exact
    /// level only).
    class: &'static str,
}

/// One line of an outcome as the panel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// How deep it is nested.
    pub depth: usize,
    /// Its key (`frames`, `[0]`, `message`).
    pub key: String,
    /// Its value, for a leaf: a string as it is, other values as JSON; a
    /// frame's human string.
    pub text: String,
    /// A frame's hex (`hex 0100...`) or digest (`sha256 ...`).
    pub bytes: Option<String>,
    /// The field's path, as the report's differences name fields
    /// (`actions[0].message`).
    pub path: String,
    /// `diff-value` or `diff-exact` when a difference is on this field or
    /// one that holds it; empty otherwise.
    pub mark: &'static str,
}

impl<'a> Page<'a> {
    fn new(matrix: &'a Matrix, title: &'a str) -> Page<'a> {
        let columns: Vec<ColumnView> = matrix
            .columns()
            .iter()
            .map(|c| {
                let totals: Totals = c.run.totals();
                ColumnView {
                    name: &c.name,
                    implementation: &c.run.implementation,
                    command: c.run.command.as_deref(),
                    level: c.run.level.name(),
                    expectations: c.run.expectations.as_deref(),
                    error_map: c.run.error_map.as_deref(),
                    seconds: format!("{:.1} s", c.run.seconds),
                    counts: Verdict::ALL
                        .iter()
                        .map(|&v| Count {
                            verdict: v.name(),
                            count: totals.count(v),
                        })
                        .collect(),
                    total: totals.all(),
                    problems: &c.run.problems,
                    broken_files: &c.run.broken_files,
                }
            })
            .collect();
        let mut chips: Vec<Chip> = Verdict::ALL
            .iter()
            .map(|v| v.name())
            .chain([NOT_RUN])
            .map(|name| Chip { name, rows: 0 })
            .collect();
        let mut tags: Vec<(String, usize)> = Vec::new();
        for row in matrix.rows() {
            for chip in &mut chips {
                if (0..columns.len()).any(|c| verdict_name(matrix.cell(row, c)) == chip.name) {
                    chip.rows += 1;
                }
            }
            for tag in &row.tags {
                match tags.iter_mut().find(|(t, _)| t == tag) {
                    Some((_, n)) => *n += 1,
                    None => tags.push((tag.clone(), 1)),
                }
            }
        }
        // Only the verdicts some row has are offered (and `not-run` only
        // where some column did not run some vector); a link may still ask
        // for another, and then shows no row.
        chips.retain(|c| c.rows > 0);
        tags.sort();
        let areas = matrix
            .areas()
            .into_iter()
            .map(|(name, rows)| AreaView {
                name,
                passed: (0..columns.len())
                    .map(|c| {
                        let ran: Vec<&SavedVector> =
                            rows.iter().filter_map(|r| matrix.cell(r, c)).collect();
                        let passed = ran
                            .iter()
                            .filter(|v| matches!(v.result, Verdict::Passed | Verdict::NonStrict))
                            .count();
                        format!("{passed}/{}", ran.len())
                    })
                    .collect(),
                rows: rows.into_iter().map(|r| row_view(matrix, r)).collect(),
            })
            .collect();
        Page {
            title,
            version: env!("CARGO_PKG_VERSION"),
            css: include_str!("../../../templates/report/report.css"),
            script: include_str!("../../../templates/report/report.js"),
            verdicts: Verdict::ALL.iter().map(|v| v.name()).collect(),
            columns,
            chips,
            tags,
            areas,
            rows: matrix.rows().len(),
        }
    }
}

fn verdict_name(report: Option<&SavedVector>) -> &'static str {
    report.map_or(NOT_RUN, |r| r.result.name())
}

fn row_view<'a>(matrix: &'a Matrix, row: &'a Row) -> RowView<'a> {
    let mut cells = Vec::new();
    let mut passes = Vec::new();
    let mut details = Vec::new();
    for (c, column) in matrix.columns().iter().enumerate() {
        let report = matrix.cell(row, c);
        let verdict = verdict_name(report);
        cells.push(CellView {
            column: &column.name,
            verdict,
            title: report.map_or_else(
                || format!("{}: not in this run", column.name),
                |r| format!("{}: {}", column.name, headline(r)),
            ),
        });
        match report {
            Some(r) if r.result == Verdict::Passed => passes.push(column.name.as_str()),
            Some(r) => details.push(detail_view(&column.name, r, column.run.level)),
            None => {}
        }
    }
    RowView {
        id: &row.id,
        description: &row.description,
        tags: &row.tags,
        search: format!("{} {} {}", row.id, row.description, row.tags.join(" ")).to_lowercase(),
        tag_list: serde_json::to_string(&row.tags).unwrap_or_else(|_| "[]".to_string()),
        location: format!("{}:{}", row.file, row.line),
        cells,
        passes,
        details,
    }
}

/// What a cell's tooltip says of a vector's result.
fn headline(r: &SavedVector) -> String {
    let mut text = r.result.name().to_string();
    if let (Some(step), Some(op)) = (r.step, &r.op) {
        text.push_str(&format!(" at step {step} ({op})"));
    }
    let why = r
        .problem
        .as_deref()
        .or(r.reason.as_deref())
        .or(r.expectation.as_ref().map(|e| e.reason.as_str()));
    if let Some(why) = why.and_then(|w| w.lines().next()) {
        text.push_str(": ");
        text.push_str(why);
    }
    text
}

fn detail_view<'a>(column: &'a str, r: &'a SavedVector, level: Level) -> DetailView<'a> {
    // A non-strict vector's outcomes, when its report has them, are those
    // of its first step that differed.
    let first_loose = match r.status {
        StatusName::NonStrict => r.differences.first().and_then(|d| d.step),
        _ => None,
    };
    let line = r
        .step_line
        .map_or(String::new(), |l| format!(", {}:{l}", r.file));
    let at = match (r.step, first_loose) {
        (Some(step), _) => {
            let op =
                r.op.as_deref()
                    .map_or(String::new(), |op| format!(" ({op})"));
            Some(format!("step {step}{op}{line}"))
        }
        (None, Some(step)) => Some(format!("first difference at step {step}{line}")),
        (None, None) => None,
    };
    let marks: Vec<SavedDifference> = match r.status {
        StatusName::Failed => r.differences.clone(),
        StatusName::NonStrict => r
            .differences
            .iter()
            .filter(|d| first_loose.is_some() && d.step == first_loose)
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let note = match (r.status, r.non_strict) {
        (StatusName::Failed, Some(true)) => Some(
            "This vector passes at the semantic level: every difference of this step, and of \
             every later one, counts at the exact level only."
                .to_string(),
        ),
        (StatusName::NonStrict, _) => Some(format!(
            "Passed at the {} level; these differences count at the exact level only.{}",
            level.name(),
            match (first_loose, &r.actual) {
                (Some(step), Some(_)) => format!(" The outcomes are step {step}'s, the first."),
                _ => String::new(),
            }
        )),
        _ => None,
    };
    DetailView {
        column,
        verdict: r.result.name(),
        at,
        reason: r.reason.as_deref(),
        expectation: r.expectation.as_ref().map(|e| {
            let result = match e.result {
                crate::conformance::vectors::expectations::Expected::Fail => "to fail",
                crate::conformance::vectors::expectations::Expected::Unimplemented => {
                    "to be unimplemented"
                }
            };
            format!("Expected {result} ({}): {}", e.id, e.reason)
        }),
        problem: r.problem.as_deref(),
        input: r.input.as_deref().map(shorten),
        outcomes: {
            let mut outcomes: Vec<(&'static str, Vec<Line>)> =
                [("expected", &r.expected), ("actual", &r.actual)]
                    .into_iter()
                    .filter_map(|(label, o)| Some((label, outcome_lines(o.as_ref()?, &marks))))
                    .collect();
            if let [(_, expected), (_, actual)] = outcomes.as_mut_slice() {
                narrow(expected, actual);
            }
            outcomes
        },
        differences: r
            .differences
            .iter()
            .map(|d| DifferenceView {
                step: d.step,
                field: &d.field,
                kind: kind_name(d.kind),
                words: d.kind.describe(),
                class: mark_class(d.kind),
            })
            .collect(),
        note,
        stderr: r.stderr.as_deref().filter(|s| !s.trim().is_empty()),
        rerun: r.rerun.as_deref(),
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::MapKeyOrder => "map-key-order",
        Kind::CborEncoding => "cbor-encoding",
        Kind::MessageWords => "message-words",
        Kind::ExceptionType => "exception-type",
        Kind::Value => "value",
    }
}

fn mark_class(kind: Kind) -> &'static str {
    if kind.counts_at(Level::Semantic) {
        "diff-value"
    } else {
        "diff-exact"
    }
}

/// An outcome in the trace form, as lines, with the fields that
/// `differences` name marked. A field that the outcome lacks marks its
/// nearest enclosing field, or gets a line of its own, `(absent)`, when
/// the outcome lacks its top-level field.
pub fn outcome_lines(outcome: &Json, differences: &[SavedDifference]) -> Vec<Line> {
    let mut lines = Vec::new();
    walk(outcome, "", String::new(), 0, &mut lines);
    for d in differences {
        let class = mark_class(d.kind);
        let mut target = d.field.as_str();
        while !target.is_empty() && !lines.iter().any(|l| l.path == target) {
            target = parent(target);
        }
        if target.is_empty() {
            let top = d.field[..d.field.find(['.', '[']).unwrap_or(d.field.len())].to_string();
            if !lines.iter().any(|l| l.path == top) {
                lines.push(Line {
                    depth: 0,
                    key: top.clone(),
                    text: "(absent)".to_string(),
                    bytes: None,
                    path: top.clone(),
                    mark: "",
                });
            }
            target = &d.field[..top.len()];
        }
        for line in &mut lines {
            if within(&line.path, target) && line.mark != "diff-value" {
                line.mark = class;
            }
        }
    }
    lines
}

/// Within the marked fields of two outcomes, unmarks the values that are
/// the same on both sides: a difference on `header` shows on its `length`,
/// one on `frames` on the frames that differ. The field that the
/// difference names keeps its mark.
pub fn narrow(expected: &mut [Line], actual: &mut [Line]) {
    let leaf = |l: &Line| !l.text.is_empty() || l.bytes.is_some();
    // The marked lines of `actual` by path: an outcome of many frames has
    // as many lines, and each is looked up once.
    let mut marked: HashMap<&str, Vec<&Line>> = HashMap::new();
    for a in actual.iter().filter(|a| !a.mark.is_empty()) {
        marked.entry(a.path.as_str()).or_default().push(a);
    }
    let same: HashSet<String> = expected
        .iter()
        .filter(|e| !e.mark.is_empty() && leaf(e))
        .filter(|e| {
            marked
                .get(e.path.as_str())
                .is_some_and(|lines| lines.iter().any(|a| a.text == e.text && a.bytes == e.bytes))
        })
        .map(|e| e.path.clone())
        .collect();
    for line in expected.iter_mut().chain(actual.iter_mut()) {
        if leaf(line) && same.contains(&line.path) {
            line.mark = "";
        }
    }
}

/// The field that holds `path`: `actions[0]` for `actions[0].message`,
/// `actions` for `actions[0]`, the empty path for `actions`.
fn parent(path: &str) -> &str {
    path.rfind(['.', '[']).map_or("", |i| &path[..i])
}

/// Whether the field `path` is `field` or inside it.
fn within(path: &str, field: &str) -> bool {
    path.strip_prefix(field)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A frame in the trace form: `{human, hex}`, or `{human, sha256}` for a
/// large one.
fn frame(object: &serde_json::Map<String, Json>) -> Option<(&str, String)> {
    let human = object.get("human")?.as_str()?;
    let bytes = match (object.get("hex"), object.get("sha256")) {
        (Some(Json::String(hex)), None) => format!("hex {hex}"),
        (None, Some(Json::String(digest))) => format!("sha256 {digest}"),
        _ => return None,
    };
    (object.len() == 2).then_some((human, bytes))
}

fn walk(value: &Json, path: &str, key: String, depth: usize, out: &mut Vec<Line>) {
    let line = |text: String, bytes: Option<String>| Line {
        depth,
        key: key.clone(),
        text,
        bytes,
        path: path.to_string(),
        mark: "",
    };
    match value {
        Json::Object(object) => {
            if let Some((human, bytes)) = frame(object).filter(|_| !path.is_empty()) {
                out.push(line(human.to_string(), Some(bytes)));
                return;
            }
            let inner = if path.is_empty() {
                0
            } else {
                let empty = if object.is_empty() { "{}" } else { "" };
                out.push(line(empty.to_string(), None));
                depth + 1
            };
            // The frame that `humanstring` and `makeframe` give: `hex`, and
            // its human string beside it.
            let human = object.get("human").and_then(Json::as_str);
            for (k, v) in object {
                match (k.as_str(), human, v) {
                    ("human", Some(_), _) if object.contains_key("hex") => {}
                    ("hex", Some(human), Json::String(hex)) => out.push(Line {
                        depth: inner,
                        key: k.clone(),
                        text: human.to_string(),
                        bytes: Some(format!("hex {hex}")),
                        path: join(path, k),
                        mark: "",
                    }),
                    _ => walk(v, &join(path, k), k.clone(), inner, out),
                }
            }
        }
        Json::Array(items) => {
            let empty = if items.is_empty() { "[]" } else { "" };
            out.push(line(empty.to_string(), None));
            for (i, item) in items.iter().enumerate() {
                walk(
                    item,
                    &format!("{path}[{i}]"),
                    format!("[{i}]"),
                    depth + 1,
                    out,
                );
            }
        }
        Json::String(text) => out.push(line(text.clone(), None)),
        other => out.push(line(other.to_string(), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn diff(field: &str, kind: Kind) -> SavedDifference {
        SavedDifference {
            step: None,
            field: field.to_string(),
            kind,
        }
    }

    fn marked(lines: &[Line]) -> Vec<(&str, &str)> {
        lines
            .iter()
            .filter(|l| !l.mark.is_empty())
            .map(|l| (l.path.as_str(), l.mark))
            .collect()
    }

    #[test]
    fn frames_are_one_line_each_with_their_hex() {
        let outcome =
            json!({"frames": [{"human": "1 1 stream-begin", "hex": "0100"}], "end": true});
        let lines = outcome_lines(&outcome, &[]);
        let frame = lines.iter().find(|l| l.path == "frames[0]").unwrap();
        assert_eq!(frame.text, "1 1 stream-begin");
        assert_eq!(frame.bytes.as_deref(), Some("hex 0100"));
        assert_eq!(frame.depth, 1);
        assert!(!lines.iter().any(|l| l.path.ends_with(".human")));
    }

    #[test]
    fn a_made_frame_shows_its_human_string_beside_its_hex() {
        let outcome = json!({"hex": "0100", "human": "1 1 x"});
        let lines = outcome_lines(&outcome, &[diff("hex[0]", Kind::Value)]);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines.first().map(|l| l.text.as_str()), Some("1 1 x"));
        assert_eq!(marked(&lines), vec![("hex", "diff-value")]);
    }

    #[test]
    fn differences_mark_their_field_and_what_it_holds() {
        let outcome = json!({"actions": [{"action": "error", "message": "m"}, {"action": "noop"}]});
        let lines = outcome_lines(
            &outcome,
            &[
                diff("actions[0].message", Kind::MessageWords),
                diff("actions[1]", Kind::Value),
            ],
        );
        assert_eq!(
            marked(&lines),
            vec![
                ("actions[0].message", "diff-exact"),
                ("actions[1]", "diff-value"),
                ("actions[1].action", "diff-value"),
            ]
        );
    }

    #[test]
    fn a_missing_field_gets_a_line_of_its_own() {
        let outcome = json!({"raise": {"kind": "abort"}});
        let lines = outcome_lines(
            &outcome,
            &[
                diff("frames", Kind::Value),
                diff("raise.message", Kind::Value),
            ],
        );
        let absent = lines.iter().find(|l| l.path == "frames").unwrap();
        assert_eq!(absent.text, "(absent)");
        assert_eq!(
            marked(&lines),
            vec![
                ("raise", "diff-value"),
                ("raise.kind", "diff-value"),
                ("frames", "diff-value")
            ]
        );
    }

    #[test]
    fn marks_narrow_to_the_values_that_differ() {
        let differences = [diff("header", Kind::Value), diff("frames", Kind::Value)];
        let mut expected = outcome_lines(
            &json!({"header": {"length": 65536, "type": 1},
                    "frames": [{"human": "a", "hex": "00"}, {"human": "b", "hex": "01"}]}),
            &differences,
        );
        let mut actual = outcome_lines(
            &json!({"header": {"length": 16384, "type": 1},
                    "frames": [{"human": "a", "hex": "00"}]}),
            &differences,
        );
        narrow(&mut expected, &mut actual);
        let sorted = |lines: &[Line]| {
            let mut m: Vec<String> = marked(lines).iter().map(|(p, _)| p.to_string()).collect();
            m.sort();
            m
        };
        assert_eq!(
            sorted(&expected),
            ["frames", "frames[1]", "header", "header.length"]
        );
        assert_eq!(sorted(&actual), ["frames", "header", "header.length"]);
    }

    #[test]
    fn narrowing_many_frames_takes_no_time() {
        // 20,000 frames a side, one differing: a comparison of every line
        // with every other took 8 s in a debug build.
        let frames = |last: &str| {
            let mut frames: Vec<Json> = (0..20_000)
                .map(|i| json!({"human": format!("1 {i} x"), "hex": format!("{i:08x}")}))
                .collect();
            frames.push(json!({"human": last, "hex": "00"}));
            json!({ "frames": frames })
        };
        let differences = [diff("frames", Kind::Value)];
        let mut expected = outcome_lines(&frames("a"), &differences);
        let mut actual = outcome_lines(&frames("b"), &differences);
        let started = std::time::Instant::now();
        narrow(&mut expected, &mut actual);
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(2), "{took:?}");
        assert_eq!(
            marked(&expected),
            vec![("frames", "diff-value"), ("frames[20000]", "diff-value")]
        );
        assert_eq!(marked(&actual), marked(&expected));
    }

    #[test]
    fn a_value_difference_is_not_downgraded_by_an_exact_one() {
        let outcome = json!({"message": "m"});
        let lines = outcome_lines(
            &outcome,
            &[
                diff("message", Kind::Value),
                diff("message", Kind::MessageWords),
            ],
        );
        assert_eq!(marked(&lines), vec![("message", "diff-value")]);
    }
}
