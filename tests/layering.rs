//! The protocol core must not depend on the human-string module or on the
//! harness: `frame`, `cbor`, `build`, `stream`, `encoding`, `reactor`,
//! `repr` and `error` are what an implementation embeds, and they must
//! build and make sense without `text`, `conformance` or `fuzzing`.

use std::path::{Path, PathBuf};

/// The core, as paths under `src/`.
const CORE: &[&str] = &[
    "frame",
    "cbor",
    "build.rs",
    "stream.rs",
    "encoding",
    "reactor",
    "repr.rs",
    "error.rs",
];

/// The modules the core must not name.
const FORBIDDEN: &[&str] = &["text", "conformance", "fuzzing"];

/// Whether `line` names one of the forbidden modules: as a path
/// (`crate::text::x`), or inside a grouped import (`use crate::{cbor,
/// text};`, also across lines: `in_group`), or through the crate's own name.
fn names_forbidden(line: &str, in_group: bool) -> bool {
    let grouped = in_group || line.contains("crate::{");
    line.contains("hgframe::")
        || line
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .filter(|w| !w.is_empty())
            .any(|w| {
                FORBIDDEN.iter().any(|f| {
                    w.starts_with(&format!("crate::{f}"))
                        || (grouped && (w == *f || w.starts_with(&format!("{f}::"))))
                })
            })
}

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
    let mut in_group = false;
    let mut found = Vec::new();
    for (i, line) in source.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        if names_forbidden(line, in_group) {
            found.push((i + 1, line.trim().to_string()));
        }
        if line.contains("use crate::{") && !line.contains("};") {
            in_group = true;
        } else if in_group && line.contains("};") {
            in_group = false;
        }
    }
    found
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
    assert_eq!(offences("use crate::{cbor, text};\n").len(), 1);
    assert_eq!(
        offences("use crate::{\n    cbor::Value,\n    text::parse_human,\n};\nfn context() {}\n"),
        vec![(3, "text::parse_human,".to_string())]
    );
    assert!(offences("let context = text_len;\n").is_empty());
}
