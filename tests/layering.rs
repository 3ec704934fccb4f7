//! The protocol core must not depend on the human-string module or on the
//! harness: `frame`, `cbor`, `build`, `stream`, `reactor`, `repr` and
//! `error` are what an implementation embeds, and they must build and make
//! sense without `text`, `conformance` or `fuzzing`.

use std::path::{Path, PathBuf};

/// The core, as paths under `src/`.
const CORE: &[&str] = &[
    "frame",
    "cbor",
    "build.rs",
    "stream.rs",
    "reactor",
    "repr.rs",
    "error.rs",
];

/// What the core must not name.
const FORBIDDEN: &[&str] = &[
    "crate::text",
    "crate::conformance",
    "crate::fuzzing",
    "hgframe::",
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for entry in entries {
            rust_files(&entry, out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The offending lines of one file: code lines (not comments or doc
/// comments, where intra-doc links may point anywhere) that name a
/// forbidden module.
fn offences(source: &str) -> Vec<(usize, String)> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| FORBIDDEN.iter().any(|f| line.contains(f)))
        .map(|(i, line)| (i + 1, line.trim().to_string()))
        .collect()
}

#[test]
fn the_core_names_neither_text_nor_the_harness() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for part in CORE {
        rust_files(&src.join(part), &mut files);
    }
    assert!(
        files.len() > 10,
        "the core's files were not found: {files:?}"
    );
    let mut found = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        for (line, text) in offences(&source) {
            found.push(format!("{}:{line}: {text}", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "the protocol core uses text or the harness (../shared/STYLE.md):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_an_import() {
    assert_eq!(
        offences("//! crate::text in a doc\nuse crate::text::parse_human;\n"),
        vec![(2, "use crate::text::parse_human;".to_string())]
    );
    assert!(offences("use crate::cbor::Value;\n").is_empty());
}
