//! The built-in reference as a testee: `hgframe testee` answers the driver
//! protocol on standard input and output, so that the runner can check that
//! talking to an implementation through the protocol changes nothing.

use std::io::{self, BufRead, Write};

use serde_json::Value as Json;

use super::wire::{Answer, Hello, PROTOCOL_VERSION, Request};
use crate::conformance::implementation::{Call, Implementation, Problem, Refusal, TargetKind};
use crate::conformance::leaf;
use crate::conformance::reference::Reference;
use crate::protocol::Protocol;

/// The reference's answer to the handshake.
pub fn hello() -> Hello {
    Hello {
        protocol: PROTOCOL_VERSION,
        name: "hgframe".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        targets: TargetKind::ALL.map(|k| k.name().to_string()).to_vec(),
        protocols: Some(Reference::new().about().protocols.clone()),
    }
}

/// The reference's side of the protocol, one request line at a time.
#[derive(Default)]
pub struct Testee {
    reference: Reference,
    /// The revision of the vector being run: its steps' flag table names
    /// are read in it.
    protocol: Protocol,
}

impl Testee {
    /// A testee before any vector.
    pub fn new() -> Testee {
        Testee::default()
    }

    /// The answer to one request line, or `None` for `bye`. A request that
    /// cannot be read gets an `error` answer.
    pub fn answer(&mut self, line: &str) -> Option<Json> {
        let request = leaf::with_protocol(self.protocol, || Request::parse(line));
        Some(match request {
            Err(e) => Answer::Error(format!("cannot read the request: {e}")).to_json(),
            Ok(Request::Hello { .. }) => hello().to_json(),
            Ok(Request::Start {
                vector,
                protocol,
                target,
            }) => answer({
                self.protocol = protocol;
                self.reference
                    .start(&vector, protocol, &target)
                    .map(|()| Answer::Ok)
            }),
            Ok(Request::Step {
                index,
                on,
                op,
                pull,
                ..
            }) => {
                let call = Call {
                    index,
                    on,
                    op: &op,
                    pull,
                };
                answer(self.reference.step(&call).map(Answer::Outcome))
            }
            Ok(Request::Bye) => return None,
        })
    }
}

/// A refusal as the driver protocol answers it.
fn answer(result: Result<Answer, Refusal>) -> Json {
    match result {
        Ok(answer) => answer,
        Err(Refusal::Unimplemented(reason)) => Answer::Unimplemented(reason),
        Err(Refusal::Broken(Problem::Reported(message))) => Answer::Error(message),
        Err(Refusal::Broken(problem)) => Answer::Error(problem.to_string()),
    }
    .to_json()
}

/// Answers requests from `input` on `output` until `bye` or the end of
/// input; only I/O errors end the loop early.
pub fn serve(input: impl BufRead, mut output: impl Write) -> io::Result<()> {
    let mut testee = Testee::new();
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let Some(answer) = testee.answer(&line) else {
            break;
        };
        writeln!(output, "{answer}")?;
        output.flush()?;
    }
    Ok(())
}
