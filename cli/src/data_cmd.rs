//! `solace export`, `solace import` and `solace plan`: moving data out and in, and today's
//! small step.

use std::path::{Path, PathBuf};

use solace_core::export::{self, ExportFormat};
use solace_core::import::{self, CsvOptions, CsvSource, MoodScale};
use solace_core::plans;
use solace_core::CoreError;

use crate::args::PlanCommand;
use crate::error::{CliError, Result};
use crate::habit_cmd;
use crate::output::Output;
use crate::unlock;

/// Runs `solace export --format F --out PATH`.
pub fn export(
    data_dir: &Path,
    format: &str,
    out_path: Option<PathBuf>,
    out: &mut Output,
) -> Result<()> {
    let format = ExportFormat::parse(format)
        .ok_or_else(|| CliError::input("--format must be json, csv, markdown or fhir"))?;
    let path = out_path.unwrap_or_else(|| {
        PathBuf::from(match format {
            ExportFormat::Json => "solace-export.json",
            ExportFormat::Csv => "solace-export-csv",
            ExportFormat::Markdown => "solace-journal.md",
            ExportFormat::Fhir => "solace-assessments.fhir.json",
        })
    });
    let store = unlock::open(data_dir)?;
    let files = export::export_to(&store, format, &path, unlock::now())?;
    if out.json {
        return out.json(&serde_json::json!({ "files": files }));
    }
    for file in &files {
        out.line(format!("wrote {}", file.display()))?;
    }
    out.line(
        "Note: exports are NOT encrypted. Keep them somewhere private, and delete them when done.",
    )
}

/// Runs `solace import FILE` (a JSON export).
pub fn import(data_dir: &Path, file: &Path, out: &mut Output) -> Result<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::input(format!("cannot read {}: {}", file.display(), e.kind())))?;
    let mut store = unlock::open(data_dir)?;
    let report = export::import_json(&mut store, &text)?;
    if out.json {
        return out.json(&report);
    }
    out.line(format!(
        "imported {} records ({} already present, left unchanged)",
        report.imported, report.skipped
    ))
}

/// The options of `solace import --from APP FILE`.
pub struct CsvImportArgs {
    /// daylio or bearable.
    pub from: String,
    /// `LABEL=N` entries.
    pub mood_map: Vec<String>,
    /// 5 or 10.
    pub mood_scale: Option<u8>,
    /// Count only.
    pub dry_run: bool,
}

/// Runs `solace import --from daylio|bearable FILE [--mood-map LABEL=N]… [--dry-run]`.
pub fn import_csv(
    data_dir: &Path,
    file: &Path,
    args: CsvImportArgs,
    out: &mut Output,
) -> Result<()> {
    let source = CsvSource::parse(&args.from)
        .ok_or_else(|| CliError::input("--from must be daylio or bearable"))?;
    let mut options = CsvOptions::default();
    for entry in &args.mood_map {
        options.mood_map.add_entry(entry)?;
    }
    options.mood_scale = match args.mood_scale {
        None | Some(10) => MoodScale::Ten,
        Some(5) => MoodScale::Five,
        Some(_) => return Err(CliError::input("--mood-scale must be 5 or 10")),
    };
    let bytes = std::fs::read(file)
        .map_err(|e| CliError::input(format!("cannot read {}: {}", file.display(), e.kind())))?;
    // Parse before unlocking: a refused file costs no passphrase prompt.
    let items = import::parse_bytes(source, &bytes, &options).map_err(CoreError::from)?;
    let mut store = unlock::open(data_dir)?;
    let summary = import::import_check_ins(&mut store, &items, args.dry_run, import::local_offset)?;
    if out.json {
        return out.json(&summary);
    }
    let verb = if summary.dry_run {
        "would import"
    } else {
        "imported"
    };
    out.line(format!(
        "{verb} {} check-ins ({} already there)",
        summary.imported, summary.already_there
    ))
}

/// Runs `solace plan …`.
pub fn plan(data_dir: &Path, command: Option<PlanCommand>, out: &mut Output) -> Result<()> {
    let today = unlock::today();
    let mut store = unlock::open(data_dir)?;
    let plan = match command {
        None => plans::get(&store, today)?,
        Some(PlanCommand::Set { step, habit, when }) => {
            let habit = habit.map(|h| habit_cmd::resolve(&store, &h)).transpose()?;
            Some(plans::set(
                &mut store,
                today,
                &step,
                habit,
                when.as_deref(),
                unlock::now(),
            )?)
        }
        Some(PlanCommand::Done) => Some(plans::complete(&mut store, today, unlock::now())?),
    };
    if out.json {
        return out.json(&plan);
    }
    match plan {
        None => out.line("No small step planned for today. Try: solace plan set \"put on walking shoes\" --when \"I finish lunch\""),
        Some(p) => {
            let text = p.if_then.as_ref().map_or_else(|| p.step.clone(), |i| i.to_string());
            out.line(format!("Today: {text}{}", if p.done { "  ✓ done" } else { "" }))
        }
    }
}
