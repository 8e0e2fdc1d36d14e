//! The server operations messaging uses (directory, links, key directory, mailbox), as a
//! trait so tests can put faults between client and server; implemented over HTTP by
//! [`HttpTransport`] (one generic `send` per declared endpoint, sharing the sync transport's
//! client). Blocking: call off the UI thread.

use solace_protocol::endpoint as ep;
use solace_protocol::messaging as m;

use crate::error::{CoreError, Result, TransportError};
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

impl MailboxTransport for HttpTransport {
    fn put_profile(&self, token: &str, profile: &m::TherapistProfile) -> Result<()> {
        self.request::<ep::PutProfile>(Some(token), profile)
    }

    fn search_directory(&self, token: &str, query: &m::DirectoryQuery) -> Result<m::DirectoryPage> {
        self.request::<ep::SearchDirectory>(Some(token), query)
    }

    fn request_link(&self, token: &str, req: &m::LinkRequest) -> Result<m::LinkInfo> {
        self.request::<ep::RequestLink>(Some(token), req)
    }

    fn links(&self, token: &str) -> Result<m::LinkList> {
        self.request::<ep::ListLinks>(Some(token), &ep::NoBody)
    }

    fn accept_link(&self, token: &str, req: &m::LinkAction) -> Result<m::LinkInfo> {
        self.request::<ep::AcceptLink>(Some(token), req)
    }

    fn end_link(&self, token: &str, req: &m::LinkAction) -> Result<m::LinkInfo> {
        self.request::<ep::EndLink>(Some(token), req)
    }

    fn publish_keys(&self, token: &str, req: &m::DeviceKeysUpload) -> Result<m::KeyCount> {
        self.request::<ep::PublishKeys>(Some(token), req)
    }

    fn claim_keys(&self, token: &str, req: &m::ClaimRequest) -> Result<m::ClaimResponse> {
        self.request::<ep::ClaimKeys>(Some(token), req)
    }

    fn send(&self, token: &str, req: &m::SendRequest) -> Result<m::SendResponse> {
        self.request::<ep::SendMessage>(Some(token), req)
    }

    fn inbox(&self, token: &str, req: &m::InboxRequest) -> Result<m::Inbox> {
        self.request::<ep::Inbox>(Some(token), req)
    }

    fn ack(&self, token: &str, req: &m::AckRequest) -> Result<()> {
        self.request::<ep::Ack>(Some(token), req)
    }

    fn refresh_session(&self, token: &str) -> Result<solace_protocol::SessionResponse> {
        Transport::refresh(self, token)
    }
}
