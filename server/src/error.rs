//! Errors: [`ServerError`] for starting and running the server, [`ApiErr`] for one HTTP answer
//! (a status code with an [`solace_protocol::ApiError`] JSON body carrying a stable code and a
//! message without personal data).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use solace_protocol as p;

use crate::config::ConfigError;
use crate::storage::StorageError;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database could not be opened or migrated.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// The listen address could not be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    /// The TLS certificate or key could not be loaded.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The HTTP server failed.
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// An error answer: status, stable code, message.
#[derive(Debug)]
pub struct ApiErr(StatusCode, &'static str, String);

impl ApiErr {
    /// `400 bad_request` with a message (never echo request content into it).
    pub fn bad(message: impl Into<String>) -> Self {
        ApiErr(StatusCode::BAD_REQUEST, "bad_request", message.into())
    }

    /// `401 unauthorized`: the same answer for every credential problem.
    pub fn unauthorized() -> Self {
        ApiErr(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing, invalid or expired credentials".into(),
        )
    }

    /// `429 rate_limited`.
    pub fn rate_limited() -> Self {
        ApiErr(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests; slow down".into(),
        )
    }

    /// `413 too_large`.
    pub fn too_large(what: &str) -> Self {
        ApiErr(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("{what} too large"),
        )
    }

    /// `404 not_found`.
    pub fn not_found(what: &str) -> Self {
        ApiErr(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
        )
    }

    /// `403 not_linked`: keys and messages flow only to the caller's own account or to an
    /// account with an active link.
    pub fn not_linked() -> Self {
        ApiErr(
            StatusCode::FORBIDDEN,
            "not_linked",
            "no active link with that account".into(),
        )
    }

    /// `403 forbidden` with a message (the caller may see the thing but not do this to it).
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiErr(StatusCode::FORBIDDEN, "forbidden", message.into())
    }

    /// `409 conflict` with a message (the thing is not in a state that allows this).
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiErr(StatusCode::CONFLICT, "conflict", message.into())
    }

    /// `409 mailbox_full`: a recipient device holds as many messages as the server keeps;
    /// nothing was stored, retry later.
    pub fn mailbox_full() -> Self {
        ApiErr(
            StatusCode::CONFLICT,
            "mailbox_full",
            "a recipient mailbox is full; retry later".into(),
        )
    }

    /// `409 sender_quota`: a recipient device holds as many messages from the calling
    /// account as one sender may leave there; nothing was stored, retry once they are read.
    pub fn sender_quota() -> Self {
        ApiErr(
            StatusCode::CONFLICT,
            "sender_quota",
            "you have too many unread messages waiting for a recipient; retry later".into(),
        )
    }

    /// `403 sender_key_mismatch`: a send's sender key is not the calling device's published
    /// identity key (publish keys first; a device cannot speak with another's key).
    pub fn sender_key_mismatch() -> Self {
        ApiErr(
            StatusCode::FORBIDDEN,
            "sender_key_mismatch",
            "the sender key is not this device's published identity key".into(),
        )
    }

    /// `405` for a known path with the wrong method (code `bad_request`).
    pub fn method_not_allowed() -> Self {
        ApiErr(
            StatusCode::METHOD_NOT_ALLOWED,
            "bad_request",
            "method not allowed here".into(),
        )
    }

    /// `403 proof_required`: changing credentials or revoking devices needs proof of the
    /// current passphrase (auth key) or of the account key; a token alone is not enough.
    pub fn proof_required() -> Self {
        ApiErr(
            StatusCode::FORBIDDEN,
            "proof_required",
            "this change needs proof of the passphrase or the account key".into(),
        )
    }

    /// `503 unavailable`: the server is too busy (or its storage is down); retry later.
    pub fn unavailable() -> Self {
        ApiErr(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "server busy; retry later".into(),
        )
    }

    /// `500 internal` (randomness or a worker task failed).
    pub fn internal() -> Self {
        ApiErr(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error".into(),
        )
    }

    /// The HTTP status of this answer.
    pub fn status(&self) -> StatusCode {
        self.0
    }

    /// The stable machine code of this answer.
    pub fn code(&self) -> &'static str {
        self.1
    }
}

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        (
            self.0,
            Json(p::ApiError {
                code: self.1.into(),
                message: self.2,
            }),
        )
            .into_response()
    }
}

impl From<StorageError> for ApiErr {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict => {
                ApiErr(StatusCode::CONFLICT, "conflict", "already exists".into())
            }
            StorageError::Gone => ApiErr::not_found("account"),
            StorageError::MailboxFull => ApiErr::mailbox_full(),
            StorageError::SenderQuotaFull => ApiErr::sender_quota(),
            StorageError::Backend(msg) => {
                tracing::error!(error = %msg, "storage failure");
                ApiErr(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "storage unavailable".into(),
                )
            }
        }
    }
}
