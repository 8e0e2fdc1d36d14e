//! Import from other mood apps: CSV exports of Daylio and Bearable.
//!
//! Each source has its own parser (`daylio`, `bearable`) over one small RFC 4180 reader
//! (`csv_reader`); both produce neutral [`ImportedCheckIn`]s, which [`import_check_ins`]
//! writes as mood check-ins in one transaction, so a refused file imports nothing.
//!
//! What is mapped:
//! - **Mood.** Daylio's five default moods map to the 1–10 scale as rad = 10, good = 8,
//!   meh = 5, bad = 3, awful = 1 (labels compared case-insensitively); custom labels need a
//!   [`MoodMap`] entry (`LABEL=N`), and an unknown label refuses the file, naming the label
//!   and its line. Bearable's mood rating is taken as 1–10, or as 1–5 with
//!   [`MoodScale::Five`] (1, 2, 3, 4, 5 → 1, 3, 5, 8, 10).
//! - **Activities** (Daylio's activities; Bearable's symptom, factor and activity rows) become
//!   a last line of the check-in's note, `Activities: a, b`. Check-ins have no tag field, and
//!   adding one would change the record format every app shares; the note keeps them readable
//!   and searchable.
//! - **Notes**: Daylio's note title and note become the note (title on the first line);
//!   Bearable's note rows of a day, and a mood row's own note, go to that day's last mood
//!   check-in, together with that day's activities.
//! - **Time**: the files carry no UTC offset; the wall-clock time is read in the machine's
//!   local time zone at that date ([`local_offset`]).
//!
//! Re-importing the same file adds nothing: each check-in's id is derived from its source and
//! its row (SHA-256), and an id the store already holds — live or deleted since — is counted
//! as already there and left alone.

pub mod bearable;
pub mod csv_reader;
pub mod daylio;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{FixedOffset, NaiveDateTime, NaiveTime, Offset, TimeZone};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{CoreError, CsvImportError, InputProblem, Result};
use crate::mood::{MoodCheckIn, MoodDraft};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

/// The app a CSV export comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvSource {
    /// Daylio's "Export entries (CSV)".
    Daylio,
    /// Bearable's CSV export.
    Bearable,
}

impl CsvSource {
    /// Parses "daylio" or "bearable" (any case).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "daylio" => Some(CsvSource::Daylio),
            "bearable" => Some(CsvSource::Bearable),
            _ => None,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            CsvSource::Daylio => "daylio",
            CsvSource::Bearable => "bearable",
        }
    }
}

/// The scale of Bearable's mood ratings in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MoodScale {
    /// 1–10, taken as is (current exports).
    #[default]
    Ten,
    /// 1–5, mapped 1, 2, 3, 4, 5 → 1, 3, 5, 8, 10.
    Five,
}

/// Mood labels and their 1–10 values: Daylio's defaults plus the person's own entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoodMap {
    labels: BTreeMap<String, u8>,
}

impl Default for MoodMap {
    fn default() -> Self {
        let labels = [
            ("rad", 10),
            ("good", 8),
            ("meh", 5),
            ("bad", 3),
            ("awful", 1),
        ]
        .into_iter()
        .map(|(l, v)| (l.to_owned(), v))
        .collect();
        MoodMap { labels }
    }
}

impl MoodMap {
    /// Adds or replaces `label` (case-insensitive) with `value` (1–10).
    pub fn set(&mut self, label: &str, value: u8) -> Result<()> {
        let label = label.trim().to_lowercase();
        if label.is_empty() {
            return Err(CoreError::invalid("mood label", InputProblem::Empty));
        }
        if !(1..=10).contains(&value) {
            return Err(CoreError::invalid(
                "mood map value",
                InputProblem::OutOfRange { min: 1, max: 10 },
            ));
        }
        self.labels.insert(label, value);
        Ok(())
    }

    /// Adds one `LABEL=N` entry (the last `=` separates, so labels may contain one).
    pub fn add_entry(&mut self, entry: &str) -> Result<()> {
        let (label, value) = entry.rsplit_once('=').ok_or_else(|| {
            CoreError::invalid(
                "mood map",
                InputProblem::Expected("LABEL=N with N from 1 to 10"),
            )
        })?;
        let value: u8 = value.trim().parse().map_err(|_| {
            CoreError::invalid(
                "mood map",
                InputProblem::Expected("LABEL=N with N from 1 to 10"),
            )
        })?;
        self.set(label, value)
    }

    /// The value of `label` (case-insensitive), if known.
    pub fn get(&self, label: &str) -> Option<u8> {
        self.labels.get(&label.trim().to_lowercase()).copied()
    }
}

/// How to read a file: the mood map (Daylio) and the mood scale (Bearable).
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Mood labels (Daylio).
    pub mood_map: MoodMap,
    /// The scale of mood ratings (Bearable).
    pub mood_scale: MoodScale,
}

/// One check-in read from another app's export, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCheckIn {
    /// Its id, derived from the source and the row, so a re-import finds it.
    pub id: RecordId,
    /// The line of the file it comes from.
    pub line: usize,
    /// The wall-clock time in the file (no offset).
    pub at: NaiveDateTime,
    /// Mood 1–10.
    pub mood: u8,
    /// Activities, tags, symptoms and factors, in file order, without repeats.
    pub activities: Vec<String>,
    /// The note (title and text), if any.
    pub note: Option<String>,
}

impl ImportedCheckIn {
    /// The check-in's note as stored: the note, then `Activities: a, b` on its own last line.
    pub fn stored_note(&self) -> Option<String> {
        let note = self
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        match (note, self.activities.is_empty()) {
            (None, true) => None,
            (Some(n), true) => Some(n.to_owned()),
            (None, false) => Some(format!("Activities: {}", self.activities.join(", "))),
            (Some(n), false) => Some(format!("{n}\n\nActivities: {}", self.activities.join(", "))),
        }
    }
}

/// Counts from a CSV import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Check-ins written (or that would be, in a dry run).
    pub imported: u32,
    /// Check-ins whose id the store already holds (left unchanged).
    pub already_there: u32,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
}

/// Parses a `source` export (the untrusted part; fuzzed). Any bad line refuses the whole file.
pub fn parse(
    source: CsvSource,
    text: &str,
    options: &CsvOptions,
) -> std::result::Result<Vec<ImportedCheckIn>, CsvImportError> {
    match source {
        CsvSource::Daylio => daylio::parse(text, &options.mood_map),
        CsvSource::Bearable => bearable::parse(text, options.mood_scale),
    }
}

/// Parses UTF-8 `bytes` like [`parse`].
pub fn parse_bytes(
    source: CsvSource,
    bytes: &[u8],
    options: &CsvOptions,
) -> std::result::Result<Vec<ImportedCheckIn>, CsvImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CsvImportError::NotText)?;
    parse(source, text, options)
}

/// Writes `items` as mood check-ins in one transaction (all or nothing), with each wall-clock
/// time given the offset `offset_at` returns ([`local_offset`] outside tests). An id the store
/// already holds is counted in `already_there`. A dry run only counts and writes nothing.
pub fn import_check_ins(
    store: &mut Store,
    items: &[ImportedCheckIn],
    dry_run: bool,
    offset_at: impl Fn(NaiveDateTime) -> FixedOffset,
) -> Result<ImportSummary> {
    let run = |store: &mut Store| {
        let mut summary = ImportSummary {
            dry_run,
            ..ImportSummary::default()
        };
        let mut seen = HashSet::new();
        for item in items {
            let draft = MoodDraft {
                mood: item.mood,
                note: item.stored_note(),
                ..MoodDraft::default()
            }
            .normalized()?;
            if !seen.insert(item.id) || store.id_taken(&item.id)? {
                summary.already_there += 1;
                continue;
            }
            summary.imported += 1;
            if dry_run {
                continue;
            }
            let at = offset_at(item.at)
                .from_local_datetime(&item.at)
                .single()
                .ok_or(CoreError::Internal("a fixed offset has one local time"))?;
            let check_in = MoodCheckIn {
                id: item.id,
                at,
                draft,
            };
            store.put(RecordKind::Mood, &check_in.id, &check_in)?;
        }
        Ok(summary)
    };
    if dry_run {
        run(store)
    } else {
        store.atomically(run)
    }
}

/// The machine's UTC offset at local wall-clock time `at` (in a daylight-saving gap, the
/// offset just before it).
pub fn local_offset(at: NaiveDateTime) -> FixedOffset {
    use chrono::{Local, LocalResult};
    match Local.from_local_datetime(&at) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.offset().fix(),
        LocalResult::None => Local.offset_from_utc_datetime(&at).fix(),
    }
}

/// Derives ids from a source and row contents; identical rows get distinct ids by their
/// occurrence, so a file with two equal rows imports both, and again neither.
pub(crate) struct IdMaker {
    source: CsvSource,
    seen: HashMap<[u8; 32], u32>,
}

impl IdMaker {
    pub(crate) fn new(source: CsvSource) -> Self {
        IdMaker {
            source,
            seen: HashMap::new(),
        }
    }

    pub(crate) fn next(&mut self, parts: &[&str]) -> RecordId {
        let mut hash = Sha256::new();
        hash.update(b"solace/import/");
        hash.update(self.source.tag().as_bytes());
        for part in parts {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
        let base: [u8; 32] = hash.finalize().into();
        let count = self.seen.entry(base).or_insert(0);
        let occurrence = *count;
        *count += 1;
        let digest = Sha256::new()
            .chain_update(base)
            .chain_update(occurrence.to_le_bytes())
            .finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        RecordId(id)
    }
}

/// Parses a clock time: `21:10`, `21:10:05`, `9:10 PM`, `9:10pm`.
pub(crate) fn parse_time(text: &str) -> Option<NaiveTime> {
    let text = text.trim().to_uppercase();
    ["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I:%M:%S %p"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(&text, f).ok())
}

/// 12:00, the time given to a row without one.
pub(crate) fn noon() -> NaiveTime {
    NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()
}

/// Adds `item` to `list` unless it is empty or already there (case-insensitively).
pub(crate) fn push_unique(list: &mut Vec<String>, item: &str) {
    let item = item.trim();
    if !item.is_empty() && !list.iter().any(|a| a.to_lowercase() == item.to_lowercase()) {
        list.push(item.to_owned());
    }
}

#[cfg(test)]
mod tests;
