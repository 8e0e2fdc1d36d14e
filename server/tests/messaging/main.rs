//! Messaging over HTTP and in storage, the same suite on SQLite and PostgreSQL: the therapist
//! directory, consented links gating keys and messages (`403 not_linked`), one-time keys
//! claimed once each (also under concurrency), fixed identities, the idempotent mailbox (order,
//! paging, acknowledgement, TTL, cap, per-sender quota), content-free push hints, revocation,
//! hostile input, sender keys bound to the calling device, fallback keys and targeted claims,
//! and account deletion (every table scanned for what is left of the account).

mod api_client;
#[path = "../common/mod.rs"]
mod common;
mod deletion;
mod directory;
mod hostile;
mod keys;
mod mailbox;
mod storage_level;

use std::collections::HashSet;
use std::sync::Arc;

use api_client::*;
use base64::Engine as _;
use common::http::{err, ok, B64};
use common::{Backend, TestDb, TestServer};
use deletion::*;
use directory::*;
use hostile::*;
use keys::*;
use mailbox::*;
use solace_protocol as p;
use solace_protocol::messaging as m;
use solace_server::push::{PushHint, RecordingPush};
use solace_server::storage::{
    NewAccount, NewDevice, NewEnvelope, NewMessage, Storage, StorageError, StoredLink,
};
use storage_level::*;

per_backend!(
    directory_search_and_profile_validation,
    links_gate_keys_and_messages,
    one_time_keys_are_claimed_once,
    mailbox_send_inbox_ack_and_push_hints,
    mailbox_cap_refuses_the_whole_send,
    revoked_device_loses_mailbox_and_keys,
    hostile_input_gets_clean_errors,
    storage_ttl_expires_messages,
    storage_concurrent_purges_notify_once,
    storage_concurrent_claims_never_share_a_key,
    storage_links_and_linked,
    storage_fallback_keys_and_targeted_claims,
    storage_sender_quota_per_recipient_device,
    send_needs_the_callers_own_sender_key,
    drained_one_time_keys_fall_back_and_claims_are_targeted,
    one_sender_cannot_fill_a_mailbox,
    account_deletion_removes_every_row_of_the_account,
    wrong_deletion_proofs_back_off_like_logins,
    storage_writes_after_a_deletion_store_nothing,
);
