//! A vector's full trace: every step's operation and outcome, as insta
//! snapshots and reports show it.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use super::StepResult;
use super::model::{Outcome, Vector};
use crate::conformance::leaf;
use crate::protocol::Protocol;

/// The trace of one vector run. Its frames are written with the frame type
/// names of the vector's protocol revision.
#[derive(Debug)]
pub struct Trace<'a> {
    /// The vector's id.
    pub id: &'a str,
    /// Each step: its operation and what it gave.
    pub steps: Vec<TraceStep<'a>>,
    /// The vector's protocol revision.
    pub protocol: Protocol,
}

impl Serialize for Trace<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        leaf::with_protocol(self.protocol, || {
            let mut t = s.serialize_struct("Trace", 2)?;
            t.serialize_field("id", self.id)?;
            t.serialize_field("steps", &self.steps)?;
            t.end()
        })
    }
}

/// One step of a trace.
#[derive(Debug, Serialize)]
pub struct TraceStep<'a> {
    /// The operation's name.
    pub op: &'static str,
    /// What it gave.
    pub outcome: &'a Outcome,
}

impl<'a> Trace<'a> {
    /// The trace of a run of `vector`.
    pub fn new(vector: &'a Vector, results: &'a [StepResult]) -> Trace<'a> {
        Trace {
            id: &vector.id,
            protocol: vector.protocol,
            steps: vector
                .steps
                .iter()
                .zip(results)
                .map(|(step, r)| TraceStep {
                    op: step.op.name(),
                    outcome: &r.actual,
                })
                .collect(),
        }
    }
}

/// An outcome as YAML, for messages.
pub fn yaml(outcome: &Outcome) -> String {
    serde_yaml::to_string(outcome).unwrap_or_else(|e| format!("<{e}>"))
}
