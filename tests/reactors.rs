//! Reactor transcripts: every `tests/reactors/*.t` file is a test of its own.
//!
//! A transcript is a session of the reactor shell (`hgframe server --echo`,
//! `hgframe client --echo`): lines starting with `> ` are input, the first
//! one naming the role (`server [deferoutput]`, `client [hasmultiplesend]
//! [nobuffersends]`); the lines after an input are what it must print.
//! Comments (`#`) and blank lines are kept as they are.
//!
//! Every expected line is the seed's behaviour: `tools/oracle_check.py` runs
//! each transcript through the seed itself (see `docs/reactors.md`), except
//! those marked `# oracle: skip`.
//!
//! `HGFRAME_BLESS=1 cargo test --test reactors` rewrites the files with
//! hgframe's output, for authoring; check the result with the oracle before
//! committing it.

use std::fs;
use std::path::{Path, PathBuf};

use hgframe::conformance::shell::Shell;
use libtest_mimic::{Arguments, Failed, Trial};

/// Runs a transcript and returns the transcript hgframe prints for its
/// inputs.
fn replay(text: &str) -> Result<String, String> {
    let mut shell: Option<Shell> = None;
    let mut out = String::new();
    for (number, line) in text.lines().enumerate() {
        if let Some(input) = line.strip_prefix("> ") {
            out.push_str(line);
            out.push('\n');
            let printed = match shell.as_mut() {
                None => {
                    shell = Some(
                        Shell::from_role_line(input)
                            .map_err(|e| format!("line {}: {e}", number + 1))?,
                    );
                    Vec::new()
                }
                Some(shell) => shell
                    .run(input)
                    .map_err(|e| format!("line {}: {e}", number + 1))?,
            };
            for p in printed {
                out.push_str(&p);
                out.push('\n');
            }
        } else if line.trim().is_empty() || line.starts_with('#') {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

fn check(path: &Path) -> Result<(), Failed> {
    let expected = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let actual = replay(&expected).map_err(|e| format!("{}: {e}", path.display()))?;
    if actual == expected {
        return Ok(());
    }
    if std::env::var_os("HGFRAME_BLESS").is_some() {
        fs::write(path, &actual).map_err(|e| e.to_string())?;
        return Ok(());
    }
    // Show the first differing line with its input.
    let (exp, act): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let at = exp
        .iter()
        .zip(&act)
        .position(|(e, a)| e != a)
        .unwrap_or(exp.len().min(act.len()));
    let input = exp[..at.min(exp.len())]
        .iter()
        .rev()
        .find(|l| l.starts_with("> "))
        .copied()
        .unwrap_or("");
    Err(format!(
        "{}:{}: after input `{input}`\n  expected: {}\n  actual:   {}",
        path.display(),
        at + 1,
        exp.get(at).copied().unwrap_or("<end of file>"),
        act.get(at).copied().unwrap_or("<end of output>"),
    )
    .into())
}

fn main() {
    let args = Arguments::from_args();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reactors");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/reactors exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "t"))
        .collect();
    paths.sort();
    let trials = paths
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Trial::test(name, move || check(&path))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
