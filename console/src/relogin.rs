//! Signing this device in again when the server stopped accepting its sign-in (a token that
//! expired over a long holiday, or one revoked from another device). The console keeps
//! working on the local store meanwhile; the banner asks for the passphrase, and the same
//! use case as `solace login` runs (`App::relogin`): a new token for the same store, its
//! pending edits and its messaging identity.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use solace_core::app::Credentials;
use solace_core::CoreError;
use zeroize::Zeroizing;

use crate::pages;
use crate::routes::{frame, page, unlocked_form, Shared};
use crate::state::SyncStatus;

/// The device name the server lists for a console sign-in.
const DEVICE_NAME: &str = "Solace console";

/// The sign-in form in the banner.
#[derive(Deserialize)]
pub struct ReloginForm {
    csrf: String,
    passphrase: Zeroizing<String>,
}

/// Signs in again with the passphrase, then syncs; a wrong passphrase gets a page saying so.
pub async fn relogin(
    State(console): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<ReloginForm>,
) -> Response {
    let (session, app) = match unlocked_form(&console, &headers, &form.csrf) {
        Ok(ok) => ok,
        Err(answer) => return *answer,
    };
    let username = match app.read(|s| s.sync_account()) {
        Ok(Some((account, _))) => account.username,
        Ok(None) => return Redirect::to("/").into_response(),
        Err(e) => return failed(&console, &session.csrf, &e),
    };
    let credentials = Credentials {
        username,
        passphrase: form.passphrase,
        device_name: DEVICE_NAME.into(),
    };
    match app.relogin(credentials).await {
        Ok(()) => {
            console.set_sync_status(SyncStatus::NotYet);
            crate::background::sync_soon(console.clone());
            Redirect::to("/").into_response()
        }
        Err(e) => failed(&console, &session.csrf, &e),
    }
}

fn failed(console: &Shared, csrf: &str, error: &CoreError) -> Response {
    let (status, sentence) = if is_refusal(error) {
        (
            StatusCode::UNAUTHORIZED,
            "The server did not accept that passphrase. Nothing was changed; try again from \
             the banner."
                .to_owned(),
        )
    } else {
        (
            StatusCode::BAD_GATEWAY,
            format!("Could not sign in again: {error}. Your work here is kept."),
        )
    };
    page(
        status,
        pages::notice(
            &frame(console, "Sign in again", Some(csrf)),
            "Sign in again",
            &sentence,
        ),
    )
}

fn is_refusal(error: &CoreError) -> bool {
    matches!(
        error,
        CoreError::WrongPassphrase
            | CoreError::Transport(solace_core::error::TransportError::Unauthorized)
    )
}
