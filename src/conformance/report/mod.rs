//! `hgframe report`: the runs of several implementations side by side.
//!
//! Each implementation is a [`Column`]: a run of the suite against a
//! command that speaks the driver protocol, with its own expectations,
//! error map and level, or a run saved earlier as a JSON report (`hgframe
//! run --format json`). A [`Matrix`] puts them together, one row per
//! vector, grouped by area; [`html`] renders it as one self-contained page
//! (filters, every failure in detail) and [`markdown`] as tables for a
//! README or a CI summary. A run made here and a run read back from its
//! JSON go through the same [`saved`] form, so they give the same report.
//!
//! ```
//! use hgframe::conformance::reference::Reference;
//! use hgframe::conformance::report::{Column, Matrix, html, markdown};
//! use hgframe::conformance::run::{RunOptions, Suite};
//!
//! let suite = Suite::load(&["vectors/codec/header.yaml".into()]).unwrap();
//! let run = suite.run(Reference::new(), &RunOptions::default());
//! let matrix = Matrix::new(vec![Column::from_run("ref", &run).unwrap()], &suite);
//! assert_eq!(matrix.rows().len(), suite.vectors().len());
//! let page = html::render(&matrix, "The header vectors").unwrap();
//! assert!(page.contains("codec/header/decode-zero"));
//! assert!(markdown::render(&matrix, "The header vectors").contains("| ref |"));
//! ```

pub mod html;
pub mod markdown;
pub mod saved;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use saved::{SavedError, SavedRun, SavedVector};

use super::error_map::{ErrorMap, ErrorMapError};
use super::run::{Choice, ChoiceError, RunOptions, Suite};
use super::vectors::compare::Level;
use super::vectors::expectations::{Expectations, ExpectationsError};
use super::vectors::runner::{self, Filter, RunReport};

/// Why a report could not be made. Each names the implementation or the
/// file it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A `NAME=VALUE` argument without a name, or with a name that is not
    /// one.
    #[error("{flag} {value:?}: wants NAME={what}, NAME of letters, digits, '.', '_' and '-'")]
    Named {
        /// The flag (`--impl`).
        flag: &'static str,
        /// What follows `NAME=` for that flag (`COMMAND`).
        what: &'static str,
        /// The argument given.
        value: String,
    },
    /// A `--level` that is not one.
    #[error(
        "--level {0:?}: wants exact or semantic, or NAME=exact or NAME=semantic for one --impl"
    )]
    Level(String),
    /// A column whose name is not one ([`is_name`]): it would not be a
    /// file name of the report's directory.
    #[error("{0:?} cannot name an implementation: letters, digits, '.', '_' and '-'")]
    BadName(String),
    /// Two implementations of the same name.
    #[error("two implementations are named {0:?}")]
    DuplicateName(String),
    /// A flag for an implementation that no `--impl` or `--from` names.
    #[error("{flag} {name}=...: no --impl or --from is named {name:?}")]
    UnknownName {
        /// The flag.
        flag: &'static str,
        /// The name.
        name: String,
    },
    /// A flag that sets how a run is made, for a saved run.
    #[error(
        "{flag} {name}=...: {name:?} is a saved run (--from); its {what} are those it was run with"
    )]
    SavedRunOption {
        /// The flag.
        flag: &'static str,
        /// The name.
        name: String,
        /// What the flag sets, for the message.
        what: &'static str,
    },
    /// A flag given twice for one implementation.
    #[error("{flag} is given twice for {name:?}")]
    Twice {
        /// The flag.
        flag: &'static str,
        /// The name.
        name: String,
    },
    /// No implementation at all.
    #[error("no implementation: give --impl NAME=COMMAND or --from NAME=FILE.json")]
    Empty,
    /// An implementation's expectation file.
    #[error("{name}: {error}")]
    Expectations {
        /// The implementation.
        name: String,
        /// Why.
        error: Box<ExpectationsError>,
    },
    /// An implementation's error map.
    #[error("{name}: {error}")]
    ErrorMap {
        /// The implementation.
        name: String,
        /// Why.
        error: Box<ErrorMapError>,
    },
    /// An implementation that could not be started.
    #[error("{name}: {error}")]
    Start {
        /// The implementation.
        name: String,
        /// Why.
        error: Box<ChoiceError>,
    },
    /// A saved run that could not be read.
    #[error("{name}: {error}")]
    Saved {
        /// The implementation.
        name: String,
        /// Why.
        error: Box<SavedError>,
    },
    /// The page could not be rendered.
    #[error("cannot render the HTML report: {0}")]
    Render(Box<askama::Error>),
    /// A file of the report could not be written.
    #[error("cannot write {}: {error}", .path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

/// Whether `name` can name an implementation: letters, digits, `.`, `_`
/// and `-`, so that it is a file name too (`DIR/NAME.json`).
pub fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// `NAME=VALUE` split at its first `=`, for `flag` (`--impl`), whose
/// value is `what` (`COMMAND`).
pub fn split_named<'a>(
    flag: &'static str,
    what: &'static str,
    argument: &'a str,
) -> Result<(&'a str, &'a str), ReportError> {
    match argument.split_once('=') {
        Some((name, value)) if is_name(name) => Ok((name, value)),
        _ => Err(ReportError::Named {
            flag,
            what,
            value: argument.to_string(),
        }),
    }
}

/// One implementation of a report: its name, its run as the JSON report
/// holds it, and that JSON.
#[derive(Clone, Debug)]
pub struct Column {
    /// The name the command line gave it.
    pub name: String,
    /// Its run.
    pub run: SavedRun,
    /// Its JSON report, as `hgframe run --format json` writes it: for a
    /// saved run, the file as it was read, whatever the filter took out of
    /// `run`.
    pub json: String,
}

impl Column {
    /// The column `name` of a run made here.
    pub fn from_run(name: &str, run: &RunReport) -> Result<Column, ReportError> {
        let saved = |error| ReportError::Saved {
            name: name.to_string(),
            error: Box::new(error),
        };
        Ok(Column {
            name: name.to_string(),
            run: SavedRun::from_run(run).map_err(saved)?,
            json: runner::json(run) + "\n",
        })
    }

    /// The column `name` of the JSON report in the file `path`.
    pub fn load(name: &str, path: &Path) -> Result<Column, ReportError> {
        let saved = |error| ReportError::Saved {
            name: name.to_string(),
            error: Box::new(error),
        };
        let json = std::fs::read_to_string(path).map_err(|error| {
            saved(SavedError::Read {
                path: path.to_path_buf(),
                error,
            })
        })?;
        Ok(Column {
            name: name.to_string(),
            run: SavedRun::parse(&json, path).map_err(saved)?,
            json,
        })
    }
}

/// Where a column comes from.
#[derive(Clone, Debug)]
enum Source {
    /// A run of the suite against a command.
    Run(RunSettings),
    /// A saved JSON report.
    Saved(PathBuf),
}

/// How a column's run is made.
#[derive(Clone, Debug)]
struct RunSettings {
    command: String,
    expectations: Option<PathBuf>,
    error_map: Option<PathBuf>,
    level: Option<Level>,
}

/// The columns of a report before they are made: `hgframe report`'s
/// `--impl`, `--from`, `--expectations`, `--error-map` and `--level`, in
/// the order given.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    sources: Vec<(String, Source)>,
    level: Level,
}

impl Plan {
    /// A plan of no column.
    pub fn new() -> Plan {
        Plan::default()
    }

    fn add(&mut self, name: &str, source: Source) -> Result<(), ReportError> {
        if self.sources.iter().any(|(n, _)| n == name) {
            return Err(ReportError::DuplicateName(name.to_string()));
        }
        self.sources.push((name.to_string(), source));
        Ok(())
    }

    /// `--impl NAME=COMMAND`: a run against `COMMAND`, which speaks the
    /// driver protocol.
    pub fn run(&mut self, argument: &str) -> Result<(), ReportError> {
        let (name, command) = split_named("--impl", "COMMAND", argument)?;
        self.add(
            name,
            Source::Run(RunSettings {
                command: command.to_string(),
                expectations: None,
                error_map: None,
                level: None,
            }),
        )
    }

    /// `--from NAME=FILE`: a run saved as a JSON report.
    pub fn saved(&mut self, argument: &str) -> Result<(), ReportError> {
        let (name, path) = split_named("--from", "FILE", argument)?;
        self.add(name, Source::Saved(PathBuf::from(path)))
    }

    /// The settings of the run named `name`.
    fn settings(
        &mut self,
        flag: &'static str,
        what: &'static str,
        name: &str,
    ) -> Result<&mut RunSettings, ReportError> {
        let Some((_, source)) = self.sources.iter_mut().find(|(n, _)| n == name) else {
            return Err(ReportError::UnknownName {
                flag,
                name: name.to_string(),
            });
        };
        match source {
            Source::Run(settings) => Ok(settings),
            Source::Saved(_) => Err(ReportError::SavedRunOption {
                flag,
                name: name.to_string(),
                what,
            }),
        }
    }

    /// `--expectations NAME=FILE`: the expectation file of the run `NAME`.
    pub fn expectations(&mut self, argument: &str) -> Result<(), ReportError> {
        let (name, path) = split_named("--expectations", "FILE", argument)?;
        let settings = self.settings("--expectations", "expectations", name)?;
        set_once(
            &mut settings.expectations,
            PathBuf::from(path),
            "--expectations",
            name,
        )
    }

    /// `--error-map NAME=FILE`: the error map of the run `NAME`.
    pub fn error_map(&mut self, argument: &str) -> Result<(), ReportError> {
        let (name, path) = split_named("--error-map", "FILE", argument)?;
        let settings = self.settings("--error-map", "error map", name)?;
        set_once(
            &mut settings.error_map,
            PathBuf::from(path),
            "--error-map",
            name,
        )
    }

    /// `--level LEVEL` (every run's) or `--level NAME=LEVEL` (the run
    /// `NAME`'s).
    pub fn level(&mut self, argument: &str) -> Result<(), ReportError> {
        let parse = |text: &str| {
            <Level as clap::ValueEnum>::from_str(text, false)
                .map_err(|_| ReportError::Level(argument.to_string()))
        };
        match argument.split_once('=') {
            None => {
                self.level = parse(argument)?;
                Ok(())
            }
            Some(_) => {
                let (name, level) = split_named("--level", "LEVEL", argument)?;
                let level = parse(level)?;
                let settings = self.settings("--level", "level", name)?;
                set_once(&mut settings.level, level, "--level", name)
            }
        }
    }

    /// Makes every column, in order: runs the vectors of `suite` that
    /// `filter` selects against each command (waiting at most `timeout`
    /// for each answer), and reads each saved run, of which `filter` keeps
    /// the vectors it selects, those it excludes skipped (a vector that a
    /// saved run lacks the tags of has those of `suite`). Every column's inputs
    /// (saved runs, expectation files, error maps, the timeout) are read
    /// and checked first, so that a bad one is known before any run takes
    /// its time. `done` sees each column as soon as it is made.
    pub fn columns(
        &self,
        suite: &Suite,
        filter: &Filter,
        timeout: f64,
        mut done: impl FnMut(&Column),
    ) -> Result<Vec<Column>, ReportError> {
        if self.sources.is_empty() {
            return Err(ReportError::Empty);
        }
        let ready = self
            .sources
            .iter()
            .map(|(name, source)| Ok((name, self.prepare(name, source, suite, filter, timeout)?)))
            .collect::<Result<Vec<_>, ReportError>>()?;
        let mut columns = Vec::new();
        for (name, ready) in ready {
            let column = match ready {
                Ready::Saved(column) => column,
                Ready::Run(choice, options) => {
                    let implementation = choice.open().map_err(|error| ReportError::Start {
                        name: name.clone(),
                        error: Box::new(error),
                    })?;
                    Column::from_run(name, &suite.run(implementation, &options))?
                }
            };
            done(&column);
            columns.push(column);
        }
        Ok(columns)
    }

    /// What the column `name` needs, read and checked: its saved run, or
    /// its implementation and run options.
    fn prepare(
        &self,
        name: &str,
        source: &Source,
        suite: &Suite,
        filter: &Filter,
        timeout: f64,
    ) -> Result<Ready, ReportError> {
        let settings = match source {
            Source::Saved(path) => {
                let mut column = Column::load(name, path)?;
                column.run.select(filter, suite);
                return Ok(Ready::Saved(column));
            }
            Source::Run(settings) => settings,
        };
        let RunSettings {
            command,
            expectations,
            error_map,
            level,
        } = settings;
        let options = RunOptions {
            filter: filter.clone(),
            expectations: expectations
                .as_deref()
                .map(Expectations::load)
                .transpose()
                .map_err(|error| ReportError::Expectations {
                    name: name.to_string(),
                    error: Box::new(error),
                })?,
            command: Some(command.clone()),
            allow_unimplemented: false,
            level: level.unwrap_or(self.level),
            error_map: error_map
                .as_deref()
                .map(ErrorMap::load)
                .transpose()
                .map_err(|error| ReportError::ErrorMap {
                    name: name.to_string(),
                    error: Box::new(error),
                })?,
        };
        let choice =
            Choice::from_args(Some(command), timeout).map_err(|error| ReportError::Start {
                name: name.to_string(),
                error: Box::new(error),
            })?;
        Ok(Ready::Run(choice, options))
    }
}

/// A column ready to be made.
enum Ready {
    /// A saved run, read.
    Saved(Column),
    /// A run to make: its implementation and options.
    Run(Choice, RunOptions),
}

fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    flag: &'static str,
    name: &str,
) -> Result<(), ReportError> {
    if slot.is_some() {
        return Err(ReportError::Twice {
            flag,
            name: name.to_string(),
        });
    }
    *slot = Some(value);
    Ok(())
}

/// The area of a vector: its id less the last part (`codec/header` for
/// `codec/header/decode-zero`).
pub fn area(id: &str) -> &str {
    id.rsplit_once('/').map_or(id, |(area, _)| area)
}

/// `items` without the repeats, in the order of their first.
fn unique(mut items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(item.clone()));
    items
}

/// One vector of a report, with its result in each column.
#[derive(Clone, Debug)]
pub struct Row {
    /// The vector's id.
    pub id: String,
    /// What it shows.
    pub description: String,
    /// Its tags, each once.
    pub tags: Vec<String>,
    /// Its file and the line of its id.
    pub file: String,
    /// The line of its id.
    pub line: usize,
    /// The index of its report in each column's run, in column order
    /// (`None`: that column did not run it).
    cells: Vec<Option<usize>>,
}

/// Several runs side by side: a row per vector that any of them ran.
#[derive(Clone, Debug)]
pub struct Matrix {
    columns: Vec<Column>,
    rows: Vec<Row>,
}

impl Matrix {
    /// The matrix of `columns`. Rows are in the order of the vectors of
    /// `suite`, then those of the columns that `suite` lacks; a report
    /// that does not give a vector's description and tags (one written
    /// before they were in it) gets them from `suite`.
    pub fn new(columns: Vec<Column>, suite: &Suite) -> Matrix {
        let mut order: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let known: HashMap<&str, usize> = suite
            .vectors()
            .iter()
            .enumerate()
            .map(|(i, v)| (v.id.as_str(), i))
            .collect();
        let mut ids: Vec<&str> = columns
            .iter()
            .flat_map(|c| c.run.vectors.iter().map(|v| v.id.as_str()))
            .collect();
        // Stable: the suite's order first, then the columns' own.
        ids.sort_by_key(|id| known.get(id).copied().unwrap_or(usize::MAX));
        for id in ids {
            if !index.contains_key(id) {
                index.insert(id, order.len());
                order.push(id);
            }
        }
        let positions: Vec<HashMap<&str, usize>> = columns
            .iter()
            .map(|c| {
                let mut at = HashMap::new();
                for (i, v) in c.run.vectors.iter().enumerate() {
                    at.entry(v.id.as_str()).or_insert(i);
                }
                at
            })
            .collect();
        let rows = order
            .iter()
            .map(|&id| {
                let cells: Vec<Option<usize>> =
                    positions.iter().map(|at| at.get(id).copied()).collect();
                let reports: Vec<&SavedVector> = columns
                    .iter()
                    .zip(&cells)
                    .filter_map(|(c, i)| i.and_then(|i| c.run.vectors.get(i)))
                    .collect();
                let vector = known.get(id).and_then(|&i| suite.vectors().get(i));
                let first = reports.first();
                Row {
                    id: id.to_string(),
                    description: reports
                        .iter()
                        .find_map(|r| r.description.clone())
                        .or_else(|| vector.map(|v| v.description.clone()))
                        .unwrap_or_default(),
                    tags: unique(
                        reports
                            .iter()
                            .find_map(|r| r.tags.clone())
                            .or_else(|| vector.map(|v| v.tags.clone()))
                            .unwrap_or_default(),
                    ),
                    file: first.map(|r| r.file.clone()).unwrap_or_default(),
                    line: first.map_or(0, |r| r.line),
                    cells,
                }
            })
            .collect();
        Matrix { columns, rows }
    }

    /// The columns, in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The rows, in order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The report of `row`'s vector in column `column`, if it ran there.
    pub fn cell(&self, row: &Row, column: usize) -> Option<&SavedVector> {
        let i = (*row.cells.get(column)?)?;
        self.columns.get(column)?.run.vectors.get(i)
    }

    /// The rows by area, each area once, in the order of its first row.
    pub fn areas(&self) -> Vec<(&str, Vec<&Row>)> {
        let mut areas: Vec<(&str, Vec<&Row>)> = Vec::new();
        for row in &self.rows {
            let name = area(&row.id);
            match areas.iter_mut().find(|(a, _)| *a == name) {
                Some((_, rows)) => rows.push(row),
                None => areas.push((name, vec![row])),
            }
        }
        areas
    }
}

/// The files a report was written to.
#[derive(Clone, Debug)]
pub struct Written {
    /// The HTML page: `DIR/index.html`.
    pub html: PathBuf,
    /// The Markdown tables: `DIR/report.md`, and the extra file if any.
    pub markdown: Vec<PathBuf>,
    /// Each column's JSON report: `DIR/NAME.json`.
    pub json: Vec<PathBuf>,
}

/// Makes the directory `dir` of a report, if it is missing: before the
/// runs, so that a directory that cannot be made is known before they take
/// their time.
pub fn make_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|error| ReportError::Write {
        path: dir.to_path_buf(),
        error,
    })
}

/// Checks that the Markdown can be added to the file `path` (made, empty,
/// if missing): before the runs, as [`make_dir`].
pub fn check_markdown(path: &Path) -> Result<(), ReportError> {
    append(path, "").map(drop)
}

/// Writes the report of `matrix` into the directory `dir` (made if
/// missing): `index.html`, `report.md` and each column's JSON report as
/// `NAME.json` (which `--from NAME=DIR/NAME.json` reads again; a column
/// whose name is not one, [`is_name`], is refused); and adds
/// the Markdown to the file `markdown` too, when given (made if missing;
/// what it holds is kept, as a CI summary such as `$GITHUB_STEP_SUMMARY`
/// wants).
pub fn write(
    matrix: &Matrix,
    title: &str,
    dir: &Path,
    markdown: Option<&Path>,
) -> Result<Written, ReportError> {
    // A column's name is public: one that is no plain file name (`../x`)
    // would write its JSON report outside `dir`.
    if let Some(column) = matrix.columns().iter().find(|c| !is_name(&c.name)) {
        return Err(ReportError::BadName(column.name.clone()));
    }
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text)
            .map(|()| path.clone())
            .map_err(|error| ReportError::Write { path, error })
    };
    make_dir(dir)?;
    let page = html::render(matrix, title).map_err(|e| ReportError::Render(Box::new(e)))?;
    let md = markdown::render(matrix, title);
    let mut written = Written {
        html: write(dir.join("index.html"), &page)?,
        markdown: vec![write(dir.join("report.md"), &md)?],
        json: Vec::new(),
    };
    if let Some(path) = markdown {
        written.markdown.push(append(path, &md)?);
    }
    for column in matrix.columns() {
        written.json.push(write(
            dir.join(format!("{}.json", column.name)),
            &column.json,
        )?);
    }
    Ok(written)
}

/// Adds `text` to the file `path`, made if missing.
fn append(path: &Path, text: &str) -> Result<PathBuf, ReportError> {
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map(|()| path.to_path_buf())
        .map_err(|error| ReportError::Write {
            path: path.to_path_buf(),
            error,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::reference::Reference;

    #[test]
    fn a_column_name_that_is_no_file_name_is_refused() {
        let suite = Suite::load(&["vectors/codec/header.yaml".into()]).unwrap();
        let run = suite.run(Reference::new(), &RunOptions::default());
        let dir = std::env::temp_dir().join(format!("hgframe-report-names-{}", std::process::id()));
        let out = dir.join("out");
        for name in ["../x", "a/b", "", "..", "x y"] {
            let mut column = Column::from_run("ok", &run).unwrap();
            column.name = name.to_string();
            let matrix = Matrix::new(vec![column], &suite);
            let written = write(&matrix, "t", &out, None);
            assert!(
                matches!(&written, Err(ReportError::BadName(n)) if n == name),
                "{name:?}: {written:?}"
            );
        }
        assert!(!dir.join("x.json").exists(), "../x.json was written");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
