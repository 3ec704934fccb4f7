//! The built-in reference as an [`Implementation`]: the vectors' own
//! executor ([`Session`]) behind the same trait as any other
//! implementation, so that `hgframe run`, `hgframe testee` and the vector
//! tests run it through the one runner.

use super::implementation::{About, Call, Implementation, Problem, Refusal, TargetKind};
use super::json::TRANSFER_IS_SPLIT;
use super::vectors::exec::Session;
use super::vectors::model::{Op, Outcome};
use super::vectors::spec::Target;
use crate::protocol::Protocol;

/// The reference implementation, one vector at a time.
pub struct Reference {
    about: About,
    protocol: Protocol,
    session: Option<Session>,
}

impl Reference {
    /// The reference, before any vector.
    pub fn new() -> Reference {
        Reference {
            about: About::new(
                "hgframe",
                format!("{} (built-in reference)", env!("CARGO_PKG_VERSION")),
                TargetKind::ALL,
            )
            .with_protocols(Protocol::ALL),
            protocol: Protocol::Framing0005,
            session: None,
        }
    }
}

impl Default for Reference {
    fn default() -> Reference {
        Reference::new()
    }
}

impl Implementation for Reference {
    fn about(&self) -> &About {
        &self.about
    }

    fn start(&mut self, _vector: &str, protocol: Protocol, target: &Target) -> Result<(), Refusal> {
        self.protocol = protocol;
        self.session = Some(Session::new_in(protocol, target));
        Ok(())
    }

    fn step(&mut self, call: &Call<'_>) -> Result<Outcome, Refusal> {
        if let Op::Transfer { .. } = call.op {
            return Err(Problem::Reported(TRANSFER_IS_SPLIT.to_string()).into());
        }
        // As Mercurial 7.2.4 answers through its adapter: the later
        // revision has no such call (the loader refuses such steps in its
        // vector files).
        if !call.op.info().in_protocol(self.protocol) {
            return Err(Refusal::Unimplemented(format!(
                "{} has no {}: {}",
                self.protocol,
                call.op.name(),
                call.op.info().why_not(self.protocol)
            )));
        }
        match self.session.as_mut() {
            Some(session) => Ok(session.run_op(call.on, call.op, call.pull)),
            None => Err(Problem::Reported("a step before any start".to_string()).into()),
        }
    }
}
