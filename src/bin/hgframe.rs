//! The `hgframe` command line: a thin layer over the library.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
#[cfg(feature = "diff")]
use hgframe::conformance::diff;
use hgframe::conformance::driver;
use hgframe::conformance::error_map::ErrorMap;
use hgframe::conformance::run::{Choice, RunOptions, Suite, SuiteError, positive_seconds};
use hgframe::conformance::shell::Shell;
use hgframe::conformance::vectors::compare::Level;
use hgframe::conformance::vectors::expectations::{self, Expectations};
use hgframe::conformance::vectors::runner::Format;
use hgframe::conformance::vectors::{self, runner};
use hgframe::frame::{ReadOptions, read_frame};
use hgframe::protocol::{Protocol, UnknownProtocol};
use hgframe::reactor::{ClientOptions, ServerOptions};
use hgframe::text::{format_human_in, parse_human_in};

/// Reference codec and conformance tools for Mercurial's frame-based wire
/// protocol (2018 revision).
#[derive(Parser)]
#[command(name = "hgframe", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Which vectors: the files, and the id and tag selection of `run` and
/// `report`.
#[derive(clap::Args)]
struct Selection {
    /// Vector files or directories; the suite's vectors/ by default.
    paths: Vec<PathBuf>,
    /// Run only the vectors whose id matches this glob (repeatable).
    #[arg(long = "id", value_name = "GLOB")]
    ids: Vec<String>,
    /// Run only the vectors with this tag (repeatable: all must match).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Skip the selected vectors whose id matches this glob (repeatable);
    /// they are reported as skipped.
    #[arg(long = "exclude-id", value_name = "GLOB")]
    exclude_ids: Vec<String>,
    /// Skip the selected vectors with this tag (repeatable), e.g.
    /// `--exclude-tag deviation --exclude-tag extension` for an
    /// implementation that follows the seed exactly.
    #[arg(long = "exclude-tag", value_name = "TAG")]
    exclude_tags: Vec<String>,
    /// Run only the vectors of this protocol revision (repeatable; all by
    /// default): `hg-framing-2018` (the seed's, media type ...-0005) or
    /// `hg-framing-0006` (Mercurial 4.8 and later).
    #[arg(long = "protocol", value_name = "REVISION", value_parser = parse_protocol)]
    protocols: Vec<Protocol>,
}

fn parse_protocol(name: &str) -> Result<Protocol, UnknownProtocol> {
    Protocol::parse(name)
}

impl Selection {
    fn filter(&self) -> Result<runner::Filter, Failure> {
        runner::Filter::new(&self.ids, &self.tags)
            .and_then(|f| f.excluding(&self.exclude_ids, &self.exclude_tags))
            .map(|f| f.of_protocols(&self.protocols))
            .map_err(|e| Failure(format!("bad --id or --exclude-id glob: {e}")))
    }
}

#[derive(clap::Args)]
struct RunArgs {
    #[command(flatten)]
    select: Selection,
    /// List the selected vectors instead of running them.
    #[arg(long)]
    list: bool,
    /// List the tags of the selected vectors, with their counts and what
    /// they mean.
    #[arg(long)]
    list_tags: bool,
    /// List every error class the vectors name, with its count (for
    /// writing an --error-map).
    #[arg(long)]
    list_classes: bool,
    /// Let a run in which every vector that ran was unimplemented succeed.
    #[arg(long)]
    allow_unimplemented: bool,
    /// How closely outcomes must match: `exact` (bytes byte for byte,
    /// messages word for word) or `semantic` (frames by header fields and
    /// CBOR values, errors by class; what passes only here is non-strict).
    #[arg(long, value_enum, default_value = "exact")]
    level: Level,
    /// The exact level (as --level exact; not with --level): what would be
    /// non-strict fails.
    #[arg(long, conflicts_with = "level")]
    strict: bool,
    /// An error map: the implementation's own error messages, as regular
    /// expressions, and the class of each (docs/driver-protocol.md).
    #[arg(long, value_name = "FILE")]
    error_map: Option<PathBuf>,
    /// Report format on standard output.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also list the vectors that passed, failed as expected or are
    /// unimplemented (text format).
    #[arg(long, short)]
    verbose: bool,
    /// Run the vectors against this command instead of the built-in
    /// reference; it must speak the driver protocol (docs/driver-protocol.md).
    /// Split like a shell command line, e.g. "python3 adapter.py --fast".
    #[arg(long = "impl", value_name = "COMMAND")]
    implementation: Option<String>,
    /// Seconds to wait for each answer of the implementation.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// An expectation file: which vectors are known to fail and why.
    #[arg(long, value_name = "FILE")]
    expectations: Option<PathBuf>,
    /// Write the results of this run as an expectation file (a new
    /// baseline; entries of --expectations that still hold are kept).
    #[arg(long, value_name = "FILE")]
    write_expectations: Option<PathBuf>,
    /// Also write the JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

#[cfg(feature = "diff")]
#[derive(clap::Args)]
struct DiffArgs {
    /// The implementation: a command that speaks the driver protocol
    /// (docs/driver-protocol.md), split like a shell command line.
    #[arg(long = "impl", value_name = "COMMAND")]
    implementation: String,
    /// The seed of the random scenarios (random when absent; the summary
    /// prints it).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// How many cases to run (1000 when neither --cases nor --time is
    /// given).
    #[arg(long, value_name = "N", conflicts_with = "time")]
    cases: Option<u64>,
    /// Run cases for this many seconds.
    #[arg(long, value_name = "SECONDS")]
    time: Option<f64>,
    /// Run only case K of the seed (to reproduce a mismatch).
    #[arg(long, value_name = "K", conflicts_with_all = ["cases", "time"])]
    case: Option<u64>,
    /// An expectation file: mismatch classes (globs over
    /// diff/<target>[/long-frame]/<operation>/<reference>) that are known differences.
    #[arg(long, value_name = "FILE")]
    expectations: Option<PathBuf>,
    /// Write each shrunk mismatch as a vector file into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Seconds to wait for each answer of the implementation.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// The most scenarios to try while shrinking one mismatch.
    #[arg(long, value_name = "N", default_value_t = diff::SHRINK_BUDGET)]
    shrink_budget: usize,
}

#[cfg(feature = "report")]
#[derive(clap::Args)]
struct ReportArgs {
    /// The vectors, in every column: a saved run's too (its excluded
    /// vectors become skipped).
    #[command(flatten)]
    select: Selection,
    /// A column of the report: run the vectors against COMMAND, which
    /// speaks the driver protocol, as `hgframe run --impl COMMAND` does,
    /// and call it NAME (letters, digits, '.', '_', '-'). Repeatable; the
    /// columns are in the order of --impl and --from.
    #[arg(long = "impl", value_name = "NAME=COMMAND")]
    implementations: Vec<String>,
    /// A column of the report from a saved run: a JSON report of `hgframe
    /// run --format json` (or its --json FILE), or DIR/NAME.json of an
    /// earlier report. Repeatable.
    #[arg(long = "from", value_name = "NAME=FILE")]
    saved: Vec<String>,
    /// The expectation file of the --impl NAME (repeatable, one per NAME).
    #[arg(long, value_name = "NAME=FILE")]
    expectations: Vec<String>,
    /// The error map of the --impl NAME (repeatable, one per NAME).
    #[arg(long = "error-map", value_name = "NAME=FILE")]
    error_maps: Vec<String>,
    /// The comparison level, `exact` (the default) or `semantic`: of every
    /// --impl, or of the --impl NAME as NAME=LEVEL (repeatable).
    #[arg(long = "level", value_name = "[NAME=]LEVEL")]
    levels: Vec<String>,
    /// Seconds to wait for each answer of an implementation.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// The directory to write the report into (made if missing):
    /// index.html, report.md, and each column's JSON report as NAME.json.
    #[arg(long, short, value_name = "DIR", default_value = "report")]
    output: PathBuf,
    /// Also add the Markdown tables to this file, made if missing, after
    /// what it holds (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// The report's title.
    #[arg(long, default_value = "hgframe conformance report")]
    title: String,
}

#[derive(Subcommand)]
enum VectorsCommand {
    /// Write seed corpora for the fuzz targets: every frame, human string,
    /// literal and CBOR payload of the vectors, one file each, under
    /// DIR/<target>/ (files already there are kept).
    Corpus {
        /// Vector files or directories; the suite's vectors/ by default.
        paths: Vec<PathBuf>,
        /// The corpus directory.
        #[arg(long, short, default_value = "fuzz/corpus")]
        output: PathBuf,
    },
    /// Write the whole suite as JSON, each step in the driver protocol's
    /// encoding: frames and bytes in hex, values as typed JSON (schema:
    /// docs/vectors.schema.json).
    Export {
        /// Vector files or directories; the suite's vectors/ by default.
        paths: Vec<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Convert vector files of format 1 to the current format, and fill in
    /// the classes a file lacks, in place: each protocol error and each
    /// `programming` or `value` exception gets its class, as the reference
    /// gives it. A file that nothing changes is left as it is.
    Upgrade {
        /// Vector files to convert.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Rewrite a vector file with every step expecting what an
    /// implementation gives (the reference, or --impl): for writing the
    /// expected values of new vectors from an oracle. Comments and layout
    /// are not kept; review the result like code.
    Record {
        /// The vector file.
        file: PathBuf,
        /// The implementation whose outcomes become the expectations, as
        /// for `hgframe run --impl`.
        #[arg(long = "impl")]
        implementation: Option<String>,
        /// Seconds to wait for each answer.
        #[arg(long, default_value_t = 10.0)]
        timeout: f64,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Run the conformance vectors against the built-in reference, or
    /// against another implementation with --impl.
    ///
    /// Ends with the line `N passed, N failed, N skipped` (with the counts of
    /// unimplemented vectors, expected failures and unexpected passes between
    /// when there are any); exits with 1 when a vector fails, passes against
    /// an expectation, or an expectation matches no vector, and when nothing
    /// was tested: no vector selected, every one skipped, every one that ran
    /// unimplemented (unless --allow-unimplemented), or none passed; each
    /// reason is printed; the counts include broken vectors (the adapter
    /// crashed, hung or answered garbage) when there are any. Exits with 2
    /// on malformed input; a malformed vector file is reported first and
    /// the others still run.
    Run(RunArgs),
    /// Differential testing: run random scenarios through the built-in
    /// reference and another implementation, and shrink each disagreement
    /// into a vector (docs/differential.md).
    ///
    /// Shows a progress bar on a terminal; prints a summary, the known
    /// differences and, for each new mismatch, both traces side by side.
    /// Exits with 1 when it finds a mismatch no expectation describes or
    /// when no case was compared (the implementation could run none), and
    /// with 2 on bad input.
    #[cfg(feature = "diff")]
    Diff(DiffArgs),
    /// Run the vectors against several implementations, or read their
    /// saved runs, and write one report: a static HTML page and Markdown
    /// tables.
    ///
    /// Each --impl NAME=COMMAND and --from NAME=FILE is a column; each
    /// --impl has its own --expectations, --error-map and --level, given as
    /// NAME=VALUE. DIR/index.html is one self-contained page (it works from
    /// file://): each implementation's totals; a matrix of the vectors,
    /// grouped by area, one colour and one word per verdict; filters by
    /// text, tag, implementation and verdict; and a panel per vector with
    /// each failing step's input, expected and actual outcomes side by
    /// side and their differences marked. The filters and the open panel
    /// are read from the URL and kept in it, so that a link shows what you
    /// saw: index.html#verdict=failed&impl=hg47&tag=server&text=header&open=VECTOR-ID.
    /// DIR/report.md holds the totals, the results by area and the vectors
    /// that need attention, for a README or a CI summary.
    ///
    /// Example: hgframe report --impl ref='hgframe testee'
    /// --impl hg47=adapters/mercurial-4.7/run
    /// --expectations hg47=adapters/mercurial-4.7/expectations.yaml -o report/
    ///
    /// Prints a line of totals per implementation and the files written.
    /// Exits with 0 once the report is written, whatever its verdicts
    /// (`hgframe run` is the check that fails), and with 2 on bad input,
    /// an implementation that does not start, or a saved run that cannot
    /// be read; a malformed vector file is reported first, the others
    /// still run and the report is written, then it exits with 2.
    #[cfg(feature = "report")]
    Report(ReportArgs),
    /// Speak the driver protocol on standard input and output as the
    /// built-in reference (docs/driver-protocol.md), for
    /// `hgframe run --impl "hgframe testee"`.
    Testee,
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
        /// The protocol revision whose frame type names to read.
        #[arg(long, value_name = "REVISION", value_parser = parse_protocol, default_value = "hg-framing-2018")]
        protocol: Protocol,
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
        /// The protocol revision whose frame type names to print.
        #[arg(long, value_name = "REVISION", value_parser = parse_protocol, default_value = "hg-framing-2018")]
        protocol: Protocol,
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
        /// The protocol revision the server speaks, and whose frame type
        /// names the lines use (hg-framing-0006: it starts in initial and
        /// takes sender protocol settings).
        #[arg(long, value_name = "REVISION", value_parser = parse_protocol, default_value = "hg-framing-2018")]
        protocol: Protocol,
        /// Print each input line too, prefixed with "> " (a transcript).
        #[arg(long)]
        echo: bool,
    },
    /// Drive a client reactor by hand: one frame or API call per line, from
    /// FILE or standard input; prints each resulting action.
    ///
    /// Lines: a human frame string (a frame received), `callcommand NAME[,
    /// ARGS[, DATA[, REDIRECT]]]`, `flushcommands`, `consume gN[, COUNT]`, `autoconsume
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
        /// The protocol revision the client speaks, and whose frame type
        /// names the lines use (hg-framing-0006: it decodes encoded frames
        /// and reads stream settings).
        #[arg(long, value_name = "REVISION", value_parser = parse_protocol, default_value = "hg-framing-2018")]
        protocol: Protocol,
        /// The later revision: content encoders to offer the server, comma
        /// separated (`zstd-8mb,zlib,identity`), in a sender protocol
        /// settings frame before the first command.
        #[arg(long, value_name = "NAMES", value_delimiter = ',')]
        content_encoders: Vec<String>,
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
    Suite::load(paths)
        .map(|suite| suite.vectors().to_vec())
        .map_err(|e| Failure(e.to_string()))
}

fn write_file(path: &PathBuf, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text).map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))
}

/// `hgframe run`; returns whether the run succeeded. Vector files that do
/// not load are reported first; the others run, and the run then fails
/// with status 2.
fn run_vectors(args: RunArgs, out: &mut impl Write) -> Result<bool, Failure> {
    let suite = Suite::load_partial(&args.select.paths);
    let broken = SuiteError::Load(suite.errors().to_vec());
    if !suite.errors().is_empty() {
        if suite.vectors().is_empty() {
            return Err(Failure(broken.to_string()));
        }
        eprintln!("hgframe: error: {broken}; running the others");
    }
    let ok = run_loaded(&suite, args, out)?;
    match suite.errors().len() {
        0 => Ok(ok),
        n => Err(Failure(format!(
            "{n} error(s) in the vector files (listed above); the other files ran"
        ))),
    }
}

/// How many of `vectors` name each error class, by class.
fn class_counts<'a>(
    vectors: impl Iterator<Item = &'a hgframe::conformance::vectors::model::Vector>,
) -> std::collections::BTreeMap<&'a str, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for v in vectors {
        let mut classes: Vec<&str> = v.steps.iter().flat_map(|s| s.expect.classes()).collect();
        classes.sort_unstable();
        classes.dedup();
        for c in classes {
            *counts.entry(c).or_default() += 1;
        }
    }
    counts
}

/// Runs the vectors of `suite` as `args` say.
fn run_loaded(suite: &Suite, args: RunArgs, out: &mut impl Write) -> Result<bool, Failure> {
    let filter = args.select.filter()?;
    if args.list {
        let mut count = 0;
        for v in suite.select(&filter) {
            let skipped = filter
                .excluded(v)
                .map_or(String::new(), |why| format!("\t(skipped: {why})"));
            writeln!(
                out,
                "{}\t[{}]\t{}{skipped}",
                v.id,
                v.tags.join(","),
                v.description
            )?;
            count += 1;
        }
        writeln!(out, "{count} vectors")?;
        if count == 0 {
            eprintln!("hgframe: no vector was selected: the filter matches none");
        }
        return Ok(count > 0);
    }
    if args.list_tags {
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        for v in suite.select(&filter) {
            for t in &v.tags {
                *counts.entry(t.as_str()).or_default() += 1;
            }
        }
        for (tag, count) in &counts {
            let meaning = runner::TAGS
                .iter()
                .find(|(t, _)| t == tag)
                .map_or("(not described)", |(_, m)| m);
            writeln!(out, "{tag:<14}{count:>5}  {meaning}")?;
        }
        if counts.is_empty() {
            eprintln!("hgframe: no vector was selected: the filter matches none");
        }
        return Ok(!counts.is_empty());
    }
    if args.list_classes {
        let classes = class_counts(suite.select(&filter));
        for (class, count) in &classes {
            writeln!(out, "{class:<32}{count:>5}")?;
        }
        writeln!(out, "{} classes", classes.len())?;
        return Ok(!classes.is_empty());
    }
    let expectations = match &args.expectations {
        Some(path) => Some(Expectations::load(path).map_err(|e| Failure(e.to_string()))?),
        None => None,
    };
    let error_map = match &args.error_map {
        Some(path) => Some(ErrorMap::load(path).map_err(|e| Failure(e.to_string()))?),
        None => None,
    };
    let choice = Choice::from_args(args.implementation.as_deref(), args.timeout)
        .map_err(|e| Failure(e.to_string()))?;
    let implementation = choice.open().map_err(|e| Failure(e.to_string()))?;
    let options = RunOptions {
        filter,
        expectations,
        command: choice.command().map(str::to_string),
        allow_unimplemented: args.allow_unimplemented,
        level: if args.strict {
            Level::Exact
        } else {
            args.level
        },
        error_map,
    };
    let run = suite.run(implementation, &options);
    let expectations = options.expectations.as_ref();
    if let Some(path) = &args.write_expectations {
        write_file(
            path,
            &expectations::write(
                &run,
                expectations,
                &suite
                    .vectors()
                    .iter()
                    .map(|v| v.id.as_str())
                    .collect::<Vec<_>>(),
            ),
        )?;
    }
    for (path, format) in [(&args.junit, Format::Junit), (&args.json, Format::Json)] {
        if let Some(path) = path {
            write_file(path, &format.render(&run, false))?;
        }
    }
    out.write_all(args.format.render(&run, args.verbose).as_bytes())?;
    if args.format != Format::Text {
        for problem in &run.problems {
            eprintln!("hgframe: {problem}");
        }
        eprintln!("{}", run.totals.line());
    }
    Ok(run.ok())
}

fn encode(protocol: Protocol, frames: &[String], out: &mut impl Write) -> Result<(), Failure> {
    for (i, human) in frames.iter().enumerate() {
        let frame = parse_human_in(protocol, human)
            .map_err(|e| Failure(format!("frame {} ({human:?}): {e}", i + 1)))?;
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
    protocol: Protocol,
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
            frame.repr_in(protocol).to_string()
        } else {
            format_human_in(protocol, &frame)
        };
        writeln!(out, "{line}")?;
        index += 1;
    }
}

/// Runs the command `cli`, which `matches` parsed (for the order of
/// `hgframe report`'s columns).
#[cfg_attr(not(feature = "report"), allow(unused_variables))]
fn run(cli: Cli, matches: &clap::ArgMatches) -> Result<ExitCode, Failure> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Encode { frames, protocol } => {
            encode(protocol, &frames, &mut out).map(|()| ExitCode::SUCCESS)
        }
        Command::Decode {
            file,
            hex,
            repr,
            max_payload,
            protocol,
        } => {
            let mut data = read_input(file.as_ref())?;
            if hex {
                data = decode_hex(&data)?;
            }
            let options = ReadOptions {
                max_payload_len: max_payload,
            };
            decode(protocol, &data, repr, &options, &mut out).map(|()| ExitCode::SUCCESS)
        }
        Command::Server {
            file,
            defer_output,
            protocol,
            echo,
        } => {
            let input = read_input(file.as_ref())?;
            let options = ServerOptions {
                defer_output,
                protocol,
                ..ServerOptions::default()
            };
            run_shell(Shell::server(options), &input, echo, &mut out).map(|()| ExitCode::SUCCESS)
        }
        Command::Client {
            file,
            has_multiple_send,
            no_buffer_sends,
            protocol,
            content_encoders,
            echo,
        } => {
            let input = read_input(file.as_ref())?;
            let content_encoders = if content_encoders.is_empty() {
                hgframe::cbor::Value::Null
            } else {
                hgframe::cbor::Value::Array(
                    content_encoders
                        .iter()
                        .map(hgframe::cbor::Value::bytes)
                        .collect(),
                )
            };
            let options = ClientOptions {
                has_multiple_send,
                buffer_sends: !no_buffer_sends,
                protocol,
                content_encoders,
                ..ClientOptions::default()
            };
            run_shell(Shell::client(options), &input, echo, &mut out).map(|()| ExitCode::SUCCESS)
        }
        Command::Run(args) => run_vectors(args, &mut out).map(success_or_1),
        #[cfg(feature = "report")]
        Command::Report(args) => write_report(args, matches, &mut out).map(|()| ExitCode::SUCCESS),
        #[cfg(feature = "diff")]
        Command::Diff(args) => run_diff(args, &mut out).map(success_or_1),
        Command::Testee => {
            let stdin = io::stdin();
            driver::testee::serve(stdin.lock(), &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Vectors {
            command: VectorsCommand::Corpus { paths, output },
        } => {
            let all = load_vectors(&paths)?;
            let corpus = hgframe::fuzzing::corpus::from_vectors(&all);
            let new = hgframe::fuzzing::corpus::write(&corpus, &output)
                .map_err(|e| Failure(format!("cannot write {}: {e}", output.display())))?;
            for (target, seeds) in &corpus {
                writeln!(out, "{target}: {} seeds", seeds.len())?;
            }
            writeln!(out, "{new} new files under {}", output.display())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Vectors {
            command: VectorsCommand::Upgrade { files },
        } => {
            for file in &files {
                let text = std::fs::read_to_string(file)
                    .map_err(|e| Failure(format!("{}: cannot read: {e}", file.display())))?;
                let (upgraded, classes) = vectors::upgrade::upgrade(file, &text)
                    .map_err(|e| Failure(format!("{}: {e}", file.display())))?;
                if upgraded != text {
                    write_file(file, &upgraded)?;
                }
                writeln!(
                    out,
                    "{}: format {}, {classes} classes",
                    file.display(),
                    vectors::spec::FORMAT
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Vectors {
            command:
                VectorsCommand::Record {
                    file,
                    implementation,
                    timeout,
                    output,
                },
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Failure(format!("{}: cannot read: {e}", file.display())))?;
            let choice = Choice::from_args(implementation.as_deref(), timeout)
                .map_err(|e| Failure(e.to_string()))?;
            let mut implementation = choice.open().map_err(|e| Failure(e.to_string()))?;
            let (recorded, stopped) = vectors::write::record(&file, &text, implementation.as_mut())
                .map_err(|e| Failure(format!("{}: {e}", file.display())))?;
            for (id, why) in &stopped {
                eprintln!("hgframe: {id}: the run stopped early: {why}");
            }
            match output {
                Some(path) => write_file(&path, &recorded)?,
                None => write!(out, "{recorded}")?,
            }
            Ok(ExitCode::SUCCESS)
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

/// `hgframe report`.
#[cfg(feature = "report")]
fn write_report(
    args: ReportArgs,
    matches: &clap::ArgMatches,
    out: &mut impl Write,
) -> Result<(), Failure> {
    use hgframe::conformance::report::{self, Matrix, Plan};
    let fail = |e: report::ReportError| Failure(e.to_string());
    let mut plan = Plan::new();
    // The columns in the order of the command line, --impl and --from mixed.
    let mut columns: Vec<(usize, bool, &String)> = Vec::new();
    if let Some(("report", report)) = matches.subcommand() {
        let at = |id: &str| report.indices_of(id).map(Iterator::collect::<Vec<_>>);
        for (index, argument) in at("implementations")
            .unwrap_or_default()
            .into_iter()
            .zip(&args.implementations)
        {
            columns.push((index, true, argument));
        }
        for (index, argument) in at("saved").unwrap_or_default().into_iter().zip(&args.saved) {
            columns.push((index, false, argument));
        }
    }
    columns.sort_by_key(|&(index, _, _)| index);
    for (_, run, argument) in columns {
        if run {
            plan.run(argument)
        } else {
            plan.saved(argument)
        }
        .map_err(fail)?;
    }
    for level in &args.levels {
        plan.level(level).map_err(fail)?;
    }
    for file in &args.expectations {
        plan.expectations(file).map_err(fail)?;
    }
    for file in &args.error_maps {
        plan.error_map(file).map_err(fail)?;
    }
    let filter = args.select.filter()?;
    // As `hgframe run`: the files that load run, those that do not are
    // reported first, recorded in each run, and fail the command once the
    // report is written.
    let suite = Suite::load_partial(&args.select.paths);
    let broken = SuiteError::Load(suite.errors().to_vec());
    if !suite.errors().is_empty() {
        if suite.vectors().is_empty() {
            return Err(Failure(broken.to_string()));
        }
        eprintln!("hgframe: error: {broken}; running the others");
    }
    report::make_dir(&args.output).map_err(fail)?;
    if let Some(path) = &args.markdown {
        report::check_markdown(path).map_err(fail)?;
    }
    // A line per implementation as soon as it has run.
    let mut closed = None;
    let columns = plan
        .columns(&suite, &filter, args.timeout, |column| {
            let line = format!("{}: {}", column.name, column.run.totals().line());
            if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                closed.get_or_insert(e);
            }
        })
        .map_err(fail)?;
    if let Some(e) = closed {
        return Err(e.into());
    }
    let matrix = Matrix::new(columns, &suite);
    let written = report::write(&matrix, &args.title, &args.output, args.markdown.as_deref())
        .map_err(fail)?;
    writeln!(out, "wrote {}", written.html.display())?;
    for path in written.markdown.iter().chain(&written.json) {
        writeln!(out, "wrote {}", path.display())?;
    }
    match suite.errors().len() {
        0 => Ok(()),
        n => Err(Failure(format!(
            "{n} error(s) in the vector files (listed above); the report holds the other files' vectors"
        ))),
    }
}

/// `hgframe diff`; returns whether no new mismatch was found.
#[cfg(feature = "diff")]
fn run_diff(args: DiffArgs, out: &mut impl Write) -> Result<bool, Failure> {
    let expectations = args
        .expectations
        .as_deref()
        .map(Expectations::load)
        .transpose()
        .map_err(|e| Failure(e.to_string()))?;
    let time = args
        .time
        .map(|t| {
            positive_seconds(t)
                .ok_or_else(|| Failure(format!("bad --time {t}: a positive number of seconds")))
        })
        .transpose()?;
    let implementation = Choice::from_args(Some(&args.implementation), args.timeout)
        .and_then(|choice| choice.open())
        .map_err(|e| Failure(e.to_string()))?;
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let differ = diff::Differ::new(implementation, expectations, seed)
        .map_err(|e| Failure(e.to_string()))?;
    let campaign = match args.case {
        Some(case) => diff::campaign::Campaign::one_case(seed, case),
        None => diff::campaign::Campaign {
            cases: args.cases,
            time,
            ..diff::campaign::Campaign::new(seed)
        },
    };
    let campaign = diff::campaign::Campaign {
        shrink_budget: args.shrink_budget,
        out: args.out,
        ..campaign
    };
    let report = diff::campaign::run(differ, &campaign, &mut diff::campaign::Bar::new())
        .map_err(|e| Failure(e.to_string()))?;
    write!(out, "{}", report.text())?;
    Ok(report.ok())
}

/// Exit status 0 for a run that succeeded, 1 for one that found problems.
fn success_or_1(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match run(cli, &matches) {
        Ok(code) => code,
        Err(Failure(message)) if message.is_empty() => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("hgframe: error: {message}");
            ExitCode::from(2)
        }
    }
}
