//! Writing vectors: the checked model back into the YAML format of
//! [`super::spec`], with the outcomes of a run as the expectations.
//!
//! `hgframe diff` writes the scenarios it shrinks this way, so that a
//! mismatch becomes a vector ready to commit. A written vector loads back
//! into the same steps, and its expectations admit the outcomes it was
//! written from (a test checks this on every reactor vector of the suite).

use super::model::{Outcome, PullMode, Step};
use super::spec::{self, Pull};
use crate::conformance::leaf;
use crate::protocol::Protocol;

/// A step in the YAML format, expecting `outcome`; `with_party` writes
/// its `on` (conversations).
pub fn step_spec(step: &Step, outcome: &Outcome, with_party: bool) -> spec::Step {
    spec::Step {
        on: step
            .on
            .filter(|_| with_party)
            .map(|side| side.name().to_string()),
        op: step.op.clone(),
        pull: match step.pull {
            PullMode::All => None,
            PullMode::Count(0) => Some(Pull::All(false)),
            PullMode::Count(n) => Some(Pull::Count(n)),
        },
        expect: outcome.to_expect(),
    }
}

/// A whole vector file of the revision `protocol`, holding one vector made
/// of `steps` on `target`, expecting `outcomes` (one per step).
#[allow(clippy::too_many_arguments)]
pub fn vector_file(
    protocol: Protocol,
    id: &str,
    description: &str,
    tags: Vec<String>,
    target: &spec::Target,
    steps: &[Step],
    outcomes: &[Outcome],
) -> Result<String, WriteError> {
    let with_party = matches!(target, spec::Target::Conversation { .. });
    let steps = steps
        .iter()
        .zip(outcomes)
        .map(|(step, outcome)| step_spec(step, outcome, with_party))
        .collect();
    let file = spec::File {
        format: spec::FORMAT,
        protocol: protocol.name().to_string(),
        description: description.to_string(),
        vectors: vec![spec::Vector {
            id: id.to_string(),
            description: description.to_string(),
            tags,
            target: target.clone(),
            steps,
        }],
    };
    leaf::with_protocol(protocol, || serde_yaml::to_string(&file)).map_err(WriteError::Yaml)
}

/// Why steps could not be written as a vector.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The YAML writer failed.
    #[error(transparent)]
    Yaml(serde_yaml::Error),
}

/// Rewrites the vector file `text` (read from `path`) with every step
/// expecting what `implementation` gives: `hgframe vectors record`, for
/// writing the expected values of new vectors from an oracle (Mercurial's
/// own module through its adapter). A vector whose run stopped early keeps
/// the expectations of the steps that did not run, and is named in the
/// second value with the reason.
pub fn record(
    path: &std::path::Path,
    text: &str,
    implementation: &mut dyn crate::conformance::implementation::Implementation,
) -> Result<(String, Vec<(String, String)>), RecordError> {
    let loaded = super::load::load_str(path, text).map_err(|errors| {
        RecordError::Load(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let head: spec::File = {
        let protocol = loaded.first().map(|v| v.protocol).unwrap_or_default();
        leaf::with_protocol(protocol, || serde_yaml::from_str(text))
            .map_err(|e| RecordError::Load(e.to_string()))?
    };
    let protocol = loaded.first().map_or(Protocol::default(), |v| v.protocol);
    let mut stopped = Vec::new();
    let mut vectors = Vec::new();
    for (vector, written) in loaded.iter().zip(&head.vectors) {
        let (outcomes, halted) = crate::conformance::run::trace(
            implementation,
            &vector.id,
            vector.protocol,
            &vector.target,
            &vector.steps,
        );
        if let Some(status) = halted {
            stopped.push((vector.id.clone(), format!("{status:?}")));
        }
        let with_party = matches!(vector.target, spec::Target::Conversation { .. });
        let steps = vector
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let outcome = outcomes.get(i).unwrap_or(&step.expect);
                step_spec(step, outcome, with_party)
            })
            .collect();
        vectors.push(spec::Vector {
            id: written.id.clone(),
            description: written.description.clone(),
            tags: written.tags.clone(),
            target: written.target.clone(),
            steps,
        });
    }
    let file = spec::File { vectors, ..head };
    let out = leaf::with_protocol(protocol, || serde_yaml::to_string(&file))
        .map_err(|e| RecordError::Write(WriteError::Yaml(e)))?;
    Ok((out, stopped))
}

/// Why a vector file could not be recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The file did not load.
    #[error("{0}")]
    Load(String),
    /// The result could not be written.
    #[error(transparent)]
    Write(WriteError),
}
