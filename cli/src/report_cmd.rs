//! `solace report` and `solace message save-attachment`: the therapist report as a PDF
//! (gathered by `App::therapist_report`, drawn by `solace-report-pdf`), optionally sent end
//! to end to the linked therapist, and saving a file that arrived.

use std::path::Path;

use solace_core::app::present;
use solace_core::export::write_atomically;
use solace_core::messaging::payload::valid_attachment_name;

use crate::args::ReportArgs;
use crate::error::{CliError, Result};
use crate::message_cmd::{local, resolve_peer, try_deliver};
use crate::output::Output;
use crate::unlock;

/// The media type reports are sent with.
const PDF: &str = "application/pdf";
/// The name a report is sent under when FILE's own name cannot be used.
const DEFAULT_NAME: &str = "solace-report.pdf";

/// Refuses to replace `path` unless `force`.
fn check_target(path: &Path, force: bool) -> Result<()> {
    if !force && path.exists() {
        return Err(CliError::input(format!(
            "{} exists; add --force to replace it",
            path.display()
        )));
    }
    Ok(())
}

/// Runs `solace report --days N --out FILE [--entry ID]… [--force] [--share NAME]`.
pub fn run(
    args: ReportArgs,
    data_dir: &Path,
    ca_cert: Option<&Path>,
    out: &mut Output,
) -> Result<()> {
    check_target(&args.out, args.force)?;
    let app = unlock::open_app(data_dir, ca_cert)?;
    // Resolve the therapist before writing anything, so a wrong name costs nothing.
    let peer = match &args.share {
        Some(name) => Some(local(&app, |s| resolve_peer(s, name))?),
        None => None,
    };
    let report = app.therapist_report(args.days, &args.entries, unlock::now())?;
    let rendered = solace_report_pdf::render(&report);
    write_atomically(&args.out, &rendered.bytes)?;
    let size = rendered.bytes.len() as u64;
    let shared = match &peer {
        Some(peer) => {
            let name = args
                .out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|n| valid_attachment_name(n))
                .unwrap_or_else(|| DEFAULT_NAME.to_owned());
            let sent = app.send_attachment(&peer.peer_account, &name, PDF, &rendered.bytes)?;
            try_deliver(&app, out)?;
            let status = local(&app, |s| {
                Ok(solace_core::messaging::local::messages(
                    s,
                    &peer.peer_account,
                )?)
            })?
            .into_iter()
            .find(|m| m.id == sent.id)
            .map_or(sent.status, |m| m.status);
            Some((sent.id, status))
        }
        None => None,
    };
    if out.json {
        return out.json(&serde_json::json!({
            "file": args.out,
            "pages": rendered.pages,
            "bytes": size,
            "entries": report.entries.len(),
            "shared": shared.as_ref().map(|(id, status)| serde_json::json!({"id": id, "status": status})),
        }));
    }
    let entries = match report.entries.len() {
        1 => "1 journal entry".to_owned(),
        n => format!("{n} journal entries"),
    };
    out.line(format!(
        "wrote {}: {} pages, {} ({entries})",
        args.out.display(),
        rendered.pages,
        present::attachment_label(PDF, size),
    ))?;
    if let (Some(peer), Some((id, status))) = (&peer, &shared) {
        out.line(format!(
            "Shared with {} end to end: message {} is {}.",
            peer.peer_name,
            &id[..8.min(id.len())],
            status.as_str()
        ))?;
    }
    out.line("Note: the PDF file is NOT encrypted. Keep it private, and delete it when done.")
}

/// Runs `solace message save-attachment ID --out FILE [--force]`.
pub fn save_attachment(
    app: &solace_core::app::App,
    id: &str,
    path: &Path,
    force: bool,
    out: &mut Output,
) -> Result<()> {
    check_target(path, force)?;
    let transfer_id = crate::message_cmd::unique_attachment(app, id)?;
    let (message, file) = app.attachment_file(&transfer_id)?;
    write_atomically(path, &file)?;
    if out.json {
        return out.json(&serde_json::json!({"file": path, "bytes": file.len(), "id": message.id}));
    }
    out.line(format!(
        "wrote {}: {}",
        path.display(),
        present::message_text(&message.content)
    ))?;
    out.line("Note: the saved file is NOT encrypted. Keep it private.")
}
