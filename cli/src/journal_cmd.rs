//! `solace journal …`: writing, listing, showing, editing, searching and deleting entries.

use std::io::{self, IsTerminal};
use std::path::Path;

use solace_core::journal::{
    self, JournalBody, JournalDraft, JournalEntry, JournalFilter, ThoughtRecord,
};
use solace_core::{record, CoreError, RecordId, RecordKind, Store};

use crate::args::{JournalAddArgs, JournalCommand, JournalEditArgs};
use crate::error::{CliError, Result};
use crate::output::Output;
use crate::prompt::{format_distortions, format_emotions, LineInput};
use crate::unlock;

/// Characters of an entry shown in list previews.
const PREVIEW_CHARS: usize = 50;

/// Runs one `journal` subcommand.
pub fn run(command: JournalCommand, data_dir: &Path, out: &mut Output) -> Result<()> {
    let mut store = unlock::open(data_dir)?;
    match command {
        JournalCommand::Add(args) => add(&mut store, args, out),
        JournalCommand::List { tag, limit } => {
            let filter = JournalFilter {
                tag,
                text: None,
                limit,
            };
            let entries = journal::list(&store, &filter)?;
            print_list(
                &entries,
                out,
                "No journal entries yet; write one with `solace journal add`.",
            )
        }
        JournalCommand::Show { id, revisions } => {
            let entry = journal::get(&store, &resolve(&store, &id)?)?;
            show(&entry, revisions, out)
        }
        JournalCommand::Edit(args) => edit(&mut store, args, out),
        JournalCommand::Delete { id } => {
            let id = resolve(&store, &id)?;
            journal::delete(&mut store, &id)?;
            if out.json {
                return out.json(&serde_json::json!({ "deleted": id }));
            }
            out.line(format!("Deleted journal entry {}.", id.short()))
        }
        JournalCommand::Search { query } => {
            let entries = journal::search(&store, &query)?;
            print_list(&entries, out, "No entries match.")
        }
        JournalCommand::Tags => {
            let tags = journal::tags(&store)?;
            if out.json {
                let list: Vec<_> = tags
                    .iter()
                    .map(|(tag, count)| serde_json::json!({ "tag": tag, "count": count }))
                    .collect();
                return out.json(&list);
            }
            if tags.is_empty() {
                return out.line("No tags yet; add some with `--tag`.");
            }
            let rows: Vec<Vec<String>> = tags
                .into_iter()
                .map(|(tag, count)| vec![format!("#{tag}"), count.to_string()])
                .collect();
            out.table(&["tag", "entries"], &rows)
        }
    }
}

/// Resolves a full id or a prefix of at least 4 hex characters to a journal entry id.
fn resolve(store: &Store, id: &str) -> Result<RecordId> {
    match record::resolve_label(store, &[RecordKind::Journal], id) {
        Err(CoreError::NotFound(_)) => Err(CoreError::NotFound("journal entry").into()),
        other => Ok(other?),
    }
}

/// All of stdin, with a hint first when it is a terminal.
fn read_stdin(what: &str) -> Result<String> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprintln!("Write your {what}; finish with Ctrl-D on an empty line.");
    }
    let text = io::read_to_string(stdin)?;
    Ok(text.trim_end().to_owned())
}

fn add(store: &mut Store, args: JournalAddArgs, out: &mut Output) -> Result<()> {
    let body = if args.thought_record {
        JournalBody::ThoughtRecord(LineInput::stdin(out.json).thought_record(None)?)
    } else {
        let text = match args.text {
            Some(text) => text,
            None => read_stdin(if args.prompt.is_some() {
                "answer"
            } else {
                "entry"
            })?,
        };
        match args.prompt {
            Some(prompt) => JournalBody::Prompted {
                prompt,
                response: text,
            },
            None => JournalBody::Free { text },
        }
    };
    let draft = JournalDraft {
        title: args.title,
        body,
        tags: args.tags,
    };
    let entry = journal::add(store, draft, unlock::now())?;
    if out.json {
        return out.json(&entry);
    }
    out.line(format!("Saved journal entry {}.", entry.id.short()))
}

fn edit(store: &mut Store, args: JournalEditArgs, out: &mut Output) -> Result<()> {
    if args.text.is_none() && args.title.is_none() && args.tags.is_empty() && !args.thought_record {
        return Err(CliError::input(
            "nothing to change: give new TEXT, --title, --tag or --thought-record",
        ));
    }
    let id = resolve(store, &args.id)?;
    let entry = journal::get(store, &id)?;
    let mut draft = entry.current.clone();
    if let Some(title) = args.title {
        draft.title = Some(title);
    }
    if !args.tags.is_empty() {
        draft.tags = args.tags;
    }
    if let Some(text) = args.text {
        let text = if text == "-" {
            read_stdin("new text")?
        } else {
            text
        };
        match &mut draft.body {
            JournalBody::Free { text: old } => *old = text,
            JournalBody::Prompted { response, .. } => *response = text,
            JournalBody::ThoughtRecord(_) => {
                return Err(CliError::input(
                    "this entry is a thought record; edit it with --thought-record",
                ))
            }
        }
    }
    if args.thought_record {
        let current = match &draft.body {
            JournalBody::ThoughtRecord(t) => Some(t),
            _ => None,
        };
        let record = LineInput::stdin(out.json).thought_record(current)?;
        draft.body = JournalBody::ThoughtRecord(record);
    }
    let before = entry.revisions.len();
    let edited = journal::edit(store, &id, draft, unlock::now())?;
    if out.json {
        return out.json(&edited);
    }
    if edited.revisions.len() == before {
        out.line(format!("No changes to journal entry {}.", id.short()))
    } else {
        out.line(format!(
            "Updated journal entry {} ({} earlier version{} kept).",
            id.short(),
            edited.revisions.len(),
            if edited.revisions.len() == 1 { "" } else { "s" }
        ))
    }
}

fn print_list(entries: &[JournalEntry], out: &mut Output, empty: &str) -> Result<()> {
    if out.json {
        return out.json(entries);
    }
    if entries.is_empty() {
        return out.line(empty);
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.id.short(),
                e.created_at.format("%Y-%m-%d %H:%M").to_string(),
                e.current.body.template_name().to_owned(),
                e.current.tags.join(","),
                e.preview(PREVIEW_CHARS),
            ]
        })
        .collect();
    out.table(&["id", "date", "template", "tags", "preview"], &rows)
}

fn show(entry: &JournalEntry, with_revisions: bool, out: &mut Output) -> Result<()> {
    if out.json {
        let mut value = serde_json::to_value(entry)?;
        if let Some(map) = value.as_object_mut() {
            map.insert("revision_count".into(), entry.revisions.len().into());
            if !with_revisions {
                map.remove("revisions");
            }
        }
        return out.json(&value);
    }
    out.line(format!(
        "Entry    {} ({})",
        entry.id,
        entry.current.body.template_name()
    ))?;
    out.line(format!(
        "Written  {}",
        entry.created_at.format("%Y-%m-%d %H:%M %:z")
    ))?;
    if entry.updated_at != entry.created_at {
        out.line(format!(
            "Edited   {} ({} earlier version{})",
            entry.updated_at.format("%Y-%m-%d %H:%M %:z"),
            entry.revisions.len(),
            if entry.revisions.len() == 1 { "" } else { "s" }
        ))?;
    }
    print_draft(&entry.current, out)?;
    if with_revisions {
        for (i, revision) in entry.revisions.iter().enumerate().rev() {
            out.line("")?;
            out.line(format!(
                "── Version {} (replaced {}) ──",
                i + 1,
                revision.replaced_at.format("%Y-%m-%d %H:%M %:z")
            ))?;
            print_draft(&revision.draft, out)?;
        }
    }
    Ok(())
}

fn print_draft(draft: &JournalDraft, out: &mut Output) -> Result<()> {
    if let Some(title) = &draft.title {
        out.line(format!("Title    {title}"))?;
    }
    if !draft.tags.is_empty() {
        let tags: Vec<String> = draft.tags.iter().map(|t| format!("#{t}")).collect();
        out.line(format!("Tags     {}", tags.join(" ")))?;
    }
    out.line("")?;
    match &draft.body {
        JournalBody::Free { text } => out.line(text),
        JournalBody::Prompted { prompt, response } => {
            out.line(format!("» {prompt}"))?;
            out.line("")?;
            out.line(response)
        }
        JournalBody::ThoughtRecord(t) => print_thought_record(t, out),
    }
}

fn print_thought_record(t: &ThoughtRecord, out: &mut Output) -> Result<()> {
    let fields = [
        ("Situation", t.situation.clone()),
        ("Automatic thought", t.automatic_thought.clone()),
        ("Emotions", format_emotions(&t.emotions)),
        ("Distortions", format_distortions(&t.distortions)),
        ("Evidence for", t.evidence_for.clone()),
        ("Evidence against", t.evidence_against.clone()),
        ("Balanced thought", t.balanced_thought.clone()),
        ("Emotions after", format_emotions(&t.rerated_emotions)),
    ];
    for (label, value) in fields {
        let value = if value.is_empty() {
            "—".to_owned()
        } else {
            value
        };
        out.line(format!("{:<18} {value}", format!("{label}:")))?;
    }
    Ok(())
}
