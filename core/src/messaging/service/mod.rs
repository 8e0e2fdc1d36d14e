//! Messaging over the network: directory and links, publishing this device's keys, flushing
//! the outbox in order and taking in the mailbox.
//!
//! Receiving is exactly-once from the user's point of view: each message is decrypted, stored
//! and its session saved in one transaction, then acknowledged; a message already taken in
//! (a duplicate delivery) is acknowledged without being stored again.
//!
//! Links, keys and calls are here; the outbox side (flush, deliver) is in `outbox`, the inbox
//! side (receive, take in, acknowledge) in `inbox`.

mod claims;
mod device_list;
mod expiry;
mod inbox;
mod outbox;

use device_list::Published;

use solace_protocol::messaging::{self as m, SessionFormat};

use super::identity::{self, AccountIdentity};
use super::local;
use super::model::{Conversation, MessageStatus};
use super::olm::DeviceKeys;
use super::transport::MailboxTransport;
use super::DeviceVault;
use crate::error::{CoreError, InputProblem, Result};
use crate::store::Store;
use crate::sync::StoreCell;

/// One-time keys kept on the server; topped up when fewer than half remain.
const ONE_TIME_KEY_TARGET: u32 = 50;
const INBOX_PAGE: u32 = 100;

/// What an outbox flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxReport {
    /// Entries the server accepted.
    pub sent: u32,
    /// Entries still waiting (offline, backing off, or behind one that is).
    pub waiting: u32,
    /// Entries that are wedged (need an explicit retry).
    pub wedged: u32,
    /// Conversations (peer account ids) whose account identity changed: their messages stay
    /// queued until the person compares the safety number and accepts the change.
    pub identity_changed: Vec<String>,
    /// Conversations (peer account ids) where the server listed a device that is not signed
    /// by the account's pinned identity: that device was given nothing.
    pub refused_devices: Vec<String>,
    /// Conversations (peer account ids) where a new signed device of the other person
    /// appeared (the conversation shows "<name> added a device").
    pub added_devices: Vec<String>,
    /// Entries that some of the recipient's current devices hold and some could not be
    /// reached yet (no session and no key): still queued (counted in `waiting` too) for those
    /// devices, and shown as queued, not sent.
    pub incomplete: u32,
}

/// What taking in the mailbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct InboxReport {
    /// Messages decrypted and stored.
    pub received: u32,
    /// Deliveries of messages already taken in (dropped).
    pub duplicates: u32,
    /// Messages that failed authentication or were malformed: the peer's fault (dropped).
    pub rejected: u32,
    /// Messages left on the server because this device's own messaging state is damaged
    /// (local damage, not the peer's fault): nothing is lost, they arrive once the state is
    /// repaired or restored. A front end should say so.
    pub held: u32,
    /// Messages left on the server because their sender's account identity changed: they
    /// arrive once the person accepts the change (see [`OutboxReport::identity_changed`]).
    pub identity_held: u32,
    /// Notification text for new messages in conversations that are not paused (discreet by
    /// default); `None` when there is nothing to notify.
    pub notification: Option<String>,
    /// Conversations (peer account ids) with new visible incoming messages.
    pub arrived: Vec<String>,
    /// Messages for this device that expired on the server before it came back (each
    /// conversation says from whom and when).
    pub expired_inbound: u32,
    /// Messages this person sent that expired unread in one of the peer's mailboxes (each
    /// conversation says which).
    pub expired_outbound: u32,
}

struct Me {
    account_id: String,
    device_id: String,
    token: String,
}

fn me_in(cell: &dyn StoreCell) -> Result<Me> {
    cell.with(|s| me(s))
}

fn me(store: &Store) -> Result<Me> {
    let (account, token) = store.sync_account()?.ok_or(CoreError::NotRegistered)?;
    Ok(Me {
        account_id: account.account_id,
        device_id: account.device_id,
        token: token.to_string(),
    })
}

/// Whether the other party of `link` deleted their account (the server then shows
/// [`m::DELETED_ACCOUNT`] in their place).
fn peer_deleted(link: &m::LinkInfo, me: &str) -> bool {
    (link.client_id == m::DELETED_ACCOUNT && link.therapist_id == me)
        || (link.therapist_id == m::DELETED_ACCOUNT && link.client_id == me)
}

/// Puts back the id and name of a deleted peer from this device's conversation on the same
/// link, so the ended link still says with whom (the server forgot); a link with no
/// conversation here (never accepted) keeps the stand-in.
fn restore_deleted_peer(link: &mut m::LinkInfo, me: &str, known: &[Conversation]) {
    if !peer_deleted(link, me) {
        return;
    }
    let Some(conversation) = known.iter().find(|c| c.link_id == link.link_id) else {
        return;
    };
    let (id, name) = if link.client_id == m::DELETED_ACCOUNT {
        (&mut link.client_id, &mut link.client_name)
    } else {
        (&mut link.therapist_id, &mut link.therapist_name)
    };
    id.clone_from(&conversation.peer_account);
    name.clone_from(&conversation.peer_name);
}

fn device_keys(identity: &m::WireIdentity) -> DeviceKeys {
    DeviceKeys {
        curve25519: identity.curve25519.clone(),
        ed25519: identity.ed25519.clone(),
    }
}

/// Messaging operations that talk to the server.
pub struct Messenger<'a> {
    transport: &'a dyn MailboxTransport,
}

impl<'a> Messenger<'a> {
    /// Messaging over `transport`, with the credentials stored by register/login.
    pub fn new(transport: &'a dyn MailboxTransport) -> Self {
        Self { transport }
    }

    /// Publishes (or updates) this account's therapist profile: the account becomes a
    /// therapist listed in the directory.
    pub fn publish_profile(
        &self,
        cell: &dyn StoreCell,
        profile: &m::TherapistProfile,
    ) -> Result<()> {
        self.transport.put_profile(&me_in(cell)?.token, profile)
    }

    /// Searches the therapist directory.
    pub fn search(
        &self,
        cell: &dyn StoreCell,
        query: &m::DirectoryQuery,
    ) -> Result<Vec<m::DirectoryEntry>> {
        Ok(self
            .transport
            .search_directory(&me_in(cell)?.token, query)?
            .therapists)
    }

    /// Asks a therapist for a link (they must accept before messages can flow).
    pub fn request_link(&self, cell: &dyn StoreCell, therapist_id: &str) -> Result<m::LinkInfo> {
        self.transport.request_link(
            &me_in(cell)?.token,
            &m::LinkRequest {
                therapist_id: therapist_id.to_owned(),
            },
        )
    }

    /// This account's links; active ones get a local conversation.
    /// A new conversation pins the other person's account identity right away when their
    /// devices are already published (otherwise on first contact). A link whose other party
    /// deleted their account comes back ended with that party's id and name taken from this
    /// device's conversation on the link (the server no longer has them).
    pub fn links(&self, cell: &dyn StoreCell) -> Result<Vec<m::LinkInfo>> {
        let me = me_in(cell)?;
        let mut links = self.transport.links(&me.token)?.links;
        if links.iter().any(|l| peer_deleted(l, &me.account_id)) {
            let known = cell.with(|s| local::conversations(s))?;
            for link in links.iter_mut() {
                restore_deleted_peer(link, &me.account_id, &known);
            }
        }
        let new_peers = cell.with(|store| {
            store.atomically(|store| {
                let mut new_peers = Vec::new();
                for link in links.iter().filter(|l| l.state == m::LinkState::Active) {
                    let (peer, name) = if link.client_id == me.account_id {
                        (&link.therapist_id, &link.therapist_name)
                    } else {
                        (&link.client_id, &link.client_name)
                    };
                    if store.conversation(peer)?.is_none() {
                        new_peers.push(peer.clone());
                    }
                    local::ensure_conversation(store, peer, name, &link.link_id)?;
                }
                crate::reviews::remember_links(store, &me.account_id, &links)?;
                Ok(new_peers)
            })
        })?;
        for peer in new_peers {
            self.pin_at_link(cell, &me, &peer)?;
        }
        Ok(links)
    }

    /// The therapist consents to a requested link.
    pub fn accept_link(&self, cell: &dyn StoreCell, link_id: &str) -> Result<m::LinkInfo> {
        let info = self.transport.accept_link(
            &me_in(cell)?.token,
            &m::LinkAction {
                link_id: link_id.to_owned(),
            },
        )?;
        self.links(cell)?;
        Ok(info)
    }

    /// Ends a link (either side); the server then refuses keys and messages between the two.
    pub fn end_link(&self, cell: &dyn StoreCell, link_id: &str) -> Result<m::LinkInfo> {
        self.transport.end_link(
            &me_in(cell)?.token,
            &m::LinkAction {
                link_id: link_id.to_owned(),
            },
        )
    }

    /// Publishes this device's identity, signed by the account identity, tops its one-time
    /// keys up to the target and, when the server holds none, a signed fallback key (so peers
    /// can still start a session once the one-time keys are drained). Returns how many
    /// unclaimed one-time keys the server holds now. An account registered before identities
    /// existed gets one here, from the first device that finds none of its other devices
    /// signed (a device that finds one signed waits for record sync to bring the identity,
    /// and publishes unsigned till then).
    pub fn publish_device_keys(&self, cell: &dyn StoreCell) -> Result<u32> {
        let (me, mut account, owner) =
            cell.with(|s| Ok((me(s)?, DeviceVault::account(s)?, AccountIdentity::load(s)?)))?;
        let owner = match owner {
            Some(owner) => Some(owner),
            None => {
                let others = self
                    .transport
                    .claim_keys(
                        &me.token,
                        &m::ClaimRequest {
                            account_id: me.account_id.clone(),
                            need_keys_for: Some(Vec::new()),
                        },
                    )?
                    .devices;
                if others.iter().any(|d| d.account_signature.is_some()) {
                    None
                } else {
                    Some(cell.with(AccountIdentity::load_or_create)?)
                }
            }
        };
        let identity = account.keys();
        let account_signature = owner.as_ref().map(|owner| m::WireDeviceSignature {
            account_key: owner.public_key(),
            signature: identity::device::sign(
                owner,
                &me.account_id,
                &me.device_id,
                &identity.curve25519,
                &identity.ed25519,
            ),
        });
        let wire_identity = m::WireIdentity {
            curve25519: identity.curve25519,
            ed25519: identity.ed25519,
        };
        let count = self.transport.publish_keys(
            &me.token,
            &m::DeviceKeysUpload {
                identity: wire_identity.clone(),
                one_time_keys: Vec::new(),
                account_signature: account_signature.clone(),
                device_list: None,
                fallback_key: None,
            },
        )?;
        if let (Some(owner), Some(signature)) = (&owner, &account_signature) {
            let published = Published {
                me: &me,
                owner,
                identity: &wire_identity,
                signature,
            };
            self.stay_listed(cell, &published, count.device_list.clone())?;
        }
        let low = count.one_time_keys < ONE_TIME_KEY_TARGET / 2;
        if !low && count.fallback_key {
            return Ok(count.one_time_keys);
        }
        let fresh = if low {
            account.publish_one_time_keys((ONE_TIME_KEY_TARGET - count.one_time_keys) as usize)
        } else {
            Vec::new()
        };
        let fallback = if count.fallback_key {
            None
        } else {
            account.publish_fallback_key()
        };
        // Saved before upload: keys the server has must be keys this device can still open.
        cell.with(|s| DeviceVault::save_account(s, &account))?;
        let upload = m::DeviceKeysUpload {
            identity: wire_identity,
            one_time_keys: fresh
                .into_iter()
                .map(|k| m::WireOneTimeKey {
                    key: k.key,
                    signature: k.signature,
                })
                .collect(),
            account_signature,
            device_list: None,
            fallback_key: fallback.map(|k| m::WireOneTimeKey {
                key: k.key,
                signature: k.signature,
            }),
        };
        Ok(self
            .transport
            .publish_keys(&me.token, &upload)?
            .one_time_keys)
    }

    /// Requests a short live session in one of the therapist's availability slots.
    pub fn request_call(
        &self,
        cell: &dyn StoreCell,
        therapist_id: &str,
        ask: local::CallAsk,
    ) -> Result<super::Message> {
        let minutes = ask.minutes;
        if !(5..=15).contains(&minutes) {
            return Err(CoreError::invalid(
                "live session minutes",
                InputProblem::OutOfRange { min: 5, max: 15 },
            ));
        }
        let begin = chrono::DateTime::parse_from_rfc3339(&ask.start)
            .map_err(|_| CoreError::invalid("start", InputProblem::Expected("an RFC 3339 time")))?;
        let end = begin + chrono::Duration::minutes(i64::from(minutes));
        let therapists = self.search(cell, &m::DirectoryQuery::default())?;
        let profile = therapists
            .iter()
            .find(|t| t.therapist_id == therapist_id)
            .ok_or(CoreError::NotFound("therapist"))?;
        let fits = profile.profile.slots.iter().any(|slot| {
            chrono::DateTime::parse_from_rfc3339(&slot.start).is_ok_and(|s| {
                s <= begin && end <= s + chrono::Duration::minutes(i64::from(slot.minutes))
            })
        });
        if !fits {
            return Err(CoreError::invalid(
                "start",
                InputProblem::Rule("is outside the therapist's availability"),
            ));
        }
        check_format(&profile.profile, ask.format)?;
        let ask = local::CallAsk {
            start: begin.to_rfc3339(),
            ..ask
        };
        cell.with(|s| local::queue_call_request(s, therapist_id, ask))
    }

    /// One messaging round: links, keys, share updates, then the mailbox, then the peers'
    /// device lists (dropping sessions with revoked devices), then the outbox.
    pub fn sync(&self, cell: &dyn StoreCell) -> Result<(InboxReport, OutboxReport)> {
        crate::sync::session::refresh_if_due_shared(
            cell,
            |t| self.transport.refresh_session(t),
            crate::sync::session::unix_now(),
        )?;
        let links = self.links(cell)?;
        self.publish_device_keys(cell)?;
        // A passphrase change signed out the other devices: they leave the signed list too.
        if cell
            .with(|s| s.device_state(crate::sync::SIGNED_OUT_OTHERS))?
            .is_some()
        {
            self.drop_from_device_list(cell, &[], true)?;
            cell.with(|s| s.delete_device_state(crate::sync::SIGNED_OUT_OTHERS))?;
        }
        cell.with(local::refresh_shares)?;
        let inbox = self.receive(cell)?;
        // After taking in what they sent: sessions with revoked devices go.
        let me = me_in(cell)?;
        let peers: Vec<String> = links
            .iter()
            .filter(|l| l.state == m::LinkState::Active)
            .map(|l| {
                if l.client_id == me.account_id {
                    l.therapist_id.clone()
                } else {
                    l.client_id.clone()
                }
            })
            .collect();
        let (added, refused) = self.forget_revoked_devices(cell, &me, &peers)?;
        let mut outbox = self.flush_outbox(cell)?;
        for (from_lists, report) in [
            (added, &mut outbox.added_devices),
            (refused, &mut outbox.refused_devices),
        ] {
            report.extend(from_lists);
            crate::sort::sort(report);
            report.dedup();
        }
        Ok((inbox, outbox))
    }
}

/// Moves an outgoing message's status forward (never backwards: a late "delivered" after
/// "read" is ignored).
fn raise_status(store: &mut Store, id: &str, to: MessageStatus) -> Result<()> {
    if let Some((row, _)) = store.message(id)? {
        let current = MessageStatus::parse(&row.status)?;
        if row.outgoing && (current.rank() < to.rank() || current == MessageStatus::Wedged) {
            store.set_message_status(id, to.as_str())?;
        }
    }
    Ok(())
}

/// A call request names a format the therapist offers; it may name none only when the
/// therapist lists none (profiles from before formats existed).
fn check_format(profile: &m::TherapistProfile, format: Option<SessionFormat>) -> Result<()> {
    match format {
        Some(f) if !profile.offers(f) => Err(CoreError::invalid(
            "format",
            InputProblem::Rule("is not one the therapist offers"),
        )),
        None if !profile.formats.is_empty() => Err(CoreError::invalid(
            "format",
            InputProblem::Rule("must be one the therapist offers"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    fn profile(formats: &[SessionFormat]) -> m::TherapistProfile {
        m::TherapistProfile {
            display_name: "Dr. T".into(),
            bio: String::new(),
            specialties: vec![],
            approaches: vec![],
            languages: vec![],
            slots: vec![],
            response_window_hours: None,
            formats: formats
                .iter()
                .map(|&format| m::FormatOffer {
                    format,
                    price: None,
                })
                .collect(),
            coverage: None,
        }
    }

    #[test]
    fn a_call_request_names_a_format_the_therapist_offers() {
        let offers = profile(&[SessionFormat::Video, SessionFormat::Chat]);
        assert!(check_format(&offers, Some(SessionFormat::Video)).is_ok());
        assert!(check_format(&offers, Some(SessionFormat::Phone)).is_err());
        assert!(
            check_format(&offers, None).is_err(),
            "a therapist with formats needs one chosen"
        );
        let older = profile(&[]);
        assert!(check_format(&older, None).is_ok());
        assert!(check_format(&older, Some(SessionFormat::Phone)).is_err());
    }
}
