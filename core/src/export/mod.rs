//! Export and import. JSON is complete and re-importable with no loss (every live record with
//! its id and full decrypted content, revisions included); CSV (one file per kind), a Markdown
//! journal and FHIR R4 QuestionnaireResponses are for reading elsewhere. Every file is
//! written atomically (temporary file, fsync, rename), so a crash never leaves half a file.
//!
//! Exports are plaintext by nature: the caller should warn the person where they are written.

pub mod csv;
pub mod fhir;
pub mod markdown;
mod validate;

use crate::error::ImportError;
use crate::error::InputProblem;
use crate::error::StoreError;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::crypto::fill_random;
use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

/// The `format` field of a JSON export.
pub const JSON_FORMAT: &str = "solace-export";
/// The JSON export version this build writes and reads.
pub const JSON_VERSION: u64 = 1;

/// What an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One complete, re-importable JSON file.
    Json,
    /// A directory with one CSV file per kind.
    Csv,
    /// The journal as one Markdown file.
    Markdown,
    /// Assessments as a FHIR R4 Bundle of QuestionnaireResponses.
    Fhir,
}

impl ExportFormat {
    /// Parses "json", "csv", "markdown"/"md" or "fhir".
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "json" => Some(ExportFormat::Json),
            "csv" => Some(ExportFormat::Csv),
            "markdown" | "md" => Some(ExportFormat::Markdown),
            "fhir" => Some(ExportFormat::Fhir),
            _ => None,
        }
    }
}

/// Counts from an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Records written.
    pub imported: u32,
    /// Records already present with that id (left unchanged).
    pub skipped: u32,
}

/// Every live record, grouped by kind tag, as one JSON document.
pub fn to_json(store: &Store, now: DateTime<FixedOffset>) -> Result<Value> {
    let mut doc = Map::new();
    doc.insert("format".into(), JSON_FORMAT.into());
    doc.insert("version".into(), JSON_VERSION.into());
    doc.insert("exported_at".into(), now.to_rfc3339().into());
    for kind in RecordKind::ALL.into_iter().filter(|k| k.exported()) {
        let mut records: Vec<(RecordId, Value)> = store
            .list_raw(kind)?
            .into_iter()
            .map(|r| {
                let data: Value = serde_json::from_slice(&r.body)
                    .map_err(|_| CoreError::MalformedRecord { kind: kind.tag() })?;
                Ok((r.id, data))
            })
            .collect::<Result<_>>()?;
        crate::sort::sort_by_key(&mut records, |r| r.0);
        let list: Vec<Value> = records
            .into_iter()
            .map(|(id, data)| serde_json::json!({ "id": id.to_string(), "data": data }))
            .collect();
        doc.insert(kind.tag().into(), Value::Array(list));
    }
    Ok(Value::Object(doc))
}

/// One record read from a JSON export, validated against its kind's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedRecord {
    /// Its kind.
    pub kind: RecordKind,
    /// Its id, kept from the export.
    pub id: RecordId,
    /// The record body (JSON) to seal.
    pub body: Vec<u8>,
}

/// Parses and validates a JSON export without touching any store (the part a hostile file
/// reaches first; fuzzed). Every record is checked with the rules the app applies when it
/// creates one; the first bad value fails the whole file with an `InvalidInput` naming it as
/// `kind[index].field: what is wrong` (never the value itself).
pub fn parse_json(text: &str) -> Result<Vec<ImportedRecord>> {
    let doc: Value =
        serde_json::from_str(text).map_err(|_| CoreError::InvalidImport(ImportError::NotJson))?;
    if doc.get("format").and_then(Value::as_str) != Some(JSON_FORMAT) {
        return Err(CoreError::InvalidImport(ImportError::NotSolaceExport));
    }
    match doc.get("version").and_then(Value::as_u64) {
        Some(JSON_VERSION) => {}
        Some(v) => {
            return Err(CoreError::InvalidImport(ImportError::UnsupportedVersion {
                found: v,
            }))
        }
        None => return Err(CoreError::InvalidImport(ImportError::NoVersion)),
    }
    let mut records = Vec::new();
    for kind in RecordKind::ALL.into_iter().filter(|k| k.exported()) {
        let Some(list) = doc.get(kind.tag()) else {
            continue;
        };
        let list = list
            .as_array()
            .ok_or_else(|| CoreError::InvalidImport(ImportError::NotAList { kind: kind.tag() }))?;
        for (index, item) in list.iter().enumerate() {
            // `mood[3].id: …` when the message starts with a field name, else `mood[3]: …`.
            let at = |what: &str| {
                CoreError::InvalidImport(ImportError::Record {
                    kind: kind.tag(),
                    index,
                    reason: what.to_owned(),
                })
            };
            let id: RecordId = item
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| at("id: is missing"))?
                .parse()
                .map_err(|_| at("id: is not a record id"))?;
            let data = item.get("data").ok_or_else(|| at("data: is missing"))?;
            validate::check(kind, &id, data).map_err(|m| at(&m))?;
            let body = serde_json::to_vec(data)
                .map_err(|_| CoreError::MalformedRecord { kind: kind.tag() })?;
            records.push(ImportedRecord { kind, id, body });
        }
    }
    Ok(records)
}

/// Imports a JSON export in one transaction: all records land, or none do. Records whose id
/// already exists are skipped.
pub fn import_json(store: &mut Store, text: &str) -> Result<ImportReport> {
    let records = parse_json(text)?;
    store.atomically(|store| {
        let mut report = ImportReport::default();
        for r in &records {
            if store.get_raw(r.kind, &r.id)?.is_some() {
                report.skipped += 1;
            } else {
                store.put_raw(r.kind, &r.id, &r.body)?;
                report.imported += 1;
            }
        }
        Ok(report)
    })
}

/// Writes `bytes` to `path` atomically: a private temporary file in the same directory,
/// flushed to disk, then renamed over the target.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically_with(path, |file| Ok(file.write_all(bytes)?))
}

/// Writes `path` atomically with `fill`, which streams the content into a private temporary
/// file in the same directory (mode 0600); the file is flushed to disk and renamed over the
/// target only if `fill` succeeded, so a crash or an error never leaves half a file.
pub fn write_atomically_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<()>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| CoreError::invalid("export path", InputProblem::Expected("a file name")))?;
    let mut suffix = [0u8; 6];
    fill_random(&mut suffix)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        hex::encode(suffix)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&tmp)?;
        fill(&mut file)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok::<(), CoreError>(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| match e {
        CoreError::Io(e) if e.raw_os_error() == Some(28) => CoreError::Store(StoreError::DiskFull),
        other => other,
    })
}

/// Writes an export in `format` to `path` (a file; a directory for CSV) and returns the files
/// written.
pub fn export_to(
    store: &Store,
    format: ExportFormat,
    path: &Path,
    now: DateTime<FixedOffset>,
) -> Result<Vec<PathBuf>> {
    let pretty = |v: &Value| {
        serde_json::to_vec_pretty(v).map_err(|_| CoreError::MalformedRecord { kind: "export" })
    };
    match format {
        ExportFormat::Json => {
            write_atomically(path, &pretty(&to_json(store, now)?)?)?;
            Ok(vec![path.to_path_buf()])
        }
        ExportFormat::Fhir => {
            write_atomically(path, &pretty(&fhir::bundle(store, now)?)?)?;
            Ok(vec![path.to_path_buf()])
        }
        ExportFormat::Markdown => {
            write_atomically(path, markdown::journal(store)?.as_bytes())?;
            Ok(vec![path.to_path_buf()])
        }
        ExportFormat::Csv => {
            std::fs::create_dir_all(path)?;
            let mut written = Vec::new();
            for (name, content) in csv::files(store)? {
                let file = path.join(name);
                write_atomically(&file, content.as_bytes())?;
                written.push(file);
            }
            Ok(written)
        }
    }
}

#[cfg(test)]
mod tests;
