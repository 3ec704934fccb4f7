//! The suite as libtest-mimic trials (`hgframe::conformance::run::trials`),
//! as a user's own `cargo test` runs it against a Rust implementation.

use hgframe::conformance::implementation::{About, Call, Implementation, Refusal, TargetKind};
use hgframe::conformance::reference::Reference;
use hgframe::conformance::run::{RunOptions, Suite, trials};
use std::path::Path;

use hgframe::conformance::vectors::expectations::Expectations;
use hgframe::conformance::vectors::model::Outcome;
use hgframe::conformance::vectors::runner::{Filter, Format};
use hgframe::conformance::vectors::spec::Target;
use libtest_mimic::{Arguments, Conclusion};

#[path = "common/report_schema.rs"]
mod report_schema;

fn header_suite() -> Suite {
    Suite::load(&[concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/codec/header.yaml").into()])
        .unwrap()
}

/// Runs the trials with their output in a log file (not on the test's
/// standard output, where it would read as this test's result), and gives
/// the conclusion and the log.
fn run(name: &str, trials: Vec<libtest_mimic::Trial>) -> (Conclusion, String) {
    let log = std::env::temp_dir().join(format!(
        "hgframe-in-process-{}-{name}.log",
        std::process::id()
    ));
    let args = Arguments {
        test_threads: Some(1),
        logfile: Some(log.display().to_string()),
        ..Arguments::default()
    };
    let conclusion = libtest_mimic::run(&args, trials);
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    (conclusion, text)
}

/// Answers every step with the same wrong outcome, or refuses it.
struct Wrong {
    about: About,
    refuse: bool,
}

impl Implementation for Wrong {
    fn about(&self) -> &About {
        &self.about
    }
    fn start(
        &mut self,
        _: &str,
        _: hgframe::protocol::Protocol,
        _: &Target,
    ) -> Result<(), Refusal> {
        Ok(())
    }
    fn step(&mut self, _: &Call<'_>) -> Result<Outcome, Refusal> {
        if self.refuse {
            Err(Refusal::Unimplemented("not yet".into()))
        } else {
            Ok(Outcome::Text("wrong".into()))
        }
    }
}

fn wrong(refuse: bool) -> impl Fn() -> Wrong + Send + Sync + 'static {
    move || Wrong {
        about: About::new("wrong", "0", [TargetKind::Codec]),
        refuse,
    }
}

#[test]
fn the_reference_passes_every_trial() {
    let suite = header_suite();
    let (conclusion, _) = run(
        "reference",
        trials(&suite, Reference::new, &RunOptions::default()),
    );
    assert_eq!(conclusion.num_passed, 19);
    assert_eq!(conclusion.num_failed, 0);
}

#[test]
fn a_wrong_implementation_fails_every_trial() {
    let suite = header_suite();
    let (conclusion, log) = run(
        "wrong",
        trials(&suite, wrong(false), &RunOptions::default()),
    );
    assert_eq!(conclusion.num_failed, 19);
    assert_eq!(conclusion.num_passed, 0);
    // Each failure is told as `hgframe run` tells it: where, and both sides.
    assert!(log.contains("FAILED  codec/header/decode-zero ("), "{log}");
    assert!(
        log.contains("expected:") && log.contains("text: wrong"),
        "{log}"
    );
}

#[test]
fn unimplemented_steps_are_ignored_not_passed() {
    let suite = header_suite();
    let (conclusion, log) = run(
        "refuse",
        trials(&suite, wrong(true), &RunOptions::default()),
    );
    assert!(log.contains("not yet"), "{log}");
    assert_eq!(conclusion.num_ignored, 19);
    assert_eq!(conclusion.num_passed, 0);
}

#[test]
fn the_filter_selects_the_trials() {
    let suite = header_suite();
    let options = RunOptions {
        filter: Filter::new(&["codec/header/encode-*".into()], &[]).unwrap(),
        ..RunOptions::default()
    };
    assert_eq!(trials(&suite, Reference::new, &options).len(), 5);
}

#[test]
fn stale_expectations_fail_a_trial_of_their_own() {
    let suite = header_suite();
    let text =
        "expectations:\n- id: 'codec/header/no-such-vector'\n  result: fail\n  reason: gone\n";
    let options = RunOptions {
        expectations: Some(Expectations::parse(text, Path::new("stale.yaml")).unwrap()),
        ..RunOptions::default()
    };
    let (conclusion, log) = run("stale", trials(&suite, Reference::new, &options));
    assert_eq!(conclusion.num_passed, 19);
    assert_eq!(conclusion.num_failed, 1);
    assert!(
        log.contains("stale.yaml: entries that match no vector"),
        "{log}"
    );
}

/// The JSON report of `run` against `docs/report.schema.json`.
fn schema_errors(run: &hgframe::conformance::vectors::runner::RunReport) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(&Format::Json.render(run, false)).unwrap();
    report_schema::errors(&report)
}

#[test]
fn the_json_report_follows_its_schema() {
    let suite = Suite::load(&[concat!(env!("CARGO_MANIFEST_DIR"), "/vectors").into()]).unwrap();
    // Passes, failures, refusals and skips: every shape of a vector's report.
    let options = RunOptions {
        filter: Filter::new(&[], &[])
            .unwrap()
            .excluding(&[], &["deviation".to_string()])
            .unwrap(),
        ..RunOptions::default()
    };
    let reference = suite.run(Reference::new(), &options);
    assert!(reference.ok(), "{:?}", reference.problems);
    assert_eq!(schema_errors(&reference), Vec::<String>::new());
    let failing = suite.run(wrong(false)(), &options);
    assert!(!failing.ok());
    assert_eq!(schema_errors(&failing), Vec::<String>::new());
    let refusing = suite.run(wrong(true)(), &options);
    assert_eq!(schema_errors(&refusing), Vec::<String>::new());
}

#[test]
fn junit_names_the_class_and_time_of_every_testcase() {
    let suite = header_suite();
    let run = suite.run(wrong(false)(), &RunOptions::default());
    let xml = Format::Junit.render(&run, false);
    let cases = xml.matches("<testcase ").count();
    assert_eq!(cases, 19, "{xml}");
    let described = xml
        .split("<testcase ")
        .skip(1)
        .filter(|c| c.contains("classname=\"codec.header\"") && c.contains(" time=\""))
        .count();
    assert_eq!(described, cases, "{xml}");
}

#[test]
fn a_failure_shows_the_step_its_line_and_how_to_rerun_it() {
    let suite = header_suite();
    let run = suite.run(wrong(false)(), &RunOptions::default());
    let text = Format::Text.render(&run, false);
    assert!(
        text.contains("FAILED  codec/header/decode-zero (")
            && text.contains("header.yaml:10) step 0 (parseheader)"),
        "{text}"
    );
    assert!(
        text.contains("      input:\n        parseheader: '0000000000000000'\n"),
        "{text}"
    );
    assert!(
        text.contains("      rerun: hgframe run --id codec/header/decode-zero\n"),
        "{text}"
    );
}

#[test]
fn the_json_report_gives_each_vector_its_description_and_tags() {
    let suite = header_suite();
    let run = suite.run(wrong(false)(), &RunOptions::default());
    let mut report: serde_json::Value =
        serde_json::from_str(&Format::Json.render(&run, false)).unwrap();
    let vectors = report["vectors"].as_array_mut().unwrap();
    assert_eq!(vectors.len(), suite.vectors().len());
    for (json, vector) in vectors.iter().zip(suite.vectors()) {
        assert_eq!(json["id"], vector.id.as_str());
        assert_eq!(json["description"], vector.description.as_str());
        assert_eq!(json["tags"], serde_json::json!(vector.tags));
    }
    assert!(vectors.iter().any(|v| v["tags"] != serde_json::json!([])));
    // A report written before they were added still follows the schema.
    for v in vectors.iter_mut() {
        let v = v.as_object_mut().unwrap();
        v.remove("description");
        v.remove("tags");
    }
    assert_eq!(report_schema::errors(&report), Vec::<String>::new());
}
