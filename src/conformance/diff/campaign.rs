//! A differential campaign: cases drawn one after the other until a count
//! or a time is reached, every new class of mismatch shrunk (and written as
//! a vector), and the report `hgframe diff` prints.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{CaseResult, DiffError, Differ, Mismatch, Tally, side_by_side, size, write_vector};

/// How long a campaign runs, and what it does with what it finds.
#[derive(Clone, Debug)]
pub struct Campaign {
    /// The run's seed: with it, case `k` is drawn again.
    pub seed: u64,
    /// The first case.
    pub first: u64,
    /// How many cases to run (with `time`, whichever comes first; with
    /// neither, 1000).
    pub cases: Option<u64>,
    /// How long to run.
    pub time: Option<Duration>,
    /// The most scenarios tried while shrinking one mismatch.
    pub shrink_budget: usize,
    /// Where to write each shrunk mismatch as a vector.
    pub out: Option<PathBuf>,
}

impl Campaign {
    /// A campaign of 1000 cases from case 0.
    pub fn new(seed: u64) -> Campaign {
        Campaign {
            seed,
            first: 0,
            cases: None,
            time: None,
            shrink_budget: super::SHRINK_BUDGET,
            out: None,
        }
    }

    /// Just case `case` (`--case K`).
    pub fn one_case(seed: u64, case: u64) -> Campaign {
        Campaign {
            first: case,
            cases: Some(1),
            ..Campaign::new(seed)
        }
    }

    fn case_limit(&self) -> Option<u64> {
        match (self.cases, self.time) {
            (None, None) => Some(1000),
            (cases, _) => cases,
        }
    }
}

/// Told of a campaign's progress, for a progress bar.
pub trait Progress {
    /// The campaign starts; `cases` is its count, if it has one.
    fn start(&mut self, cases: Option<u64>) {
        let _ = cases;
    }
    /// A new class of mismatch was found, in case `case`, and is being
    /// shrunk.
    fn found(&mut self, case: u64, class: &str) {
        let _ = (case, class);
    }
    /// A case is done.
    fn case_done(&mut self, tally: &Tally) {
        let _ = tally;
    }
    /// The campaign is over.
    fn finish(&mut self) {}
}

/// No progress shown.
pub struct Quiet;

impl Progress for Quiet {}

/// A mismatch found, shrunk, and where its vector went.
#[derive(Debug)]
pub struct Found {
    /// The case it was first found in.
    pub case: u64,
    /// The shrunk mismatch.
    pub mismatch: Mismatch,
    /// The vector's path, or why it could not be written; `None` without
    /// [`Campaign::out`].
    pub written: Option<Result<String, DiffError>>,
}

/// What a campaign found.
#[derive(Debug)]
pub struct CampaignReport {
    /// The implementation, `name version`.
    pub implementation: String,
    /// The seed.
    pub seed: u64,
    /// The targets scenarios were drawn for.
    pub targets: Vec<&'static str>,
    /// How long it ran.
    pub elapsed: Duration,
    /// The counts.
    pub tally: Tally,
    /// Each new class of mismatch, shrunk.
    pub found: Vec<Found>,
}

impl CampaignReport {
    /// Why the campaign did not succeed: new mismatches, or no case
    /// compared at all (every one unimplemented); empty when it did.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.tally.cases == self.tally.unimplemented {
            problems.push(format!(
                "no case was compared: the implementation could run none of the {} cases",
                self.tally.cases
            ));
        }
        if !self.found.is_empty() {
            problems.push(format!("{} new class(es) of mismatch", self.found.len()));
        }
        problems
    }

    /// Whether the campaign compared cases and found no new mismatch.
    pub fn ok(&self) -> bool {
        self.problems().is_empty()
    }

    /// The report as `hgframe diff` prints it.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let tally = &self.tally;
        let seed = self.seed;
        let elapsed = self.elapsed.as_secs_f64();
        let _ = writeln!(
            out,
            "hgframe diff: {} against the reference, seed {seed}, targets {}",
            self.implementation,
            self.targets.join(", ")
        );
        let _ = writeln!(
            out,
            "{} cases in {elapsed:.1} s ({:.0} cases/s): {} agreed, {} unimplemented, {} known differences, {} mismatches",
            tally.cases,
            tally.cases as f64 / elapsed.max(1e-9),
            tally.agreed,
            tally.unimplemented,
            tally.known.values().map(|(n, _)| n).sum::<u64>(),
            tally.mismatch_count(),
        );
        if !tally.known.is_empty() {
            let _ = writeln!(out, "\nknown differences:");
            for (class, (n, reason)) in &tally.known {
                let _ = writeln!(out, "  {class} ({n} cases): {reason}");
            }
        }
        for f in &self.found {
            let m = &f.mismatch;
            let (steps, largest) = size(&m.compiled);
            let count = tally.mismatches.get(&m.class).copied().unwrap_or(0);
            let _ = writeln!(out, "\nMISMATCH {} ({count} cases)", m.class);
            let _ = writeln!(
                out,
                "  first in case {} (rerun: --seed {seed} --case {}); shrunk to {steps} steps, largest payload {largest} bytes",
                f.case, f.case
            );
            let _ = match &f.written {
                Some(Ok(path)) => writeln!(out, "  vector written to {path}"),
                Some(Err(e)) => writeln!(out, "  the vector could not be written: {e}"),
                None => writeln!(out, "  (--out DIR writes it as a vector)"),
            };
            out.push_str(&side_by_side(m));
        }
        for problem in self.problems() {
            let _ = writeln!(out, "\nFAILED RUN: {problem}");
        }
        out
    }
}

/// Runs `campaign` on `differ`, telling `progress`, and stops the
/// implementation at the end.
pub fn run(
    mut differ: Differ,
    campaign: &Campaign,
    progress: &mut dyn Progress,
) -> Result<CampaignReport, DiffError> {
    let cases = campaign.case_limit();
    progress.start(cases);
    let started = Instant::now();
    let mut tally = Tally {
        started: Some(started),
        ..Tally::default()
    };
    let mut found: Vec<Found> = Vec::new();
    let mut case = campaign.first;
    loop {
        if cases.is_some_and(|n| tally.cases >= n)
            || campaign.time.is_some_and(|t| started.elapsed() >= t)
        {
            break;
        }
        let result = differ.run_case(case)?;
        tally.add(&result);
        if let CaseResult::Mismatch(m) = result {
            if !found.iter().any(|f| f.mismatch.class == m.class) {
                progress.found(case, &m.class);
                let mismatch = differ.shrink(case, *m, campaign.shrink_budget);
                let written = campaign
                    .out
                    .as_deref()
                    .map(|dir| write_vector(dir, campaign.seed, case, &mismatch));
                found.push(Found {
                    case,
                    mismatch,
                    written,
                });
            }
        }
        progress.case_done(&tally);
        case += 1;
    }
    progress.finish();
    let kinds = differ.kinds();
    let implementation = differ.implementation_label();
    differ.finish();
    Ok(CampaignReport {
        implementation,
        seed: campaign.seed,
        targets: kinds.names(),
        elapsed: started.elapsed(),
        tally,
        found,
    })
}

/// A progress bar on the terminal (indicatif), hidden when standard error
/// is not one.
pub struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    /// A bar, not shown until the campaign starts.
    pub fn new() -> Bar {
        Bar(None)
    }
}

impl Default for Bar {
    fn default() -> Bar {
        Bar::new()
    }
}

impl Progress for Bar {
    fn start(&mut self, cases: Option<u64>) {
        let bar = match cases {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {pos}{len_suffix} cases, {per_sec}, {msg}",
            )
            .map(|s| {
                s.with_key(
                    "len_suffix",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = match state.len() {
                            Some(len) => write!(w, "/{len}"),
                            None => Ok(()),
                        };
                    },
                )
            })
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message("0 mismatches");
        self.0 = Some(bar);
    }

    fn found(&mut self, case: u64, class: &str) {
        if let Some(bar) = &self.0 {
            bar.println(format!("case {case}: {class}; shrinking"));
        }
    }

    fn case_done(&mut self, tally: &Tally) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
            bar.set_message(format!("{} mismatches", tally.mismatch_count()));
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}
