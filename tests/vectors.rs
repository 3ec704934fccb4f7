//! Every conformance vector under `vectors/` is a test of its own, named by
//! its id, run on the built-in reference. Each vector's full trace is also an
//! insta snapshot under `snapshots/` (`INSTA_UPDATE=no` in CI: a changed
//! trace fails instead of being rewritten).

use std::path::PathBuf;

use hgframe::conformance::vectors::model::Vector;
use hgframe::conformance::vectors::trace::{Trace, yaml};
use hgframe::conformance::vectors::{first_failure, load, run_reference};
use libtest_mimic::{Arguments, Failed, Trial};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check(vector: &Vector) -> Result<(), Failed> {
    let results = run_reference(vector);
    if let Some((i, r)) = first_failure(&results) {
        let step = &vector.steps[i];
        let (expected, actual) = hgframe::conformance::leaf::with_protocol(vector.protocol, || {
            (yaml(&r.expected), yaml(&r.actual))
        });
        return Err(format!(
            "{}:{}: vector `{}`: step {i} ({}):\n--- expected\n{}--- actual\n{}",
            vector
                .file
                .strip_prefix(root())
                .unwrap_or(&vector.file)
                .display(),
            vector.line,
            vector.id,
            step.op.name(),
            expected,
            actual,
        )
        .into());
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(vector.description.clone());
    let trace = Trace::new(vector, &results);
    let name = vector.id.replace('/', "__");
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_yaml_snapshot!(name.clone(), trace))
    }))
    .map_err(|_| {
        format!(
            "vector `{}`: its trace differs from snapshots/{name}.snap",
            vector.id
        )
        .into()
    })
}

fn main() {
    let args = Arguments::from_args();
    let vectors = match load::load_paths(&[root().join("vectors")]) {
        Ok(v) => v,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            panic!("{} error(s) in the vector files", errors.len());
        }
    };
    let trials = vectors
        .into_iter()
        .map(|v| Trial::test(v.id.clone(), move || check(&v)))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
