//! Failures talking to the provider server (sync and mailbox).

/// A boxed source error from the HTTP stack (or a test double).
pub type BoxedSource = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a request to the server failed. Server-sent text is carried only where the protocol
/// guarantees it holds no personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The server could not be reached (DNS, connection, TLS, or the connection broke). The
    /// HTTP stack's error, when there is one, is the source.
    #[error("the sync server is unreachable")]
    Unreachable(#[source] Option<BoxedSource>),
    /// The server did not answer in time.
    #[error("the sync server did not answer in time")]
    Timeout,
    /// The server answered that it is busy or failing (HTTP 429 or 5xx); try again later.
    #[error("the sync server is busy or failing (HTTP {status}); try again later")]
    Unavailable {
        /// The HTTP status code.
        status: u16,
    },
    /// The server's answer was empty or did not decode; try again later.
    #[error("the sync server sent an unreadable answer")]
    BadAnswer,
    /// The server refused the credentials or the device token (revoked or expired).
    #[error("the sync server refused the login; log in again")]
    Unauthorized,
    /// The server rejected a request (see the code); retrying the same request will not help.
    #[error("the sync server rejected the request ({code}): {message}")]
    Rejected {
        /// Stable machine code from the server: what a UI branches on.
        code: String,
        /// The server's message (carries no personal data by protocol; for logs).
        message: String,
    },
    /// The server's answers contradict each other (for example it calls every new change
    /// a duplicate, or its pages never end). Nothing local was changed or lost.
    #[error("the sync server answered inconsistently ({0}); nothing was lost, try again later")]
    Inconsistent(&'static str),
    /// The server address uses plain `http://` to another machine: use `https://` (plain
    /// HTTP is accepted only for this machine, e.g. `http://127.0.0.1:8787`).
    #[error("the server address must use https (plain http only to this machine)")]
    InsecureUrl,
    /// The server's answer was larger than the client accepts; nothing was read.
    #[error("the sync server sent an answer larger than allowed")]
    TooLarge,
}

impl TransportError {
    /// Unreachable with `source` as the cause.
    pub fn unreachable(source: impl Into<BoxedSource>) -> Self {
        TransportError::Unreachable(Some(source.into()))
    }

    /// Whether the same request can succeed later without the user doing anything
    /// (unreachable, timeout, busy server, garbled answer).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            TransportError::Unreachable(_)
                | TransportError::Timeout
                | TransportError::Unavailable { .. }
                | TransportError::BadAnswer
        )
    }
}
