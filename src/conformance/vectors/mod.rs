//! Conformance vectors: the checked model of operations and outcomes, with
//! the one table of operations ([`model`]), the YAML format ([`spec`]),
//! outcomes in their flat form ([`expect`]), comparing them at a level
//! ([`compare`]), loading and checking ([`load`]),
//! the built-in reference's execution ([`exec`]), reports ([`runner`]),
//! expectation files ([`expectations`]), snapshot traces ([`trace`]), the
//! JSON export ([`export`]) and writing vectors back ([`write`](mod@write)).
//!
//! `docs/vectors.md` describes the format for people writing a loader in
//! another language.

pub mod compare;
pub mod exec;
pub mod expect;
pub mod expectations;
pub mod export;
pub mod load;
pub mod model;
pub mod runner;
pub mod spec;
pub mod trace;
pub mod upgrade;
pub mod write;

use model::{Outcome, Vector};

/// How one step went.
#[derive(Clone, Debug)]
pub struct StepResult {
    /// What the step had to give.
    pub expected: Outcome,
    /// What it gave.
    pub actual: Outcome,
    /// The vector's protocol revision, in which its frames are compared.
    pub protocol: crate::protocol::Protocol,
}

impl StepResult {
    /// Whether the step gave what it had to (compared in the vector's
    /// revision: its frame types say which payloads are CBOR, and which
    /// frames are compressed).
    pub fn passed(&self) -> bool {
        crate::conformance::leaf::with_protocol(self.protocol, || {
            self.expected.admits(&self.actual)
        })
    }
}

/// Runs every step of a vector on the built-in reference, through the one
/// runner ([`crate::conformance::run::trace`]), and pairs each step's outcome
/// with its expectation.
pub fn run_reference(vector: &Vector) -> Vec<StepResult> {
    let mut reference = crate::conformance::reference::Reference::new();
    let (actual, _) = crate::conformance::run::trace(
        &mut reference,
        &vector.id,
        vector.protocol,
        &vector.target,
        &vector.steps,
    );
    vector
        .steps
        .iter()
        .zip(actual)
        .map(|(step, actual)| StepResult {
            expected: step.expect.clone(),
            actual,
            protocol: vector.protocol,
        })
        .collect()
}

/// The first failing step of a run, with its index.
pub fn first_failure(results: &[StepResult]) -> Option<(usize, &StepResult)> {
    results.iter().enumerate().find(|(_, r)| !r.passed())
}
