//! The console's pages, rendered on the server (maud escapes every value). No inline script
//! or style: the page loads `/assets/console.css` and `/assets/console.js` only.

use maud::{html, Markup, DOCTYPE};
use solace_core::app::{measures, present};
use solace_core::app::{CaseloadEntry, Score};

use solace_core::messaging::{mood_share, CallState, Message, MessageContent};

use crate::routes::ClientView;
use crate::state::SyncStatus;

/// What every page around the content needs.
pub struct Frame<'a> {
    /// The page title.
    pub title: &'a str,
    /// The session's CSRF token, when signed in (for the lock button).
    pub csrf: Option<&'a str>,
    /// Whether the store is unlocked (shows navigation and the lock button).
    pub unlocked: bool,
    /// The background sync's last outcome.
    pub sync: SyncStatus,
}

fn layout(frame: &Frame<'_>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (frame.title) " · Solace console" }
                link rel="stylesheet" href="/assets/console.css";
                script src="/assets/console.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "Solace console" }
                    @if frame.unlocked {
                        nav aria-label="Main" { a href="/" { "Caseload" } }
                        @if let Some(csrf) = frame.csrf {
                            form.lock method="post" action="/lock" {
                                input type="hidden" name="csrf" value=(csrf);
                                button type="submit" { "Lock" }
                            }
                        }
                    }
                }
                @if let SyncStatus::Failed(why) = &frame.sync {
                    p.banner role="status" { "Working offline: " (why) }
                }
                @if let (SyncStatus::SignedOut, Some(csrf)) = (&frame.sync, frame.csrf) {
                    div.banner {
                        p role="status" { "The server signed this device out (its sign-in expired or was revoked). \
                             Your work here is kept; sign in again to sync." }
                        form method="post" action="/relogin" {
                            input type="hidden" name="csrf" value=(csrf);
                            label for="relogin-passphrase" { "Passphrase" }
                            " "
                            input id="relogin-passphrase" type="password" name="passphrase"
                                autocomplete="current-password" required;
                            " "
                            button type="submit" { "Sign in again" }
                        }
                    }
                }
                main id="main" { (body) }
                footer {
                    p { "Solace is not an emergency service. Decrypted on this computer only; \
                         the provider's server sees ciphertext." }
                }
            }
        }
    }
}

/// A page with only a heading and a sentence (errors, refusals).
pub fn notice(frame: &Frame<'_>, heading: &str, sentence: &str) -> Markup {
    layout(
        frame,
        html! {
            h1 { (heading) }
            p { (sentence) }
        },
    )
}

/// The passphrase form.
pub fn unlock(frame: &Frame<'_>, csrf: &str, error: Option<&str>) -> Markup {
    layout(
        frame,
        html! {
            h1 { "Unlock your store" }
            p { "The console opens your store with your passphrase and locks it again after a \
                 while without use." }
            @if let Some(error) = error {
                p.error role="alert" { (error) }
            }
            form method="post" action="/unlock" {
                input type="hidden" name="csrf" value=(csrf);
                label for="passphrase" { "Passphrase" }
                input id="passphrase" name="passphrase" type="password" autocomplete="current-password" required autofocus;
                button type="submit" { "Unlock" }
            }
        },
    )
}

fn score_cell(score: &Option<Score>) -> Markup {
    html! {
        @match score {
            Some(s) => { (s.total) " · " (s.band) }
            None => span.muted { "not shared" }
        }
    }
}

/// Unix milliseconds as "2026-11-26 19:41 UTC".
pub fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// An acknowledge button for alert `message_id`, going back to `back` after.
fn ack_button(csrf: &str, message_id: &str, back: &str) -> Markup {
    html! {
        form.ack method="post" action={ "/alerts/" (message_id) "/ack" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="back" value=(back);
            button type="submit" { "Acknowledge" }
        }
    }
}

/// The caseload, risk first, after the risk alerts still to acknowledge.
pub fn caseload(
    frame: &Frame<'_>,
    csrf: &str,
    rows: &[CaseloadEntry],
    alerts: &[(String, String, Message)],
    requests: &[solace_protocol::messaging::LinkInfo],
    response_window: Option<u32>,
) -> Markup {
    layout(
        frame,
        html! {
            @if !requests.is_empty() {
                section.requests aria-labelledby="requests" {
                    h2 id="requests" { "Link requests" }
                    ul {
                        @for l in requests {
                            li {
                                (l.client_name) " asks to link with you. "
                                form.inline method="post" action={ "/links/" (l.link_id) "/accept" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" { "Accept " (l.client_name) }
                                }
                                " "
                                form.inline method="post" action={ "/links/" (l.link_id) "/decline" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button.secondary type="submit" { "Decline " (l.client_name) }
                                }
                            }
                        }
                    }
                }
            }
            @if !alerts.is_empty() {
                section.alerts aria-labelledby="alerts" {
                    h2 id="alerts" { "Risk alerts to acknowledge" }
                    p.muted {
                        "Sent automatically because the client chose so. "
                        @if let Some(hours) = response_window {
                            "You promised to respond within " (hours) " hours. "
                        }
                        "Solace is not an emergency service."
                    }
                    ul {
                        @for (name, peer, m) in alerts {
                            li.flag-item {
                                a href={ "/client/" (peer) } { (name) } ": "
                                (present::message_text(&m.content))
                                " " span.meta { "(arrived " (when(m.sent_at)) ")" }
                                (ack_button(csrf, &m.id, "caseload"))
                            }
                        }
                    }
                }
            }
            h1 { "Caseload" }
            @if rows.is_empty() {
                p { "No linked clients yet. Clients find you in the directory and ask to link; \
                     accept with " code { "solace link accept" } "." }
            } @else {
                table.caseload {
                    caption {
                        (rows.len()) (if rows.len() == 1 { " linked client" } else { " linked clients" })
                        ", those needing attention first"
                    }
                    thead { tr {
                        th scope="col" { "Client" }
                        th scope="col" { "Risk" }
                        th scope="col" { "PHQ-9" }
                        th scope="col" { "GAD-7" }
                        th scope="col" { "Unread" }
                        th scope="col" { "Call requests" }
                        th scope="col" { "Last activity" }
                    } }
                    tbody {
                        @for row in rows {
                            tr class=[row.risk.map(|_| "risk")] {
                                th scope="row" {
                                    a href={ "/client/" (row.peer_account) } { (row.name) }
                                    @if row.paused { " " span.muted { "(paused)" } }
                                }
                                td {
                                    @if let Some(risk) = row.risk {
                                        span.flag { "Risk: " (risk.label()) }
                                    } @else { span.muted { "none" } }
                                }
                                td { (score_cell(&row.phq9)) }
                                td { (score_cell(&row.gad7)) }
                                td { (row.unread) }
                                td { (row.open_call_requests) }
                                td { (row.last_activity.map(when).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// Any content inside the console's frame.
pub fn wrap(frame: &Frame<'_>, body: Markup) -> Markup {
    layout(frame, body)
}

/// One client: conversation, measures, shared items, private notes.
pub fn client(frame: &Frame<'_>, csrf: &str, view: &ClientView) -> Markup {
    let (row, shared) = (&view.row, &view.shared);
    layout(
        frame,
        html! {
            h1 { (row.name) }
            @if let Some(risk) = row.risk {
                p.flag role="alert" { "Risk: " (risk.label()) }
            }
            section aria-labelledby="thread" {
                h2 id="thread" { "Messages" }
                @if row.paused { p.muted { "This conversation is paused." } }
                (thread(view, csrf))
                form method="post" action={ "/client/" (row.peer_account) "/reply" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="reply" { "Reply" }
                    textarea id="reply" name="text" rows="3" required { (view.draft.as_deref().unwrap_or("")) }
                    button type="submit" { "Send" }
                    " "
                    button.secondary type="submit" name="action" value="draft" { "Save draft" }
                }
                form method="post" action={ "/client/" (row.peer_account) "/pause" } {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="paused" value=(if view.paused_by_me { "false" } else { "true" });
                    button.secondary type="submit" {
                        (if view.paused_by_me { "Resume conversation" } else { "Pause conversation" })
                    }
                }
            }
            section aria-labelledby="intake" {
                h2 id="intake" { "Intake" }
                (crate::entries::intake(solace_core::messaging::intake::from_items(shared).as_ref()))
            }
            section aria-labelledby="goals" {
                h2 id="goals" { "Goals" }
                (crate::entries::goals(&solace_core::goals::from_items(shared)))
            }
            section aria-labelledby="measures" {
                h2 id="measures" { "Measures" }
                @for series in measures::series(shared) {
                    h3 { (series.instrument.name()) }
                    (crate::charts::measure(&series))
                }
                h3 { "Mood" }
                @match shared.iter().find_map(mood_share::from_item) {
                    Some(trend) => (crate::charts::mood(&trend)),
                    None => p.muted { "The client does not share their mood trend." },
                }
            }
            section aria-labelledby="shared" {
                h2 id="shared" { "Shared with you" }
                (crate::entries::shared(shared))
            }
            section aria-labelledby="notes" {
                h2 id="notes" { "Private notes" }
                p.muted { "Only you can read these: encrypted to your account, synced to your devices, never shared." }
                form method="post" action={ "/client/" (row.peer_account) "/notes" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="note" { "New note" }
                    textarea id="note" name="text" rows="3" required {}
                    button type="submit" { "Save note" }
                }
                ul.notes {
                    @for note in &view.notes {
                        li {
                            p.meta { (note.created_at.format("%Y-%m-%d %H:%M").to_string()) }
                            p.entry { (note.text) }
                        }
                    }
                }
                p {
                    a href={ "/client/" (row.peer_account) "/summary" } { "Printable summary" }
                    " · "
                    a href={ "/client/" (row.peer_account) "/summary.md" } { "Download summary (Markdown)" }
                }
            }
        },
    )
}

/// The conversation as a list (also served alone, for the page's live refresh): call
/// requests from the client carry accept and decline buttons.
pub fn thread(view: &ClientView, csrf: &str) -> Markup {
    let row = &view.row;
    let newest = view.messages.iter().map(|m| m.sent_at).max().unwrap_or(0);
    let version = format!("{}-{}-{}", view.messages.len(), newest, row.unread);
    html! {
        ol.thread data-peer=(row.peer_account) data-version=(version) aria-live="polite" {
            @for m in &view.messages {
                li class=(if m.outgoing { "out" } else { "in" }) {
                    span.meta { (if m.outgoing { "You" } else { row.name.as_str() }) ", " (when(m.sent_at)) }
                    p { (present::message_text(&m.content)) }
                    @if let Some(label) = present::delivery_label(m.status, m.outgoing) {
                        span.meta { (label) }
                    }
                    @if !m.outgoing && matches!(m.content, MessageContent::RiskAlert { .. })
                        && view.open_alerts.contains(&m.id) {
                        (ack_button(csrf, &m.id, &row.peer_account))
                    }
                    @if !m.outgoing && matches!(m.content, MessageContent::Call { state: CallState::Requested, .. }) {
                        form.call method="post" action={ "/client/" (row.peer_account) "/call/" (m.id) } {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" name="action" value="accept" { "Accept session" }
                            " "
                            button.secondary type="submit" name="action" value="decline" { "Decline" }
                        }
                    }
                }
            }
        }
    }
}
