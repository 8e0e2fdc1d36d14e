//! The console's routes. Every request first passes the host/origin check and gets the
//! security headers; every page but the launch exchange and the static assets needs a
//! session; every state change checks the session's CSRF token.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::Markup;
use serde::Deserialize;
use solace_core::app::caseload;
use solace_core::messaging::local;
use solace_core::CoreError;
use zeroize::Zeroizing;

use crate::pages::{self, Frame};
use crate::security::{self, Refusal, Session};
use crate::state::{Console, SyncStatus};

pub(crate) type Shared = Arc<Console>;

const CSS: &str = include_str!("../assets/console.css");
const JS: &str = include_str!("../assets/console.js");

/// The console's router over `console`.
pub fn router(console: Shared) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/unlock", post(unlock))
        .route("/lock", post(lock))
        .route("/relogin", post(crate::relogin::relogin))
        .route("/client/{peer}", get(client))
        .route("/client/{peer}/reply", post(reply))
        .route("/client/{peer}/notes", post(add_note))
        .route("/client/{peer}/thread", get(crate::conversation::thread))
        .route(
            "/client/{peer}/call/{message}",
            post(crate::conversation::answer_call),
        )
        .route("/client/{peer}/pause", post(crate::conversation::pause))
        .route(
            "/alerts/{message}/ack",
            post(crate::conversation::acknowledge),
        )
        .route(
            "/links/{link}/{action}",
            post(crate::conversation::link_action),
        )
        .route("/client/{peer}/summary", get(summary_page))
        .route("/client/{peer}/summary.md", get(summary_markdown))
        .route(
            "/assets/console.css",
            get(|| async { asset(CSS, "text/css") }),
        )
        .route(
            "/assets/console.js",
            get(|| async { asset(JS, "text/javascript") }),
        )
        .layer(middleware::from_fn_with_state(console.clone(), guard))
        .with_state(console)
}

fn asset(body: &'static str, kind: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

/// Host/Origin check before anything runs; security headers on every answer.
async fn guard(State(console): State<Shared>, request: Request, next: Next) -> Response {
    let mut response = match console.hosts.check(request.method(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(Refusal::ForeignHost) => (
            StatusCode::MISDIRECTED_REQUEST,
            "This console answers only on its own address.",
        )
            .into_response(),
        Err(Refusal::ForeignOrigin) => (
            StatusCode::FORBIDDEN,
            "Requests from other sites are refused.",
        )
            .into_response(),
    };
    security::harden(response.headers_mut(), console.hosts.is_tls());
    response
}

pub(crate) fn frame<'a>(console: &Console, title: &'a str, csrf: Option<&'a str>) -> Frame<'a> {
    Frame {
        title,
        csrf,
        unlocked: console.app_if_open().is_some(),
        sync: console.sync_status(),
    }
}

pub(crate) fn page(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// A request refused before its page: no session, or a form without this session's token.
pub(crate) enum Denied {
    NoSession,
    BadCsrf,
}

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        let frame = Frame {
            title: "Refused",
            csrf: None,
            unlocked: false,
            sync: SyncStatus::NotYet,
        };
        match self {
            Self::NoSession => page(
                StatusCode::UNAUTHORIZED,
                pages::notice(
                    &frame,
                    "Open the console from its link",
                    "Run `solace console` and open the link it prints. Each link works once.",
                ),
            ),
            Self::BadCsrf => page(
                StatusCode::FORBIDDEN,
                pages::notice(
                    &frame,
                    "Refused",
                    "The form was out of date or not from this console. Go back, reload and \
                     try again.",
                ),
            ),
        }
    }
}

fn forbidden(console: &Console, sentence: &str) -> Response {
    page(
        StatusCode::FORBIDDEN,
        pages::notice(&frame(console, "Refused", None), "Refused", sentence),
    )
}

/// The session of a request.
pub(crate) fn session(console: &Console, headers: &HeaderMap) -> Result<Session, Denied> {
    console.gate.session(headers).ok_or(Denied::NoSession)
}

/// Account ids are short tokens of letters, digits, `-` and `_`; anything else is no client.
pub(crate) fn plausible_peer(peer: &str) -> bool {
    !peer.is_empty()
        && peer.len() <= 128
        && peer
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The checks every form makes: a session, and its CSRF token in the form.
pub(crate) fn form_session(
    console: &Console,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Session, Denied> {
    let session = session(console, headers)?;
    check_csrf(&session, csrf)?;
    Ok(session)
}

/// [`form_session`], and the unlocked store a change is made to (locked: back to the start
/// page, which asks for the passphrase). The error is the answer to send instead (boxed: a
/// response is large and this is the rare path).
pub(crate) fn unlocked_form(
    console: &Console,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<(Session, solace_core::app::App), Box<Response>> {
    let session = form_session(console, headers, csrf).map_err(|d| Box::new(d.into_response()))?;
    let app = console
        .app()
        .ok_or_else(|| Box::new(Redirect::to("/").into_response()))?;
    Ok((session, app))
}

pub(crate) fn check_csrf(session: &Session, sent: &str) -> Result<(), Denied> {
    if security::same_secret(&session.csrf, sent) {
        Ok(())
    } else {
        Err(Denied::BadCsrf)
    }
}

async fn home(
    State(console): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(token) = query.get("token") {
        return match console.gate.open(token) {
            // The token leaves the address bar with the redirect.
            Some(id) => (
                [(
                    header::SET_COOKIE,
                    security::session_cookie(&id, console.hosts.is_tls()),
                )],
                Redirect::to("/"),
            )
                .into_response(),
            None => forbidden(
                &console,
                "This link was already used or is not this console's. Run `solace console` \
                 again for a new one.",
            ),
        };
    }
    let session = match session(&console, &headers) {
        Ok(s) => s,
        Err(denied) => return denied.into_response(),
    };
    let Some(app) = console.app() else {
        return page(
            StatusCode::OK,
            pages::unlock(&frame(&console, "Unlock", None), &session.csrf, None),
        );
    };
    let loaded = app.caseload().and_then(|rows| {
        // Alerts not acknowledged yet (also those that came while the console was closed)
        // are listed before everything else.
        let alerts = app.read(|store| {
            let mut alerts = Vec::new();
            for row in rows.iter().filter(|r| r.open_alerts > 0) {
                for m in solace_core::messaging::alerts::open(store, &row.peer_account)? {
                    alerts.push((row.name.clone(), row.peer_account.clone(), m));
                }
            }
            Ok(alerts)
        })?;
        Ok((rows, alerts))
    });
    match loaded {
        Ok((rows, alerts)) => page(
            StatusCode::OK,
            pages::caseload(
                &frame(&console, "Caseload", Some(&session.csrf)),
                &session.csrf,
                &rows,
                &alerts,
                &console.pending_links(),
                app.published_response_window().ok().flatten(),
            ),
        ),
        Err(e) => failure(&console, &e),
    }
}

pub(crate) fn failure(console: &Console, error: &CoreError) -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        pages::notice(
            &frame(console, "Problem", None),
            "Something went wrong",
            &error.to_string(),
        ),
    )
}

#[derive(Deserialize)]
struct UnlockForm {
    csrf: String,
    passphrase: Zeroizing<String>,
}

async fn unlock(
    State(console): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<UnlockForm>,
) -> Response {
    let session = match form_session(&console, &headers, &form.csrf) {
        Ok(s) => s,
        Err(denied) => return denied.into_response(),
    };
    match console.unlock(form.passphrase).await {
        Ok(()) => {
            crate::background::sync_soon(console.clone());
            Redirect::to("/").into_response()
        }
        Err(e) => {
            let message = match e {
                CoreError::WrongPassphrase => "That passphrase does not open this store.".into(),
                other => other.to_string(),
            };
            page(
                StatusCode::UNAUTHORIZED,
                pages::unlock(
                    &frame(&console, "Unlock", None),
                    &session.csrf,
                    Some(&message),
                ),
            )
        }
    }
}

/// A form that carries only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    pub csrf: String,
}

async fn lock(
    State(console): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(denied) = form_session(&console, &headers, &form.csrf) {
        return denied.into_response();
    }
    console.lock();
    Redirect::to("/").into_response()
}

async fn client(
    State(console): State<Shared>,
    Path(peer): Path<String>,
    headers: HeaderMap,
) -> Response {
    let session = match session(&console, &headers) {
        Ok(s) => s,
        Err(denied) => return denied.into_response(),
    };
    let Some(app) = console.app() else {
        return Redirect::to("/").into_response();
    };
    if !plausible_peer(&peer) {
        return no_such_client(&console, &session);
    }
    let found = load_client(&app, &peer);
    if matches!(found, Ok(Some(ref v)) if v.row.unread > 0) {
        // Opening the conversation reads it: read receipts go out with the next sync.
        if app.write(|store| local::mark_read(store, &peer)).is_ok() {
            crate::background::sync_soon(console.clone());
        }
    }
    match found {
        Ok(Some(v)) => page(
            StatusCode::OK,
            pages::client(
                &frame(&console, &v.row.name.clone(), Some(&session.csrf)),
                &session.csrf,
                &v,
            ),
        ),
        Ok(None) => no_such_client(&console, &session),
        Err(e) => failure(&console, &e),
    }
}

/// What the client page and the summary show about one client.
pub struct ClientView {
    /// The caseload line.
    pub row: solace_core::app::CaseloadEntry,
    /// The conversation.
    pub messages: Vec<solace_core::messaging::Message>,
    /// What the client shared.
    pub shared: Vec<solace_core::messaging::SharedItem>,
    /// The therapist's notes, newest first.
    pub notes: Vec<solace_core::notes::ClientNote>,
    /// The unsent reply kept as the conversation's (encrypted) draft.
    pub draft: Option<String>,
    /// The therapist paused the conversation.
    pub paused_by_me: bool,
    /// Message ids of the risk alerts not acknowledged yet.
    pub open_alerts: Vec<String>,
}

pub(crate) fn load_client(
    app: &solace_core::app::App,
    peer: &str,
) -> Result<Option<ClientView>, CoreError> {
    app.read(|store| {
        let Some(conversation) = local::conversations(store)?
            .into_iter()
            .find(|c| c.peer_account == peer)
        else {
            return Ok(None);
        };
        let messages = local::messages(store, peer)?;
        let shared = local::shared_with_me(store, peer)?;
        let alerts: Vec<String> = solace_core::messaging::alerts::open_among(store, &messages)?
            .into_iter()
            .map(|m| m.id.clone())
            .collect();
        let row = caseload::entry(
            &conversation,
            &messages,
            &local::SharedSummary::of(&shared),
            alerts.len(),
        );
        let notes = solace_core::notes::list(store, peer)?;
        Ok(Some(ClientView {
            row,
            messages,
            shared,
            notes,
            draft: conversation.draft.clone(),
            paused_by_me: conversation.paused,
            open_alerts: alerts,
        }))
    })
}

pub(crate) fn no_such_client(console: &Console, session: &Session) -> Response {
    page(
        StatusCode::NOT_FOUND,
        pages::notice(
            &frame(console, "Not found", Some(&session.csrf)),
            "No such client",
            "There is no conversation with this client on this device.",
        ),
    )
}

#[derive(Deserialize)]
struct ReplyForm {
    csrf: String,
    text: String,
    /// `draft` keeps the text as the conversation's encrypted draft instead of sending it.
    #[serde(default)]
    action: Option<String>,
}

async fn reply(
    State(console): State<Shared>,
    Path(peer): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ReplyForm>,
) -> Response {
    let (session, app) = match unlocked_form(&console, &headers, &form.csrf) {
        Ok(checked) => checked,
        Err(answer) => return *answer,
    };
    if !plausible_peer(&peer) {
        return no_such_client(&console, &session);
    }
    if form.action.as_deref() == Some("draft") {
        let draft = Some(form.text.as_str()).filter(|t| !t.trim().is_empty());
        return match app.write(|store| local::set_draft(store, &peer, draft)) {
            Ok(()) => Redirect::to(&format!("/client/{peer}")).into_response(),
            Err(e) => failure(&console, &e),
        };
    }
    // Queued in the encrypted outbox first: it goes out now if online, later otherwise.
    let sent = app.write(|store| {
        let sent = local::send_text(store, &peer, &form.text)?;
        local::set_draft(store, &peer, None)?;
        Ok(sent)
    });
    match sent {
        Ok(_) => {
            crate::background::sync_soon(console.clone());
            Redirect::to(&format!("/client/{peer}")).into_response()
        }
        Err(e) => failure(&console, &e),
    }
}

#[derive(Deserialize)]
struct NoteForm {
    csrf: String,
    text: String,
}

async fn add_note(
    State(console): State<Shared>,
    Path(peer): Path<String>,
    headers: HeaderMap,
    Form(form): Form<NoteForm>,
) -> Response {
    let (session, app) = match unlocked_form(&console, &headers, &form.csrf) {
        Ok(checked) => checked,
        Err(answer) => return *answer,
    };
    if !plausible_peer(&peer) || !matches!(load_client(&app, &peer), Ok(Some(_))) {
        return no_such_client(&console, &session);
    }
    // A record of the therapist's own: sealed, synced to their devices, never shared.
    match app.write(|store| solace_core::notes::add(store, &peer, &form.text)) {
        Ok(_) => {
            crate::background::sync_soon(console.clone());
            Redirect::to(&format!("/client/{peer}#notes")).into_response()
        }
        Err(e) => failure(&console, &e),
    }
}

/// The client's view for a summary, or the answer to send instead (boxed: a response is
/// large and this is the rare path).
fn summary_view(
    console: &Console,
    headers: &HeaderMap,
    peer: &str,
) -> Result<ClientView, Box<Response>> {
    let session = session(console, headers).map_err(|d| Box::new(d.into_response()))?;
    let app = console
        .app()
        .ok_or_else(|| Box::new(Redirect::to("/").into_response()))?;
    if !plausible_peer(peer) {
        return Err(Box::new(no_such_client(console, &session)));
    }
    match load_client(&app, peer) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(Box::new(no_such_client(console, &session))),
        Err(e) => Err(Box::new(failure(console, &e))),
    }
}

async fn summary_page(
    State(console): State<Shared>,
    Path(peer): Path<String>,
    headers: HeaderMap,
) -> Response {
    let view = match summary_view(&console, &headers, &peer) {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let measures = solace_core::app::measures::series(&view.shared);
    let summary = crate::summary::Summary {
        row: &view.row,
        measures: &measures,
        shared: &view.shared,
        notes: &view.notes,
    };
    let csrf = console.gate.session(&headers).map(|s| s.csrf);
    page(
        StatusCode::OK,
        pages::wrap(
            &frame(&console, "Summary", csrf.as_deref()),
            crate::summary::printable(&summary),
        ),
    )
}

async fn summary_markdown(
    State(console): State<Shared>,
    Path(peer): Path<String>,
    headers: HeaderMap,
) -> Response {
    let view = match summary_view(&console, &headers, &peer) {
        Ok(v) => v,
        Err(answer) => return *answer,
    };
    let measures = solace_core::app::measures::series(&view.shared);
    let text = crate::summary::markdown(&crate::summary::Summary {
        row: &view.row,
        measures: &measures,
        shared: &view.shared,
        notes: &view.notes,
    });
    (
        [
            (header::CONTENT_TYPE, "text/markdown; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"client-summary.md\"",
            ),
        ],
        text,
    )
        .into_response()
}
