//! `solace message`, `solace conversation`, `solace share` and `solace call`: end-to-end
//! encrypted conversations between a client and their therapist. Everything is written to the
//! local outbox first, so it works offline; `solace sync` (or a send) delivers it.

use std::path::Path;

use solace_core::app::{block_on, App};
use solace_core::messaging::{
    local, CallState, Conversation, Message, MessageContent, MessageStatus,
};
use solace_core::{record, CoreError, RecordKind, Store};

use crate::args::{CallCommand, ConversationCommand, MessageCommand, ShareCommand};
use crate::error::{CliError, Result};
use crate::output::Output;
use crate::unlock;

/// Finds a conversation by account id, id prefix (4+) or name (case-insensitive).
pub(crate) fn resolve_peer(store: &Store, text: &str) -> Result<Conversation> {
    let all = local::conversations(store)?;
    let wanted = text.trim().to_lowercase();
    let matches: Vec<&Conversation> = all
        .iter()
        .filter(|c| {
            c.peer_account == text
                || c.peer_name.to_lowercase() == wanted
                || (wanted.len() >= 4 && c.peer_account.starts_with(&wanted))
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(CliError::input(
            "no such conversation; `solace link list` shows your links, `solace sync` refreshes them",
        )),
        _ => Err(CoreError::AmbiguousId.into()),
    }
}

/// The id of the one message, in any conversation, whose id starts with `prefix` and that
/// `wanted` accepts; `none` is the error when there is not exactly one.
fn unique_message(
    store: &Store,
    prefix: &str,
    wanted: impl Fn(&Message) -> bool,
    none: &str,
) -> Result<String> {
    let mut ids = Vec::new();
    for c in local::conversations(store)? {
        for m in local::messages(store, &c.peer_account)? {
            if m.id.starts_with(prefix) && wanted(&m) {
                ids.push(m.id);
            }
        }
    }
    match <[String; 1]>::try_from(ids) {
        Ok([one]) => Ok(one),
        Err(_) => Err(CliError::input(none)),
    }
}

/// The id of the one attachment message whose id starts with `prefix`.
pub(crate) fn unique_attachment(app: &App, prefix: &str) -> Result<String> {
    local(app, |s| {
        unique_message(
            s,
            prefix,
            |m| matches!(m.content, MessageContent::Attachment { .. }),
            "no single attachment with that id; see `solace message list NAME`",
        )
    })
}

/// Runs `f` on the app's store (local reads and writes; this process runs no sync meanwhile).
pub(crate) fn local<T>(app: &App, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
    app.write(|store| Ok(f(store)))?
}

/// Runs one messaging round if the server can be reached; offline (or not connected at all)
/// is not an error here.
pub(crate) fn try_deliver(app: &App, out: &mut Output) -> Result<()> {
    let round = block_on(app.messaging_round());
    if let (Ok((_, outbox)), false) = (&round, out.json) {
        crate::sync_cmd::identity_notes(app, outbox, out)?;
    }
    match round {
        Ok((_, outbox)) if outbox.waiting == 0 && outbox.wedged == 0 => Ok(()),
        Ok((_, outbox)) => {
            if !out.json {
                out.note(format!(
                    "{} waiting to be sent, {} need a retry (`solace message list`).",
                    outbox.waiting, outbox.wedged
                ))?;
            }
            Ok(())
        }
        Err(err) if err.is_transient() => {
            if !out.json {
                out.note("Offline: queued, and sent with the next `solace sync`.")?;
            }
            Ok(())
        }
        // A local-only store (never connected, or its account was deleted): the
        // conversations on this device stay readable; nothing can be delivered.
        Err(CoreError::NotRegistered) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&unlock::now().timezone())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn describe(message: &Message) -> String {
    match &message.content {
        MessageContent::Text { text } => text.clone(),
        MessageContent::Attachment { transfer_id, .. } => format!(
            "[{}] (attachment {}; `solace message save-attachment {} --out FILE`)",
            solace_core::app::present::message_text(&message.content),
            &transfer_id[..8.min(transfer_id.len())],
            &transfer_id[..8.min(transfer_id.len())],
        ),
        MessageContent::Notice { text } => format!("[{text}]"),
        MessageContent::Referral { .. } => format!(
            "[!] [{}] (`solace referral`)",
            solace_core::app::present::message_text(&message.content)
        ),
        MessageContent::GoalProposal { .. } => format!(
            "[{}] (`solace goals`)",
            solace_core::app::present::message_text(&message.content)
        ),
        MessageContent::IntakeRequest { .. } => format!(
            "[{}] (`solace intake answer`)",
            solace_core::app::present::message_text(&message.content)
        ),
        MessageContent::RiskAlert { .. } => {
            format!(
                "[{}]",
                solace_core::app::present::message_text(&message.content)
            )
        }
        MessageContent::Call {
            request_id,
            start,
            minutes,
            format,
            state,
        } => {
            let state = match state {
                CallState::Requested => "requested".to_owned(),
                CallState::Accepted { room } => format!("accepted — join room {room}"),
                CallState::Declined => "declined".to_owned(),
            };
            let how = format.map_or(String::new(), |f| format!(" by {}", f.as_str()));
            format!("[live session{how} {minutes} min at {start}: {state}] (request {request_id})")
        }
    }
}

/// Why queued messages to `peer` are not going out, when the reason is theirs to act on.
fn hold_reason(app: &App, peer: &str, name: &str) -> Option<String> {
    let status = app.identity_status(peer).ok()?;
    status
        .changed
        .then(|| format!("waiting: {name}'s identity changed; see `solace verify {name}`"))
}

fn print_messages(
    messages: &[Message],
    name: &str,
    hold: Option<&str>,
    out: &mut Output,
) -> Result<()> {
    if out.json {
        return out.json(messages);
    }
    if messages.is_empty() {
        return out.line("No messages yet.");
    }
    for message in messages {
        let who = if message.outgoing { "you" } else { name };
        let status = match hold {
            Some(reason) if message.outgoing && message.status == MessageStatus::Queued => {
                format!("{} — {reason}", message.status.as_str())
            }
            _ => message.status.as_str().to_owned(),
        };
        out.line(format!(
            "{}  {who}: {}  [{status}]",
            when(message.sent_at),
            describe(message)
        ))?;
    }
    Ok(())
}

fn print_conversations(list: &[Conversation], out: &mut Output) -> Result<()> {
    if out.json {
        return out.json(list);
    }
    if list.is_empty() {
        return out.line("No conversations yet: link with a therapist (`solace link`).");
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            let state = match (c.paused, c.peer_paused) {
                (true, _) => "paused by you",
                (false, true) => "paused by them",
                _ => "open",
            };
            vec![
                c.peer_name.clone(),
                c.peer_account.clone(),
                c.unread.to_string(),
                state.into(),
                c.last_at.map(when).unwrap_or_default(),
            ]
        })
        .collect();
    out.table(&["with", "id", "unread", "state", "last"], &rows)
}

/// `solace message …`.
pub fn message(cmd: MessageCommand, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    match cmd {
        MessageCommand::Send {
            to,
            text,
            queue_only,
        } => {
            let (peer, sent) = local(&app, |s| {
                let peer = resolve_peer(s, &to)?;
                let sent = local::send_text(s, &peer.peer_account, &text.join(" "))?;
                Ok((peer, sent))
            })?;
            if !queue_only {
                try_deliver(&app, out)?;
            }
            let status = local(&app, |s| Ok(local::messages(s, &peer.peer_account)?))?
                .into_iter()
                .find(|m| m.id == sent.id)
                .map_or(sent.status, |m| m.status);
            if out.json {
                return out.json(&serde_json::json!({"id": sent.id, "status": status}));
            }
            out.line(format!("Message {} is {}.", &sent.id[..8], status.as_str()))
        }
        MessageCommand::SaveAttachment {
            id,
            out: path,
            force,
        } => crate::report_cmd::save_attachment(&app, &id, &path, force, out),
        MessageCommand::List { with: None } => {
            let list = local(&app, |s| Ok(local::conversations(s)?))?;
            print_conversations(&list, out)
        }
        MessageCommand::List { with: Some(with) } => {
            let (peer, messages) = local(&app, |s| {
                let peer = resolve_peer(s, &with)?;
                let messages = local::messages(s, &peer.peer_account)?;
                Ok((peer, messages))
            })?;
            let hold = hold_reason(&app, &peer.peer_account, &peer.peer_name);
            print_messages(&messages, &peer.peer_name, hold.as_deref(), out)
        }
        MessageCommand::Read { with } => {
            try_deliver(&app, out)?;
            let (peer, messages) = local(&app, |s| {
                let peer = resolve_peer(s, &with)?;
                let messages = local::messages(s, &peer.peer_account)?;
                Ok((peer, messages))
            })?;
            let hold = hold_reason(&app, &peer.peer_account, &peer.peer_name);
            print_messages(&messages, &peer.peer_name, hold.as_deref(), out)?;
            if peer.paused && !out.json {
                out.note("This conversation is paused (`solace conversation resume`).")?;
            }
            local(&app, |s| Ok(local::mark_read(s, &peer.peer_account)?))?;
            try_deliver(&app, &mut Output::stdout(true))
        }
        MessageCommand::Retry { id } => {
            local(&app, |s| {
                let one = unique_message(s, &id, |_| true, "give a unique message id prefix")?;
                if !local::retry(s, &one)? {
                    return Err(CliError::input("that message is not waiting to be sent"));
                }
                Ok(())
            })?;
            try_deliver(&app, out)?;
            out.note("Retried.")
        }
        MessageCommand::Draft { with, text } => {
            let text = text.join(" ");
            local(&app, |s| {
                let peer = resolve_peer(s, &with)?;
                Ok(local::set_draft(s, &peer.peer_account, Some(&text))?)
            })?;
            out.note(if text.trim().is_empty() {
                "Draft cleared."
            } else {
                "Draft saved (encrypted)."
            })
        }
    }
}

/// Pauses or resumes the conversation with `with`; returns the peer's name.
fn set_paused(app: &App, with: &str, paused: bool) -> Result<String> {
    local(app, |s| {
        let peer = resolve_peer(s, with)?;
        local::set_paused(s, &peer.peer_account, paused)?;
        Ok(peer.peer_name)
    })
}

/// `solace conversation …`.
pub fn conversation(cmd: ConversationCommand, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    match cmd {
        ConversationCommand::Pause { with } => {
            let name = set_paused(&app, &with, true)?;
            try_deliver(&app, out)?;
            out.note(format!(
                "Paused your conversation with {name}: no reminders or notifications until you resume."
            ))
        }
        ConversationCommand::Resume { with } => {
            let name = set_paused(&app, &with, false)?;
            try_deliver(&app, out)?;
            out.note(format!("Resumed your conversation with {name}."))
        }
        ConversationCommand::Discreet { setting } => {
            let on = match setting.as_str() {
                "on" => true,
                "off" => false,
                _ => return Err(CliError::input("say on or off")),
            };
            local(&app, |s| Ok(local::set_discreet_notifications(s, on)?))?;
            out.note(if on {
                "Notifications say only “You have a new update”."
            } else {
                "Notifications name who wrote (never the content)."
            })
        }
    }
}

/// `solace share …`.
pub fn share(cmd: ShareCommand, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    match cmd {
        ShareCommand::Item { with, record } => {
            let (peer, id) = local(&app, |s| {
                let peer = resolve_peer(s, &with)?;
                let id = record::resolve_label(
                    s,
                    &[RecordKind::Journal, RecordKind::Assessment],
                    &record,
                )?;
                local::share(s, &peer.peer_account, &id)?;
                Ok((peer, id))
            })?;
            try_deliver(&app, out)?;
            out.note(format!(
                "Shared with {}; later edits are shared too until `solace share stop {}`.",
                peer.peer_name,
                &id.to_string()[..8]
            ))
        }
        ShareCommand::Stop { share } => {
            local(&app, |s| {
                let ids: Vec<String> = local::outgoing_shares(s)?
                    .into_iter()
                    .map(|(id, _)| id)
                    .filter(|id| id.starts_with(&share))
                    .collect();
                let [one] = ids.as_slice() else {
                    return Err(CliError::input("no single shared item matches that id"));
                };
                Ok(local::unshare(s, one)?)
            })?;
            try_deliver(&app, out)?;
            out.note("Stopped sharing; the copy on your therapist's devices is removed.")
        }
        ShareCommand::List => {
            let (mine, theirs) = local(&app, |s| {
                let mine = local::outgoing_shares(s)?;
                let mut theirs = Vec::new();
                for c in local::conversations(s)? {
                    for item in local::shared_with_me(s, &c.peer_account)? {
                        theirs.push((c.peer_name.clone(), item));
                    }
                }
                Ok((mine, theirs))
            })?;
            if out.json {
                let theirs: Vec<_> = theirs.iter().map(|(_, i)| i).collect();
                return out.json(&serde_json::json!({"sharing": mine.iter().map(|(id, s)| serde_json::json!({"share_id": id, "kind": s.item_kind, "with": s.peer_account})).collect::<Vec<_>>(), "shared_with_me": theirs}));
            }
            for (id, s) in &mine {
                out.line(format!("you share {} {} ", s.item_kind, &id[..8]))?;
            }
            for (name, item) in &theirs {
                out.line(format!(
                    "{name} shared {}: {}\n{}",
                    item.item_kind,
                    item.title,
                    serde_json::to_string_pretty(&item.content)?
                ))?;
            }
            if mine.is_empty() && theirs.is_empty() {
                out.line("Nothing is shared.")?;
            }
            Ok(())
        }
    }
}

/// `solace call …`.
pub fn call(cmd: CallCommand, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    let message = match cmd {
        CallCommand::Request {
            with,
            start,
            minutes,
            format,
        } => {
            let peer = local(&app, |s| resolve_peer(s, &with))?;
            let ask = local::CallAsk {
                start,
                minutes,
                format,
            };
            block_on(app.request_call(peer.peer_account, ask))?
        }
        CallCommand::Answer { request, answer } => {
            let accept = match answer.as_str() {
                "accept" => true,
                "decline" => false,
                _ => return Err(CliError::input("answer accept or decline")),
            };
            local(&app, |s| {
                let one = unique_message(
                    s,
                    &request,
                    |m| matches!(m.content, MessageContent::Call { .. }),
                    "no single call request matches that id",
                )?;
                Ok(local::answer_call(s, &one, accept)?)
            })?
        }
    };
    try_deliver(&app, out)?;
    if out.json {
        return out.json(&message);
    }
    out.line(describe(&message))
}
