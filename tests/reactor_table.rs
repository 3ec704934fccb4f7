//! The transition tables of `hgframe::conformance::table` against the reactors,
//! and `docs/reactors.md` against the tables.

use hgframe::conformance::shell::Shell;
use hgframe::conformance::table::{
    self, CLIENT, CLIENT_0006, SERVER, SERVER_0006, SERVER_CALLS, SERVER_CALLS_0006, Then,
    Transition,
};
use hgframe::reactor::{ClientProtocolError, ProtocolError, ServerProtocolError};

fn check_rows(rows: &[Transition]) {
    for t in rows {
        let e = t.example;
        let mut shell = Shell::from_role_line(e.role).unwrap();
        for line in e.setup {
            shell.run(line).unwrap();
        }
        let printed = shell.run(e.input).unwrap();
        let first = printed.first().map(String::as_str).unwrap_or("");
        let prints = t.prints();
        assert!(
            first.starts_with(&prints),
            "row `{} / {}`: `{}` printed `{first}`, expected it to start with `{prints}`",
            t.from,
            t.input,
            e.input,
        );
        if let Then::Error(_) = t.then {
            assert_eq!(first, prints, "row `{} / {}`", t.from, t.input);
        }
        if let Some(state) = table::expected_state(t) {
            let line = shell.run("state").unwrap().join("");
            assert!(
                line.contains(&state),
                "row `{} / {}`: state is `{line}`, expected `{state}`",
                t.from,
                t.input
            );
        }
    }
}

#[test]
fn server_rows_hold() {
    check_rows(SERVER);
    check_rows(SERVER_CALLS);
    check_rows(SERVER_0006);
    check_rows(SERVER_CALLS_0006);
}

#[test]
fn client_rows_hold() {
    check_rows(CLIENT);
    check_rows(CLIENT_0006);
}

/// The classes the rows of `rows` name, for the reactor `which` picks.
fn classes(
    rows: &[Transition],
    which: fn(&ProtocolError) -> Option<&'static str>,
) -> Vec<&'static str> {
    rows.iter()
        .filter_map(|t| match &t.then {
            Then::Error(e) => which(e),
            Then::Other { .. } => None,
        })
        .collect()
}

/// Every protocol error of the seed, and of the later revision's server
/// and client, has a row.
#[test]
fn every_protocol_error_of_the_seed_has_a_row() {
    let server_class = |e: &ProtocolError| match e {
        ProtocolError::Server(e) => Some(e.class()),
        _ => None,
    };
    let mut server = classes(SERVER, server_class);
    server.extend(classes(SERVER_0006, server_class));
    let client_class = |e: &ProtocolError| match e {
        ProtocolError::Client(e) => Some(e.class()),
        _ => None,
    };
    let mut client = classes(CLIENT, client_class);
    client.extend(classes(CLIENT_0006, client_class));
    // The limits (`limit-*`) are hgframe's, not the seed's, and the shell
    // cannot set them: tests/reactor_api.rs checks them.
    let seeds = |all: &'static [&'static str]| -> Vec<&'static str> {
        all.iter()
            .copied()
            .filter(|c| !c.starts_with("limit-"))
            .collect()
    };
    for (rows, all) in [
        (server, ServerProtocolError::CLASSES),
        (client, ClientProtocolError::CLASSES),
    ] {
        let missing: Vec<&str> = seeds(all)
            .into_iter()
            .filter(|c| !rows.contains(c))
            .collect();
        assert!(missing.is_empty(), "no row for {missing:?}");
    }
}

const BEGIN: &str = "<!-- generated from src/conformance/table.rs: begin -->";
const END: &str = "<!-- generated from src/conformance/table.rs: end -->";

#[test]
fn docs_reactors_md_is_generated_from_the_tables() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reactors.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = doc.split_once(BEGIN).expect("begin marker");
    let (_, tail) = rest.split_once(END).expect("end marker");
    let fresh = format!("{head}{BEGIN}\n{}{END}{tail}", table::render_markdown());
    if fresh != doc {
        if std::env::var_os("HGFRAME_BLESS").is_some() {
            std::fs::write(&path, fresh).unwrap();
        } else {
            panic!(
                "docs/reactors.md is out of date: run `HGFRAME_BLESS=1 cargo test --test reactor_table`"
            );
        }
    }
}
