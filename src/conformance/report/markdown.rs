//! The Markdown report: tables for a README or a CI summary (GitHub's
//! `$GITHUB_STEP_SUMMARY`): each implementation's totals, each area's
//! results, and the vectors that need attention.

use std::fmt::Write as _;

use super::Matrix;
use super::html::NOT_RUN;
use crate::conformance::vectors::runner::{Totals, Verdict};

/// The most rows of the table of vectors that need attention.
pub const ATTENTION_ROWS: usize = 100;

/// The Markdown of `matrix`, titled `title`.
pub fn render(matrix: &Matrix, title: &str) -> String {
    let mut out = String::new();
    let columns = matrix.columns();
    let _ = writeln!(out, "## {}\n", cell(title));
    // Each implementation's totals.
    let _ = write!(out, "| implementation | level |");
    for v in Verdict::ALL {
        let _ = write!(out, " {} |", v.name());
    }
    let _ = writeln!(out, " total |");
    let _ = write!(out, "|---|---|");
    for _ in Verdict::ALL {
        let _ = write!(out, "---:|");
    }
    let _ = writeln!(out, "---:|");
    for c in columns {
        let totals = c.run.totals();
        let _ = write!(
            out,
            "| **{}** {} | {} |",
            cell(&c.name),
            cell(&c.run.implementation),
            c.run.level.name()
        );
        for v in Verdict::ALL {
            let _ = write!(out, " {} |", totals.count(v));
        }
        let _ = writeln!(out, " {} |", totals.all());
    }
    for c in columns {
        for problem in c.run.problems.iter().chain(&c.run.broken_files) {
            let _ = writeln!(out, "\n- {}: {}", cell(&c.name), cell(problem));
        }
    }
    // Each area, each implementation's counts in it.
    let _ = write!(out, "\n### By area\n\n| area | vectors |");
    for c in columns {
        let _ = write!(out, " {} |", cell(&c.name));
    }
    let _ = write!(out, "\n|---|---:|");
    for _ in columns {
        let _ = write!(out, "---|");
    }
    let _ = writeln!(out);
    for (area, rows) in matrix.areas() {
        let _ = write!(out, "| {} | {} |", cell(area), rows.len());
        for c in 0..columns.len() {
            let mut totals = Totals::default();
            for row in &rows {
                if let Some(r) = matrix.cell(row, c) {
                    totals.add(r.result);
                }
            }
            let _ = write!(out, " {} |", counts(&totals));
        }
        let _ = writeln!(out);
    }
    // The vectors that some implementation failed, broke on or passed
    // against its expectation.
    let attention: Vec<_> = matrix
        .rows()
        .iter()
        .filter(|row| {
            (0..columns.len()).any(|c| matrix.cell(row, c).is_some_and(|r| r.result.is_bad()))
        })
        .collect();
    if !attention.is_empty() {
        let _ = write!(
            out,
            "\n### Needing attention: {} vectors\n\n| vector |",
            attention.len()
        );
        for c in columns {
            let _ = write!(out, " {} |", cell(&c.name));
        }
        let _ = write!(out, "\n|---|");
        for _ in columns {
            let _ = write!(out, "---|");
        }
        let _ = writeln!(out);
        for row in attention.iter().take(ATTENTION_ROWS) {
            let _ = write!(out, "| {} |", cell(&row.id));
            for c in 0..columns.len() {
                let verdict = matrix.cell(row, c).map_or(NOT_RUN, |r| r.result.name());
                let _ = write!(out, " {verdict} |");
            }
            let _ = writeln!(out);
        }
        if attention.len() > ATTENTION_ROWS {
            let _ = writeln!(
                out,
                "\nand {} more: see index.html.",
                attention.len() - ATTENTION_ROWS
            );
        }
    }
    out
}

/// `16 passed, 3 expected-failure`: the verdicts of an area that occur.
fn counts(totals: &Totals) -> String {
    let parts: Vec<String> = Verdict::ALL
        .iter()
        .filter(|&&v| totals.count(v) > 0)
        .map(|&v| format!("{} {}", totals.count(v), v.name()))
        .collect();
    if parts.is_empty() {
        "-".to_string()
    } else {
        parts.join(", ")
    }
}

/// Text for a table cell: one line, with the characters that Markdown or
/// HTML would read as markup escaped.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' | '"' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_escape_markup() {
        assert_eq!(
            cell("<script>a|b</script> & *x*\n"),
            "&lt;script&gt;a\\|b&lt;/script&gt; &amp; \\*x\\* "
        );
    }
}
