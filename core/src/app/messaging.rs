//! Messaging use cases that talk to the server: the messaging round, the directory, links,
//! therapist profiles and live-session requests. Local messaging (compose, read, drafts)
//! needs no server and goes through [`App::write`] / [`App::read`].

use solace_protocol::messaging as m;

use super::{runner, App};
use crate::error::Result;
use crate::messaging::{InboxReport, Message, Messenger, OutboxReport};

/// Where the published response window is kept (device-local).
const RESPONSE_WINDOW_STATE: &str = "therapist/response-window";

impl App {
    /// One messaging round without a record sync (links, keys, mailbox, outbox). Listeners
    /// hear `on_message_arrived` per conversation with new messages.
    pub async fn messaging_round(&self) -> Result<(InboxReport, OutboxReport)> {
        let app = self.clone();
        let (inbox, outbox) = runner::run_blocking(move |cancel| {
            let http = app.connected_transport(cancel)?;
            Messenger::new(&http).sync(app.cell())
        })
        .await?;
        for peer in &inbox.arrived {
            self.shared.listeners.each(|l| l.on_message_arrived(peer));
        }
        Ok((inbox, outbox))
    }

    /// Publishes (or updates) this account's therapist profile and this device's keys, so
    /// clients can find the therapist and message them right away.
    pub async fn publish_therapist_profile(&self, profile: m::TherapistProfile) -> Result<()> {
        let window = profile.response_window_hours;
        self.online(move |app, messenger| {
            messenger.publish_profile(app.cell(), &profile)?;
            messenger.publish_device_keys(app.cell()).map(|_| ())
        })
        .await?;
        // Kept on this device so its console can show the promise beside each alert.
        self.write(|s| match window {
            Some(hours) => s.put_device_state(RESPONSE_WINDOW_STATE, &hours.to_be_bytes()),
            None => s.delete_device_state(RESPONSE_WINDOW_STATE),
        })
    }

    /// The response window this therapist published from this device, in hours.
    pub fn published_response_window(&self) -> Result<Option<u32>> {
        self.read(|s| {
            Ok(s.device_state(RESPONSE_WINDOW_STATE)?
                .and_then(|bytes| <[u8; 4]>::try_from(bytes.as_slice()).ok())
                .map(u32::from_be_bytes))
        })
    }

    /// Searches the therapist directory.
    pub async fn search_directory(
        &self,
        query: m::DirectoryQuery,
    ) -> Result<Vec<m::DirectoryEntry>> {
        self.online(move |app, messenger| messenger.search(app.cell(), &query))
            .await
    }

    /// Asks a therapist for a link (messages flow once they accept).
    pub async fn request_link(&self, therapist_id: String) -> Result<m::LinkInfo> {
        self.online(move |app, messenger| messenger.request_link(app.cell(), &therapist_id))
            .await
    }

    /// This account's links; active ones get a local conversation.
    pub async fn links(&self) -> Result<Vec<m::LinkInfo>> {
        self.online(|app, messenger| messenger.links(app.cell()))
            .await
    }

    /// The therapist accepts a link and publishes this device's keys so the client can
    /// write at once.
    pub async fn accept_link(&self, link_id: String) -> Result<m::LinkInfo> {
        self.online(move |app, messenger| {
            let info = messenger.accept_link(app.cell(), &link_id)?;
            messenger.publish_device_keys(app.cell())?;
            Ok(info)
        })
        .await
    }

    /// Ends a link (either side).
    pub async fn end_link(&self, link_id: String) -> Result<m::LinkInfo> {
        self.online(move |app, messenger| {
            let info = messenger.end_link(app.cell(), &link_id)?;
            // Keeps the device's view of its links current (reviews open once a link ended).
            messenger.links(app.cell())?;
            Ok(info)
        })
        .await
    }

    /// Requests a 5–15 minute live session in one of the therapist's slots and formats;
    /// queued in the outbox like a message.
    pub async fn request_call(
        &self,
        therapist_id: String,
        ask: crate::messaging::local::CallAsk,
    ) -> Result<Message> {
        self.online(move |app, messenger| messenger.request_call(app.cell(), &therapist_id, ask))
            .await
    }

    /// Asks a therapist for a link and records what the client lets flow to them on its own
    /// (each off by default; changeable later with [`App::set_link_consent`]).
    pub async fn request_link_with(
        &self,
        therapist_id: String,
        consent: crate::messaging::consent::LinkConsent,
    ) -> Result<m::LinkInfo> {
        let info = self.request_link(therapist_id).await?;
        self.set_link_consent(&info.therapist_id, consent)?;
        Ok(info)
    }

    /// What flows to the linked therapist on its own.
    pub fn link_consent(&self, therapist: &str) -> Result<crate::messaging::consent::LinkConsent> {
        self.read(|s| crate::messaging::consent::get(s, therapist))
    }

    /// Sets what flows to the linked therapist on its own (synced to the person's devices).
    pub fn set_link_consent(
        &self,
        therapist: &str,
        consent: crate::messaging::consent::LinkConsent,
    ) -> Result<()> {
        self.write(|s| crate::messaging::consent::set(s, therapist, consent))
    }

    /// Runs `f` with a messenger for the connected server on the blocking pool.
    pub(super) async fn online<T: Send + 'static>(
        &self,
        f: impl FnOnce(&App, &Messenger<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let http = app.connected_transport(cancel)?;
            f(&app, &Messenger::new(&http))
        })
        .await
    }
}
