//! Every committed fuzz input, replayed through the fuzz targets' bodies on
//! stable: the seed corpora under `fuzz/corpus/<target>/` and the crash
//! artifacts under `fuzz/artifacts/<target>/`. A target whose invariant
//! breaks panics, and the test names the file.

use std::path::{Path, PathBuf};

use hgframe::conformance::vectors::load;
use hgframe::fuzzing::{TARGETS, corpus};
use libtest_mimic::{Arguments, Failed, Trial};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn replay(target: fn(&[u8]), dirs: Vec<PathBuf>) -> Result<(), Failed> {
    let mut count = 0;
    for dir in dirs {
        for file in files(&dir) {
            let data = std::fs::read(&file)?;
            std::panic::catch_unwind(|| target(&data)).map_err(|_| {
                format!("{} breaks the target (see the panic above)", file.display())
            })?;
            count += 1;
        }
    }
    if count == 0 {
        return Err("no input to replay".into());
    }
    Ok(())
}

/// The committed corpora hold every seed the vectors give: regenerate them
/// with `hgframe vectors corpus` after changing a vector.
fn corpus_up_to_date() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vectors = load::load_paths(&[root.join("vectors")])
        .map_err(|e| format!("{} vector file errors", e.len()))?;
    let mut missing = Vec::new();
    for (target, seeds) in corpus::from_vectors(&vectors) {
        for seed in seeds {
            let path = root
                .join("fuzz/corpus")
                .join(target)
                .join(corpus::seed_name(&seed));
            if std::fs::read(&path).ok().as_deref() != Some(&seed[..]) {
                missing.push(path.display().to_string());
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} seeds missing (run `cargo run -- vectors corpus`), e.g. {}",
            missing.len(),
            missing[0]
        )
        .into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut trials = vec![Trial::test("corpus/up-to-date", corpus_up_to_date)];
    for &(name, target) in TARGETS {
        let corpus = root.join("corpus").join(name);
        let artifacts = root.join("artifacts").join(name);
        trials.push(Trial::test(format!("replay/{name}"), move || {
            replay(target, vec![corpus, artifacts])
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}
