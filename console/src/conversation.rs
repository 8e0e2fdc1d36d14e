//! The conversation's own routes: the thread alone (for the page's live refresh), answering a
//! call request, and pausing or resuming. Each state change checks the session's CSRF token
//! and syncs soon after, so the client hears of it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use solace_core::messaging::local;

use crate::pages;
use crate::routes::{
    failure, load_client, no_such_client, plausible_peer, session, unlocked_form, Shared,
};

/// `GET /client/{peer}/thread`: the message list alone; the page's script swaps it in when
/// its `data-version` changed (new messages appear without a reload).
pub async fn thread(
    State(console): State<Shared>,
    Path(peer): Path<String>,
    headers: HeaderMap,
) -> Response {
    let session = match session(&console, &headers) {
        Ok(s) => s,
        Err(denied) => return denied.into_response(),
    };
    let Some(app) = console.app() else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if !plausible_peer(&peer) {
        return no_such_client(&console, &session);
    }
    match load_client(&app, &peer) {
        Ok(Some(view)) => Html(pages::thread(&view, &session.csrf).into_string()).into_response(),
        Ok(None) => no_such_client(&console, &session),
        Err(e) => failure(&console, &e),
    }
}

/// The answer to a call request.
#[derive(Deserialize)]
pub struct CallForm {
    csrf: String,
    /// `accept` or `decline`.
    action: String,
}

/// `POST /client/{peer}/call/{message}`: accepts (with a new room) or declines the request.
pub async fn answer_call(
    State(console): State<Shared>,
    Path((peer, message)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<CallForm>,
) -> Response {
    let (session, app) = match unlocked_form(&console, &headers, &form.csrf) {
        Ok(checked) => checked,
        Err(answer) => return *answer,
    };
    if !plausible_peer(&peer) || !plausible_peer(&message) {
        return no_such_client(&console, &session);
    }
    let accept = form.action == "accept";
    let answered = app.write(|store| {
        // Only a request in this client's conversation is answered here.
        match store.message(&message)? {
            Some((row, _)) if row.peer_account == peer && !row.outgoing => {
                local::answer_call(store, &message, accept).map(Some)
            }
            _ => Ok(None),
        }
    });
    match answered {
        Ok(Some(_)) => {
            crate::background::sync_soon(console.clone());
            Redirect::to(&format!("/client/{peer}")).into_response()
        }
        Ok(None) => no_such_client(&console, &session),
        Err(e) => failure(&console, &e),
    }
}

/// Pause or resume.
#[derive(Deserialize)]
pub struct PauseForm {
    csrf: String,
    /// `true` to pause.
    paused: bool,
}

/// `POST /client/{peer}/pause`: pauses or resumes the conversation (the client sees it).
pub async fn pause(
    State(console): State<Shared>,
    Path(peer): Path<String>,
    headers: HeaderMap,
    Form(form): Form<PauseForm>,
) -> Response {
    let (session, app) = match unlocked_form(&console, &headers, &form.csrf) {
        Ok(checked) => checked,
        Err(answer) => return *answer,
    };
    if !plausible_peer(&peer) || !matches!(load_client(&app, &peer), Ok(Some(_))) {
        return no_such_client(&console, &session);
    }
    match app.write(|store| local::set_paused(store, &peer, form.paused)) {
        Ok(()) => {
            crate::background::sync_soon(console.clone());
            Redirect::to(&format!("/client/{peer}")).into_response()
        }
        Err(e) => failure(&console, &e),
    }
}

/// Acknowledging a risk alert.
#[derive(Deserialize)]
pub struct AckForm {
    csrf: String,
    /// Where the form was (`caseload` or a client's account id), to go back there.
    back: String,
}

/// `POST /alerts/{message}/ack`: acknowledges the alert (synced to the therapist's other
/// devices, so it is cleared there too).
pub async fn acknowledge(
    State(console): State<Shared>,
    Path(message): Path<String>,
    headers: HeaderMap,
    Form(form): Form<AckForm>,
) -> Response {
    let (session, app) = match unlocked_form(&console, &headers, &form.csrf) {
        Ok(checked) => checked,
        Err(answer) => return *answer,
    };
    if !plausible_peer(&message) || !plausible_peer(&form.back) {
        return no_such_client(&console, &session);
    }
    let done = app.write(|store| {
        // Only an alert that arrived in a conversation of this therapist is acknowledged.
        match store.message(&message)? {
            Some((row, _)) if !row.outgoing => {
                solace_core::messaging::alerts::acknowledge(store, &message).map(|_| true)
            }
            _ => Ok(false),
        }
    });
    match done {
        Ok(true) => {
            crate::background::sync_soon(console.clone());
            let to = if form.back == "caseload" {
                "/".to_owned()
            } else {
                format!("/client/{}", form.back)
            };
            Redirect::to(&to).into_response()
        }
        Ok(false) => no_such_client(&console, &session),
        Err(e) => failure(&console, &e),
    }
}

/// `POST /links/{link}/{accept|decline}`: answers a client's link request (needs the server).
pub async fn link_action(
    State(console): State<Shared>,
    Path((link, action)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<crate::routes::CsrfForm>,
) -> Response {
    let (session, app) = match unlocked_form(&console, &headers, &form.csrf) {
        Ok(checked) => checked,
        Err(answer) => return *answer,
    };
    let waiting = console.pending_links();
    if !waiting.iter().any(|l| l.link_id == link)
        || !matches!(action.as_str(), "accept" | "decline")
    {
        return no_such_client(&console, &session);
    }
    let answered = if action == "accept" {
        app.accept_link(link.clone()).await
    } else {
        app.end_link(link.clone()).await
    };
    match answered {
        Ok(_) => {
            console.set_pending_links(waiting.into_iter().filter(|l| l.link_id != link).collect());
            crate::background::sync_soon(console.clone());
            Redirect::to("/").into_response()
        }
        Err(e) => failure(&console, &e),
    }
}
