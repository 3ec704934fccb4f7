//! Seed corpora for the fuzz targets, made from the vectors: every frame of
//! every vector goes to the targets that read frames, and every human
//! string, literal and CBOR payload to the targets that parse them.
//! `hgframe vectors corpus` writes them under `fuzz/corpus/<target>/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::cbor::{self, Value};
use crate::conformance::vectors::model::{Action, Op, Outcome, Side, Vector};
use crate::conformance::vectors::spec::Target;
use crate::frame::{Frame, ReadOptions, frames};
use crate::protocol::Protocol;
use crate::text::{format_human, format_literal};

/// Seeds larger than this are left out: fuzzers work on small inputs, and
/// the large frames of the suite are about lengths, which their first bytes
/// already say.
pub const MAX_SEED_LEN: usize = 16 << 10;

/// The seeds of each target, by target name.
pub type Corpus = BTreeMap<&'static str, BTreeSet<Vec<u8>>>;

/// Everything one vector holds that a fuzzer can start from.
#[derive(Default)]
struct Harvest {
    /// Encoded frames, in the order they appear.
    frames: Vec<Vec<u8>>,
    /// Frames the server receives, and the client.
    to_server: Vec<u8>,
    to_client: Vec<u8>,
    human: Vec<String>,
    values: Vec<Value>,
    streams: Vec<Vec<u8>>,
}

impl Harvest {
    fn frame(&mut self, frame: &Frame) {
        if let Ok(bytes) = frame.to_bytes() {
            self.frames.push(bytes);
        }
    }

    fn received(&mut self, side: Side, bytes: &[u8]) {
        match side {
            Side::Server => self.to_server.extend_from_slice(bytes),
            Side::Client => self.to_client.extend_from_slice(bytes),
        }
    }

    fn outcome(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Action(a) | Outcome::Request { action: a, .. } => self.action(a),
            Outcome::Frames(run) => self.frames.extend(run.frames.iter().cloned()),
            Outcome::Transfer { run, actions } => {
                for bytes in &run.frames {
                    self.frames.push(bytes.clone());
                    // Clients send on odd streams, servers on even ones.
                    let to = match bytes.get(5) {
                        Some(id) if id % 2 == 1 => Side::Server,
                        _ => Side::Client,
                    };
                    self.received(to, bytes);
                }
                for a in actions {
                    self.outcome(a);
                }
            }
            Outcome::Bytes(b) => self.frames.push(b.clone()),
            _ => {}
        }
    }

    fn action(&mut self, action: &Action) {
        match action {
            Action::SendFrames { run, .. } => self.frames.extend(run.frames.iter().cloned()),
            Action::RunCommand { command, args, .. } => {
                self.values.extend([command.clone(), args.clone()]);
            }
            Action::ErrorResponse {
                error_type,
                message,
                ..
            } => self.values.extend([error_type.clone(), message.clone()]),
            _ => {}
        }
    }

    fn op(&mut self, side: Side, op: &Op) {
        match op {
            Op::Recv(frame) => {
                self.frame(frame);
                if let Ok(bytes) = frame.to_bytes() {
                    self.received(side, &bytes);
                }
            }
            Op::Repr(frame) | Op::MakeFrame(frame) => self.frame(frame),
            Op::HumanString(s) => self.human.push(s.clone()),
            Op::ParseHeader(h) => self.frames.push(h.to_vec()),
            Op::ReadFrames(bytes) => self.streams.push(bytes.clone()),
            Op::CallCommand { name, args, .. }
            | Op::CreateCommandFrames { name, args, .. }
            | Op::CommandError {
                message: name,
                args,
                ..
            }
            | Op::CreateCommandError {
                message: name,
                args,
                ..
            } => self.values.extend([name.clone(), args.clone()]),
            Op::CreateTextOutput { atoms, .. } => self.values.push(atoms.clone()),
            _ => {}
        }
    }
}

fn add(corpus: &mut Corpus, target: &'static str, seed: Vec<u8>) {
    if !seed.is_empty() && seed.len() <= MAX_SEED_LEN {
        corpus.entry(target).or_default().insert(seed);
    }
}

/// A reactor target's input: no operations, then the frames.
fn reactor_seed(frames: &[u8]) -> Vec<u8> {
    let mut seed = vec![0, 0];
    seed.extend_from_slice(frames);
    seed
}

/// The server target's input for a vector of `protocol`: for the later
/// revision, a setup that asks for it (`ServerSetup`: `deferoutput` false,
/// no limits, `later_revision` true) and no operations, then the frames.
fn server_seed(protocol: Protocol, frames: &[u8]) -> Vec<u8> {
    match protocol {
        Protocol::Framing0005 => reactor_seed(frames),
        Protocol::Framing0006 => {
            let mut seed = vec![3, 0, 0, 0, 1];
            seed.extend_from_slice(frames);
            seed
        }
    }
}

/// The client target's input for a vector of `protocol`: for the later
/// revision, a setup that asks for it (`ClientSetup`: `hasmultiplesend`
/// false, `buffersends` true, `later_revision` true) and no operations, so
/// that the preamble's commands meet the frames.
fn client_seed(protocol: Protocol, frames: &[u8]) -> Vec<u8> {
    match protocol {
        Protocol::Framing0005 => reactor_seed(frames),
        Protocol::Framing0006 => {
            let mut seed = vec![3, 0, 0, 1, 1];
            seed.extend_from_slice(frames);
            seed
        }
    }
}

/// The seed corpora of every target, from `vectors`.
pub fn from_vectors(vectors: &[Vector]) -> Corpus {
    let mut corpus = Corpus::new();
    for vector in vectors {
        let mut h = Harvest::default();
        let only = match vector.target {
            Target::Client { .. } => Side::Client,
            _ => Side::Server,
        };
        for step in &vector.steps {
            h.op(step.on.unwrap_or(only), &step.op);
            h.outcome(&step.expect);
        }
        let mut stream = vec![0];
        for bytes in &h.frames {
            add(
                &mut corpus,
                "header",
                bytes.iter().take(8).copied().collect(),
            );
            stream.extend_from_slice(bytes);
            let Some(Ok(frame)) = frames(bytes, ReadOptions::default()).next() else {
                continue;
            };
            let human = format_human(&frame);
            if let Some((_, literal)) = human.split_once(" cbor:") {
                add(&mut corpus, "py_literal", literal.as_bytes().to_vec());
            }
            add(&mut corpus, "human_string", human.into_bytes());
            add(&mut corpus, "cbor_decode", frame.payload.to_vec());
        }
        add(&mut corpus, "readframe", stream);
        for bytes in &h.streams {
            let mut seed = vec![0];
            seed.extend_from_slice(bytes);
            add(&mut corpus, "readframe", seed);
        }
        for s in h.human {
            add(&mut corpus, "human_string", s.into_bytes());
        }
        for value in &h.values {
            if let Some(literal) = format_literal(value) {
                add(&mut corpus, "py_literal", literal.into_bytes());
            }
            if let Ok(bytes) = cbor::encode(value) {
                add(&mut corpus, "cbor_decode", bytes);
            }
        }
        add(
            &mut corpus,
            "server_reactor",
            server_seed(vector.protocol, &h.to_server),
        );
        add(
            &mut corpus,
            "client_reactor",
            client_seed(vector.protocol, &h.to_client),
        );
    }
    corpus
}

/// The file name of a seed: the start of its SHA-256, as libFuzzer names
/// files by their SHA-1.
pub fn seed_name(seed: &[u8]) -> String {
    let digest = crate::conformance::vectors::model::sha256_hex(seed);
    format!("vector-{}", digest.get(..16).unwrap_or(&digest))
}

/// Writes `corpus` under `dir/<target>/`; returns how many files were new.
pub fn write(corpus: &Corpus, dir: &Path) -> std::io::Result<usize> {
    let mut new = 0;
    for (target, seeds) in corpus {
        let target_dir = dir.join(target);
        std::fs::create_dir_all(&target_dir)?;
        for seed in seeds {
            let path = target_dir.join(seed_name(seed));
            if !path.exists() {
                std::fs::write(&path, seed)?;
                new += 1;
            }
        }
    }
    Ok(new)
}
