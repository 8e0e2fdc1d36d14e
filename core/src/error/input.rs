//! Typed invalid-input errors: which field, and what is wrong with it.

use crate::assessments::instruments::ScoreError;
use crate::habits::schedule::ScheduleError;
use crate::sessions::engine::StepError;

/// A caller-supplied value that is not acceptable. `field` names the input (never its value),
/// `problem` says what is wrong; a UI branches on both without parsing text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {problem}")]
pub struct InvalidInput {
    /// The input's name as shown to people ("title", "mood", "server address").
    pub field: &'static str,
    /// What is wrong with it.
    pub problem: InputProblem,
}

/// What is wrong with an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputProblem {
    /// Empty (or only white space) where a value is required.
    #[error("is empty")]
    Empty,
    /// Missing altogether.
    #[error("is missing")]
    Missing,
    /// Longer than allowed.
    #[error("is longer than {max} characters")]
    TooLong {
        /// Most characters allowed.
        max: u32,
    },
    /// Shorter than allowed.
    #[error("is shorter than {min} characters")]
    TooShort {
        /// Fewest characters allowed.
        min: u32,
    },
    /// A length outside the allowed range.
    #[error("must be {min}-{max} characters")]
    Length {
        /// Fewest characters allowed.
        min: u32,
        /// Most characters allowed.
        max: u32,
    },
    /// A number outside the allowed range.
    #[error("must be between {min} and {max}")]
    OutOfRange {
        /// Smallest value allowed.
        min: i64,
        /// Largest value allowed.
        max: i64,
    },
    /// Not of the required form; the text says which form (static, never the value).
    #[error("must be {0}")]
    Expected(&'static str),
    /// Not one of the known values.
    #[error("is not a known value")]
    Unknown,
    /// A version or form this build does not support.
    #[error("is not supported by this build")]
    Unsupported,
    /// A file that could not be read.
    #[error("cannot be read")]
    Unreadable,
    /// The value breaks a rule of its own; the text states the rule (static, never the value).
    #[error("{0}")]
    Rule(&'static str),
    /// A habit schedule that is not valid.
    #[error("is not valid: {0}")]
    Schedule(ScheduleError),
    /// Assessment answers that do not score.
    #[error("are not valid: {0}")]
    Score(ScoreError),
    /// A micro-session input that does not fit the current step.
    #[error("is not accepted: {0}")]
    Step(StepError),
}

impl InvalidInput {
    /// `field` has `problem`.
    pub fn new(field: &'static str, problem: InputProblem) -> Self {
        Self { field, problem }
    }
}

/// Why a JSON export file was refused. Names positions and fields, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file is not JSON at all.
    #[error("the file is not valid JSON")]
    NotJson,
    /// The file is JSON but not a Solace export.
    #[error("the file is not a Solace export")]
    NotSolaceExport,
    /// The export's format version is newer (or other) than this build reads.
    #[error("export version {found} is not supported by this build")]
    UnsupportedVersion {
        /// The version the file declares.
        found: u64,
    },
    /// The export declares no version.
    #[error("the export has no version")]
    NoVersion,
    /// A section that must be a list is not.
    #[error("'{kind}' must be a list")]
    NotAList {
        /// The section (record kind tag).
        kind: &'static str,
    },
    /// One record breaks a rule. `reason` names the field and the rule (built from fixed
    /// texts and field names only, never from values); shown to people and logged.
    #[error("{kind}[{index}]{}{reason}", if reason_names_field(.reason) { "." } else { ": " })]
    Record {
        /// The record's kind tag.
        kind: &'static str,
        /// Its position in the section.
        index: usize,
        /// What is wrong, as `field: rule` or a rule alone.
        reason: String,
    },
}

/// Why a Daylio or Bearable CSV file was refused. Names lines, columns and rules; the one
/// value ever repeated is an unknown mood label, which the person must see to map it (their
/// own label from their own file, shown only to them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvImportError {
    /// The file is not UTF-8 text.
    #[error("the file is not UTF-8 text")]
    NotText,
    /// The file has no header line.
    #[error("the file is empty (no header line)")]
    NoHeader,
    /// The header lacks a column the format needs.
    #[error("line 1: the header has no '{column}' column")]
    MissingColumn {
        /// The column's name.
        column: &'static str,
    },
    /// A line breaks a rule (a date that is not a date, an unclosed quote, a rating out of
    /// range); `reason` is a fixed text.
    #[error("line {line}: {reason}")]
    Line {
        /// The 1-based line of the file the record starts on.
        line: usize,
        /// What is wrong (fixed text, never the value).
        reason: &'static str,
    },
    /// A mood label with no number: neither a default nor in the mood map.
    #[error("line {line}: unknown mood '{label}'; map it to a number 1-10 (LABEL=N)")]
    UnknownMood {
        /// The 1-based line.
        line: usize,
        /// The label as written in the file.
        label: String,
    },
}

/// Whether `reason` starts with `field:` (shown as `kind[i].field: …`, else `kind[i]: …`).
fn reason_names_field(reason: &str) -> bool {
    reason
        .split_once(':')
        .is_some_and(|(field, _)| !field.is_empty() && !field.contains(' '))
}
