//! The `hgframe` command line: a thin layer over the library.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hgframe::frame::{ReadOptions, read_frame};
use hgframe::reactor::shell::Shell;
use hgframe::reactor::{ClientOptions, ServerOptions};
use hgframe::text::{format_human, parse_human};
use hgframe::vectors::{self, load, runner};

/// Reference codec and conformance tools for Mercurial's frame-based wire
/// protocol (2018 revision).
#[derive(Parser)]
#[command(name = "hgframe", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Junit,
}

#[derive(Subcommand)]
enum VectorsCommand {
    /// Write the whole suite as JSON, every frame also in hex and every
    /// Python literal also as CBOR hex (schema: docs/vectors.schema.json).
    Export {
        /// Vector files or directories; the suite's vectors/ by default.
        paths: Vec<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Run the conformance vectors against the built-in reference.
    ///
    /// Ends with the line `N passed, N failed, N skipped`; exits with 1 when
    /// a vector fails and 2 when a vector file is malformed.
    Run {
        /// Vector files or directories; the suite's vectors/ by default.
        paths: Vec<PathBuf>,
        /// Run only the vectors whose id matches this glob (repeatable).
        #[arg(long = "id", value_name = "GLOB")]
        ids: Vec<String>,
        /// Run only the vectors with this tag (repeatable: all must match).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// List the selected vectors instead of running them.
        #[arg(long)]
        list: bool,
        /// Report format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Also list the vectors that passed (text format).
        #[arg(long, short)]
        verbose: bool,
    },
    /// Work with the vector files.
    Vectors {
        #[command(subcommand)]
        command: VectorsCommand,
    },
    /// Encode human frame strings; print one line of lowercase hex per frame.
    ///
    /// Example: hgframe encode "1 1 stream-begin command-request new cbor:{b'name': b'heads'}"
    Encode {
        /// Human frame strings: "<request-id> <stream-id> <stream-flags> <type> <flags> <payload>".
        #[arg(required = true, value_name = "HUMAN", allow_hyphen_values = true)]
        frames: Vec<String>,
    },
    /// Decode binary frames from FILE (or standard input); print one human
    /// frame string per frame.
    Decode {
        /// The file to read; standard input when absent or "-".
        file: Option<PathBuf>,
        /// The input is hexadecimal text (whitespace is ignored).
        #[arg(long)]
        hex: bool,
        /// Print the seed's repr of each frame instead of a human string.
        #[arg(long)]
        repr: bool,
        /// Refuse frames whose payload is longer than this many bytes.
        #[arg(long, value_name = "BYTES")]
        max_payload: Option<usize>,
    },
    /// Drive a server reactor by hand: one frame or API call per line, from
    /// FILE or standard input; prints each resulting action.
    ///
    /// Lines: a human frame string (a frame received), `makeoutputstream`,
    /// `oncommandresponseready SID, RID, DATA`, `oncommandresponsereadygen SID,
    /// RID, [CHUNKS]`, `oncommanderror SID, RID, MESSAGE[, ARGS]`,
    /// `onservererror SID, RID, MESSAGE`, `oninputeof`, `consume gN[, COUNT]`,
    /// `autoconsume on|off`, `state`. Arguments are Python literals.
    Server {
        /// The file to read; standard input when absent or "-".
        file: Option<PathBuf>,
        /// Buffer responses until input ends (the seed's deferoutput).
        #[arg(long)]
        defer_output: bool,
        /// Print each input line too, prefixed with "> " (a transcript).
        #[arg(long)]
        echo: bool,
    },
    /// Drive a client reactor by hand: one frame or API call per line, from
    /// FILE or standard input; prints each resulting action.
    ///
    /// Lines: a human frame string (a frame received), `callcommand NAME[,
    /// ARGS[, DATA]]`, `flushcommands`, `consume gN[, COUNT]`, `autoconsume
    /// on|off`, `state`. Arguments are Python literals.
    Client {
        /// The file to read; standard input when absent or "-".
        file: Option<PathBuf>,
        /// The transport can send more than once (the seed's hasmultiplesend).
        #[arg(long)]
        has_multiple_send: bool,
        /// Send each command at once instead of buffering it until
        /// flushcommands (the seed's buffersends=False).
        #[arg(long)]
        no_buffer_sends: bool,
        /// Print each input line too, prefixed with "> " (a transcript).
        #[arg(long)]
        echo: bool,
    },
}

/// Runs every line through the shell; bad lines are reported and skipped.
fn run_shell(
    mut shell: Shell,
    input: &[u8],
    echo: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let text = String::from_utf8(input.to_vec())
        .map_err(|e| Failure(format!("input is not UTF-8: {e}")))?;
    let mut bad = 0;
    for (number, line) in text.lines().enumerate() {
        if echo {
            writeln!(out, "> {line}")?;
        }
        match shell.run(line) {
            Ok(lines) => {
                for l in lines {
                    writeln!(out, "{l}")?;
                }
            }
            Err(e) => {
                eprintln!("hgframe: error: line {}: {e}", number + 1);
                bad += 1;
            }
        }
    }
    if bad > 0 {
        return Err(Failure(format!("{bad} line(s) could not be read")));
    }
    Ok(())
}

/// A failure to report: the message, printed to stderr, and exit status 2.
/// An empty message is a closed output pipe (`| head`), not an error.
struct Failure(String);

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure(String::new())
        } else {
            Failure(format!("cannot write: {e}"))
        }
    }
}

/// The vectors under `paths`, or the suite's own when none are given.
fn load_vectors(paths: &[PathBuf]) -> Result<Vec<vectors::model::Vector>, Failure> {
    let paths = if paths.is_empty() {
        let local = PathBuf::from("vectors");
        vec![if local.is_dir() {
            local
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")
        }]
    } else {
        paths.to_vec()
    };
    load::load_paths(&paths).map_err(|errors| {
        let mut message = format!("{} error(s) in the vector files:", errors.len());
        for e in errors {
            message.push_str(&format!("\n  {e}"));
        }
        Failure(message)
    })
}

/// `hgframe run`; returns whether every vector passed.
fn run_vectors(
    paths: &[PathBuf],
    ids: &[String],
    tags: &[String],
    list: bool,
    format: Format,
    verbose: bool,
    out: &mut impl Write,
) -> Result<bool, Failure> {
    let all = load_vectors(paths)?;
    let filter =
        runner::Filter::new(ids, tags).map_err(|e| Failure(format!("bad --id glob: {e}")))?;
    let selected: Vec<_> = all.iter().filter(|v| filter.selects(v)).collect();
    if list {
        for v in &selected {
            writeln!(out, "{}\t[{}]\t{}", v.id, v.tags.join(","), v.description)?;
        }
        writeln!(out, "{} vectors", selected.len())?;
        return Ok(true);
    }
    let reports: Vec<_> = selected
        .iter()
        .map(|v| runner::report(v, runner::status_of(v, &vectors::run_reference(v))))
        .collect();
    let text = match format {
        Format::Text => runner::text(&reports, verbose),
        Format::Json => runner::json(&reports) + "\n",
        Format::Junit => runner::junit(&reports),
    };
    out.write_all(text.as_bytes())?;
    if !matches!(format, Format::Text) {
        eprintln!("{}", runner::Totals::of(&reports).line());
    }
    Ok(runner::Totals::of(&reports).failed == 0)
}

fn encode(frames: &[String], out: &mut impl Write) -> Result<(), Failure> {
    for (i, human) in frames.iter().enumerate() {
        let frame =
            parse_human(human).map_err(|e| Failure(format!("frame {} ({human:?}): {e}", i + 1)))?;
        let bytes = frame
            .to_bytes()
            .map_err(|e| Failure(format!("frame {} ({human:?}): {e}", i + 1)))?;
        writeln!(out, "{}", hex::encode(bytes))?;
    }
    Ok(())
}

fn read_input(file: Option<&PathBuf>) -> Result<Vec<u8>, Failure> {
    let mut data = Vec::new();
    match file {
        Some(path) if path.as_os_str() != "-" => {
            data = std::fs::read(path)
                .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
        }
        _ => {
            io::stdin()
                .read_to_end(&mut data)
                .map_err(|e| Failure(format!("cannot read standard input: {e}")))?;
        }
    }
    Ok(data)
}

fn decode_hex(text: &[u8]) -> Result<Vec<u8>, Failure> {
    let digits: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    hex::decode(&digits).map_err(|e| Failure(format!("invalid hex input: {e}")))
}

fn decode(
    data: &[u8],
    repr: bool,
    options: &ReadOptions,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let mut reader = data;
    let mut index = 0;
    loop {
        let offset = data.len() - reader.len();
        let frame = match read_frame(&mut reader, options) {
            Ok(Some(frame)) => frame,
            Ok(None) => return Ok(()),
            Err(e) => {
                return Err(Failure(format!(
                    "frame {} at byte {offset}: {e}",
                    index + 1
                )));
            }
        };
        let line = if repr {
            frame.to_string()
        } else {
            format_human(&frame)
        };
        writeln!(out, "{line}")?;
        index += 1;
    }
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Encode { frames } => encode(&frames, &mut out).map(|()| ExitCode::SUCCESS),
        Command::Decode {
            file,
            hex,
            repr,
            max_payload,
        } => {
            let mut data = read_input(file.as_ref())?;
            if hex {
                data = decode_hex(&data)?;
            }
            let options = ReadOptions {
                max_payload_len: max_payload,
            };
            decode(&data, repr, &options, &mut out).map(|()| ExitCode::SUCCESS)
        }
        Command::Server {
            file,
            defer_output,
            echo,
        } => {
            let input = read_input(file.as_ref())?;
            let options = ServerOptions {
                defer_output,
                ..ServerOptions::default()
            };
            run_shell(Shell::server(options), &input, echo, &mut out).map(|()| ExitCode::SUCCESS)
        }
        Command::Client {
            file,
            has_multiple_send,
            no_buffer_sends,
            echo,
        } => {
            let input = read_input(file.as_ref())?;
            let options = ClientOptions {
                has_multiple_send,
                buffer_sends: !no_buffer_sends,
            };
            run_shell(Shell::client(options), &input, echo, &mut out).map(|()| ExitCode::SUCCESS)
        }
        Command::Run {
            paths,
            ids,
            tags,
            list,
            format,
            verbose,
        } => {
            let passed = run_vectors(&paths, &ids, &tags, list, format, verbose, &mut out)?;
            Ok(if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Vectors {
            command: VectorsCommand::Export { paths, output },
        } => {
            let all = load_vectors(&paths)?;
            let doc = serde_json::to_string_pretty(&vectors::export::export(&all))
                .map_err(|e| Failure(e.to_string()))?;
            match output {
                Some(path) => std::fs::write(&path, doc + "\n")
                    .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?,
                None => writeln!(out, "{doc}")?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Failure(message)) if message.is_empty() => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("hgframe: error: {message}");
            ExitCode::from(2)
        }
    }
}
