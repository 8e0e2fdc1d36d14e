//! The server operations messaging uses (directory, links, key directory, mailbox), as a
//! trait so tests can put faults between client and server; implemented over HTTP by
//! [`HttpTransport`]. Blocking: call off the UI thread.

use crate::error::TransportError;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use solace_protocol::messaging as m;

use crate::error::{CoreError, Result};
use crate::sync::transport::{MAX_LARGE_ANSWER, MAX_SMALL_ANSWER};
use crate::sync::{HttpTransport, Transport};

/// Messaging endpoints of protocol v1 (see `solace_protocol::messaging`).
pub trait MailboxTransport {
    /// `PUT /v1/therapist/profile`.
    fn put_profile(&self, token: &str, profile: &m::TherapistProfile) -> Result<()>;
    /// `POST /v1/directory/search`.
    fn search_directory(&self, token: &str, query: &m::DirectoryQuery) -> Result<m::DirectoryPage>;
    /// `POST /v1/links`.
    fn request_link(&self, token: &str, req: &m::LinkRequest) -> Result<m::LinkInfo>;
    /// `GET /v1/links`.
    fn links(&self, token: &str) -> Result<m::LinkList>;
    /// `POST /v1/links/accept`.
    fn accept_link(&self, token: &str, req: &m::LinkAction) -> Result<m::LinkInfo>;
    /// `POST /v1/links/end`.
    fn end_link(&self, token: &str, req: &m::LinkAction) -> Result<m::LinkInfo>;
    /// `PUT /v1/keys/device`.
    fn publish_keys(&self, token: &str, req: &m::DeviceKeysUpload) -> Result<m::KeyCount>;
    /// `POST /v1/keys/claim`.
    fn claim_keys(&self, token: &str, req: &m::ClaimRequest) -> Result<m::ClaimResponse>;
    /// `POST /v1/messages/send`.
    fn send(&self, token: &str, req: &m::SendRequest) -> Result<m::SendResponse>;
    /// `POST /v1/messages/inbox`.
    fn inbox(&self, token: &str, req: &m::InboxRequest) -> Result<m::Inbox>;
    /// `POST /v1/messages/ack`.
    fn ack(&self, token: &str, req: &m::AckRequest) -> Result<()>;
    /// `POST /v1/account/refresh`, so a messaging round renews a token running out. Test
    /// transports keep the default (refused as `unsupported`: the current token stays in use
    /// while it is valid).
    fn refresh_session(&self, _token: &str) -> Result<solace_protocol::SessionResponse> {
        Err(CoreError::Transport(TransportError::Rejected {
            code: "unsupported".into(),
            message: "this transport does not offer the operation".into(),
        }))
    }
}

impl HttpTransport {
    fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&B>,
    ) -> Result<Option<T>> {
        let mut req = self.request(method, path, token);
        if let Some(body) = body {
            req = req.json(body);
        }
        // Mailbox pages and directory pages can be big; every other answer is small.
        let limit = match path {
            "/v1/messages/inbox" | "/v1/directory/search" | "/v1/keys/claim" => MAX_LARGE_ANSWER,
            _ => MAX_SMALL_ANSWER,
        };
        self.execute(req, limit)
    }

    fn call_some<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&B>,
    ) -> Result<T> {
        self.call(method, path, token, body)?
            .ok_or_else(|| CoreError::Transport(TransportError::BadAnswer))
    }
}

impl MailboxTransport for HttpTransport {
    fn put_profile(&self, token: &str, profile: &m::TherapistProfile) -> Result<()> {
        self.call::<_, serde_json::Value>(
            Method::PUT,
            "/v1/therapist/profile",
            token,
            Some(profile),
        )
        .map(|_| ())
    }

    fn search_directory(&self, token: &str, query: &m::DirectoryQuery) -> Result<m::DirectoryPage> {
        self.call_some(Method::POST, "/v1/directory/search", token, Some(query))
    }

    fn request_link(&self, token: &str, req: &m::LinkRequest) -> Result<m::LinkInfo> {
        self.call_some(Method::POST, "/v1/links", token, Some(req))
    }

    fn links(&self, token: &str) -> Result<m::LinkList> {
        self.call_some::<(), _>(Method::GET, "/v1/links", token, None)
    }

    fn accept_link(&self, token: &str, req: &m::LinkAction) -> Result<m::LinkInfo> {
        self.call_some(Method::POST, "/v1/links/accept", token, Some(req))
    }

    fn end_link(&self, token: &str, req: &m::LinkAction) -> Result<m::LinkInfo> {
        self.call_some(Method::POST, "/v1/links/end", token, Some(req))
    }

    fn publish_keys(&self, token: &str, req: &m::DeviceKeysUpload) -> Result<m::KeyCount> {
        self.call_some(Method::PUT, "/v1/keys/device", token, Some(req))
    }

    fn claim_keys(&self, token: &str, req: &m::ClaimRequest) -> Result<m::ClaimResponse> {
        self.call_some(Method::POST, "/v1/keys/claim", token, Some(req))
    }

    fn send(&self, token: &str, req: &m::SendRequest) -> Result<m::SendResponse> {
        self.call_some(Method::POST, "/v1/messages/send", token, Some(req))
    }

    fn inbox(&self, token: &str, req: &m::InboxRequest) -> Result<m::Inbox> {
        self.call_some(Method::POST, "/v1/messages/inbox", token, Some(req))
    }

    fn ack(&self, token: &str, req: &m::AckRequest) -> Result<()> {
        self.call::<_, serde_json::Value>(Method::POST, "/v1/messages/ack", token, Some(req))
            .map(|_| ())
    }

    fn refresh_session(&self, token: &str) -> Result<solace_protocol::SessionResponse> {
        Transport::refresh(self, token)
    }
}
