//! The docs against the one list of wire codes in `hgframe::frame`: the name
//! tables of `docs/human-strings.md` are generated from it, and the flag table
//! names that `docs/vectors.md` and `docs/driver-protocol.md` list for
//! `humanflags` are checked against it.

use std::path::{Path, PathBuf};

use hgframe::frame::{FlagTable, FrameType};

fn doc_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name)
}

/// `` `name` (value), ... `` for a table's names.
fn names(flags: &[(&str, u8)]) -> String {
    flags
        .iter()
        .map(|(name, value)| format!("`{name}` ({value})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The frame types without a name, as `0, 4, 9 to 15`.
fn unnamed_types() -> String {
    let unnamed: Vec<u8> = (0..=FrameType::MAX)
        .filter(|&n| FrameType::from_nibble(n).name().is_none())
        .collect();
    let mut runs: Vec<(u8, u8)> = Vec::new();
    for n in unnamed {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => runs.push((n, n)),
        }
    }
    runs.iter()
        .map(|&(start, end)| match end - start {
            0 => start.to_string(),
            1 => format!("{start}, {end}"),
            _ => format!("{start} to {end}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The name tables of `docs/human-strings.md`.
fn render_human_strings_tables() -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Stream flag names (`{}`): {}.\n\n",
        FlagTable::STREAM_FLAGS.seed_name.unwrap(),
        names(FlagTable::STREAM_FLAGS.flags)
    ));
    out.push_str(&format!("Types: {}.\n\n", names(FrameType::NAMES)));
    out.push_str("Flag names depend on the type:\n\n");
    out.push_str("| type | seed table | flag names |\n|---|---|---|\n");
    let mut without_flags = Vec::new();
    for t in FrameType::ALL {
        let name = t.name().unwrap();
        let table = t.flag_table();
        match table.seed_name {
            Some(seed_name) => out.push_str(&format!(
                "| {name} | `{seed_name}` | {} |\n",
                names(table.flags)
            )),
            None => without_flags.push(name),
        }
    }
    out.push_str(&format!(
        "| {} | `{{}}` | none: integers only |\n",
        without_flags.join(", ")
    ));
    out.push_str(&format!(
        "| {} (no name) | none | integers only (the seed refuses these types) |\n",
        unnamed_types()
    ));
    out
}

const BEGIN: &str = "<!-- generated from the wire codes in src/frame/types.rs: begin -->";
const END: &str = "<!-- generated from the wire codes in src/frame/types.rs: end -->";

#[test]
fn docs_human_strings_md_is_generated_from_the_wire_codes() {
    let path = doc_path("human-strings.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = doc.split_once(BEGIN).expect("begin marker");
    let (_, tail) = rest.split_once(END).expect("end marker");
    let fresh = format!(
        "{head}{BEGIN}\n{}{END}{tail}",
        render_human_strings_tables()
    );
    if fresh != doc {
        if std::env::var_os("HGFRAME_BLESS").is_some() {
            std::fs::write(&path, fresh).unwrap();
        } else {
            panic!(
                "docs/human-strings.md is out of date: run `HGFRAME_BLESS=1 cargo test --test wire_codes`"
            );
        }
    }
}

/// The upper-case names in backquotes on the first line of `doc` that starts
/// with `line_start`.
fn table_names_on_line(doc: &str, line_start: &str) -> Vec<String> {
    let path = doc_path(doc);
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(line_start))
        .unwrap_or_else(|| panic!("{doc}: no line starting with {line_start:?}"));
    line.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.len() > 1 && s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        .map(str::to_string)
        .collect()
}

#[test]
fn docs_list_the_humanflags_tables_of_the_wire_codes() {
    let tables: Vec<String> = FlagTable::ALL
        .iter()
        .map(|t| t.seed_name.unwrap().to_string())
        .collect();
    assert_eq!(
        table_names_on_line("vectors.md", "| `humanflags: {table, value}` |"),
        tables,
        "docs/vectors.md, the humanflags row"
    );
    assert_eq!(
        table_names_on_line("driver-protocol.md", "| `humanflags` |"),
        tables,
        "docs/driver-protocol.md, the humanflags row"
    );
}
