//! Storage behind one trait, with two real backends: SQLite (embedded default, zero setup)
//! and PostgreSQL (for stateless servers in front of a database cluster). Both hold only what
//! the protocol lets the server see: opaque ids, kind tags, sealed blobs, sequence numbers,
//! wrapped keys and slow hashes.
//!
//! The push rule lives once in [`solace_protocol::push_rule`] (shared with the core's test
//! server); [`decide`] and [`result_of`] adapt it to stored records and each backend applies it
//! inside its own transaction, so a batch lands whole and a retried batch is applied once. Messaging storage
//! (profiles, links, the Olm key directory, the mailbox) has its shared types and the directory
//! filter in [`messaging`].

pub mod messaging;
pub mod postgres;
pub mod reviews;
pub mod sqlite;

use solace_protocol::messaging::{
    ClaimedDevice, ExpiredMessage, InboxMessage, KeyCount, LinkState, TherapistProfile,
    WireDeviceList, WireDeviceSignature, WireIdentity, WireOneTimeKey,
};
use solace_protocol::push_rule::{self, Decision, StoredVersion};
use solace_protocol::{MutationResult, WireKdf, WireRecord};

#[cfg(test)]
mod tests {
    use super::page_cut;

    #[test]
    fn pages_are_cut_by_count_and_by_bytes() {
        assert_eq!(page_cut(&[], 10, 100), (0, false));
        assert_eq!(page_cut(&[1, 1, 1], 3, 100), (3, false));
        assert_eq!(page_cut(&[1, 1, 1, 1], 3, 100), (3, true));
        assert_eq!(page_cut(&[40, 40, 40], 10, 100), (2, true));
        assert_eq!(page_cut(&[40, 60, 1], 10, 100), (2, true));
        assert_eq!(
            page_cut(&[500, 1], 10, 100),
            (1, true),
            "one record always fits"
        );
    }
}

pub use reviews::{NewReview, ReviewStore, StoredReview, StoredReviewKey};

pub use messaging::{
    directory_matches, search_directory, DepositOutcome, NewEnvelope, NewMessage, StoredLink,
};

/// Why storage failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A unique value is taken (username, an open link between the same pair) or a fixed
    /// value differs (a device's Olm identity).
    #[error("already exists")]
    Conflict,
    /// A recipient device's mailbox holds as many messages as allowed; nothing was deposited.
    #[error("mailbox full")]
    MailboxFull,
    /// A recipient device holds as many messages from this sending account as one sender may
    /// leave there; nothing was deposited.
    #[error("sender quota reached")]
    SenderQuotaFull,
    /// An account the write needs no longer exists (it was deleted while the request was on
    /// its way); nothing was written.
    #[error("account gone")]
    Gone,
    /// The database failed (message has no content: SQL errors never carry bound values).
    #[error("database error: {0}")]
    Backend(String),
}

/// Shorthand.
pub type StorageResult<T> = Result<T, StorageError>;

/// A new account with its first device and token.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Random account id.
    pub account_id: String,
    /// Unique name.
    pub username: String,
    /// Slow hash of the client's auth key.
    pub auth_hash: String,
    /// Client KDF parameters.
    pub kdf: WireKdf,
    /// Client salt (hex).
    pub salt: String,
    /// Account key wrapped by the client's KEK.
    pub wrapped_account_key: Vec<u8>,
    /// Items keys wrapped by the account key.
    pub items_keys: Vec<(u32, Vec<u8>)>,
    /// Account key wrapped by the recovery key (opaque to the server).
    pub recovery_wrap: Option<Vec<u8>>,
    /// Verifier of the account-key proof (hex of SHA-256 of the proof), if the client sent one.
    pub proof_verifier: Option<String>,
}

/// New login material after a passphrase change.
#[derive(Debug, Clone)]
pub struct NewCredentials {
    /// Slow hash of the new auth key.
    pub auth_hash: String,
    /// New client KDF parameters.
    pub kdf: WireKdf,
    /// New client salt (hex).
    pub salt: String,
    /// The account key wrapped by the new KEK.
    pub wrapped_account_key: Vec<u8>,
}

/// A new device session.
#[derive(Debug, Clone)]
pub struct NewDevice {
    /// Random device id.
    pub device_id: String,
    /// Name given by the client.
    pub name: String,
    /// SHA-256 of the bearer token (hex).
    pub token_hash: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

/// What login needs about an account.
#[derive(Debug, Clone)]
pub struct AccountLogin {
    /// Account id.
    pub account_id: String,
    /// Slow hash of the auth key.
    pub auth_hash: String,
    /// Client KDF parameters.
    pub kdf: WireKdf,
    /// Client salt (hex).
    pub salt: String,
    /// Verifier of the account-key proof (hex), if one was stored.
    pub proof_verifier: Option<String>,
}

/// The key material kept for new devices.
#[derive(Debug, Clone)]
pub struct StoredKeys {
    /// Client KDF parameters.
    pub kdf: WireKdf,
    /// Client salt (hex).
    pub salt: String,
    /// Wrapped account key.
    pub wrapped_account_key: Vec<u8>,
    /// Wrapped items keys.
    pub items_keys: Vec<(u32, Vec<u8>)>,
    /// Account key wrapped by the recovery key, if the first device sent it.
    pub recovery_wrap: Option<Vec<u8>>,
}

/// A device as listed to its account.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    /// Device id.
    pub device_id: String,
    /// Name.
    pub name: String,
    /// Revoked?
    pub revoked: bool,
    /// Last applied mutation number.
    pub last_mutation_seq: u64,
}

/// A stored record version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// Record id (hex).
    pub id: String,
    /// Kind tag.
    pub kind: String,
    /// Sealed blob.
    pub blob: Vec<u8>,
    /// Tombstone?
    pub deleted: bool,
    /// Version.
    pub server_seq: u64,
}

/// One validated mutation.
#[derive(Debug, Clone)]
pub struct NewMutation {
    /// Per-device number.
    pub mutation_seq: u64,
    /// Record id (hex).
    pub id: String,
    /// Kind tag.
    pub kind: String,
    /// Version it is based on.
    pub base_seq: u64,
    /// Sealed blob.
    pub blob: Vec<u8>,
    /// Tombstone?
    pub deleted: bool,
}

/// What a push did: one result per mutation and the device's counter afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOutcome {
    /// Per-mutation results, in request order.
    pub results: Vec<MutationResult>,
    /// The device's last applied mutation number after the batch.
    pub last_mutation_seq: u64,
}

/// The push rule ([`solace_protocol::push_rule::decide`]) applied to a stored copy.
pub fn decide(last_mutation_seq: u64, m: &NewMutation, current: Option<&StoredRecord>) -> Decision {
    push_rule::decide(
        last_mutation_seq,
        m.mutation_seq,
        m.base_seq,
        current.map(|c| StoredVersion {
            server_seq: c.server_seq,
            same_content: c.blob == m.blob && c.deleted == m.deleted,
        }),
    )
}

/// The answer to one mutation after `decision` (`written_seq` is the new version's number
/// when it was written).
pub fn result_of(
    decision: Decision,
    m: &NewMutation,
    current: Option<&StoredRecord>,
    written_seq: u64,
) -> MutationResult {
    match decision {
        Decision::Write => MutationResult::Applied {
            mutation_seq: m.mutation_seq,
            server_seq: written_seq,
        },
        Decision::Retried { server_seq } | Decision::Identical { server_seq } => {
            MutationResult::Applied {
                mutation_seq: m.mutation_seq,
                server_seq,
            }
        }
        Decision::Duplicate => MutationResult::Duplicate {
            mutation_seq: m.mutation_seq,
            server_seq: current.map_or(0, |c| c.server_seq),
        },
        Decision::Conflict => conflict(m, current),
    }
}

/// Most blob bytes in one pull page (8 MiB), so a client can cap the response bodies it reads.
pub const MAX_PULL_BYTES: u64 = 8 * 1024 * 1024;

/// How many of the next records (blob sizes in `server_seq` order, at most `limit + 1` of
/// them) go into one pull page, and whether more follow: at most `limit` records and at most
/// `max_bytes` of blobs, but always the first record (a blob is never larger than a page).
pub fn page_cut(sizes: &[u64], limit: usize, max_bytes: u64) -> (usize, bool) {
    let mut total = 0u64;
    let mut n = 0;
    for &len in sizes.iter().take(limit) {
        if n > 0 && total.saturating_add(len) > max_bytes {
            break;
        }
        total = total.saturating_add(len);
        n += 1;
    }
    (n, n < sizes.len())
}

/// The wire form of a stored record.
pub fn to_wire(r: &StoredRecord) -> WireRecord {
    use base64::Engine as _;
    WireRecord {
        id: r.id.clone(),
        kind: r.kind.clone(),
        blob: base64::engine::general_purpose::STANDARD.encode(&r.blob),
        deleted: r.deleted,
        server_seq: r.server_seq,
    }
}

/// A conflict result carrying the stored copy.
pub fn conflict(m: &NewMutation, current: Option<&StoredRecord>) -> MutationResult {
    let current = current.map(to_wire).unwrap_or(WireRecord {
        id: m.id.clone(),
        kind: m.kind.clone(),
        blob: String::new(),
        deleted: true,
        server_seq: 0,
    });
    MutationResult::Conflict {
        mutation_seq: m.mutation_seq,
        current,
    }
}

/// State every node of a cluster must share, kept in the database: the per-username login
/// backoff, and what a device waiting for live updates has waiting. Keys are opaque (a keyed hash of the username), so the table names nobody.
#[async_trait::async_trait]
pub trait ClusterStore: Send + Sync {
    /// Until when (Unix milliseconds) logins under `key` are refused; `None` when they are
    /// not.
    async fn login_blocked_until(&self, key: &str) -> StorageResult<Option<i64>>;

    /// Counts a failed login under `key` at `now` (Unix milliseconds) and returns the
    /// failures in a row so far
    /// (the caller decides the block and stores it with [`ClusterStore::block_login`]).
    /// Entries untouched for a day are forgotten.
    async fn login_failed(&self, key: &str, now: i64) -> StorageResult<u32>;

    /// Refuses logins under `key` until `until`.
    async fn block_login(&self, key: &str, until: i64) -> StorageResult<()>;

    /// A successful login: forgets the failures under `key`.
    async fn login_succeeded(&self, key: &str) -> StorageResult<()>;

    /// What waits for `device_id` of `account_id`: records past `cursor`, and messages or
    /// expiry notices in its mailbox (for live updates; says that, never what).
    async fn changes_for(
        &self,
        account_id: &str,
        device_id: &str,
        cursor: u64,
    ) -> StorageResult<solace_protocol::live::Changes>;
}

/// Everything the API needs from a database: the areas below plus health and the secret (each backend implements the areas in its own files).
#[async_trait::async_trait]
pub trait Storage:
    AccountStore
    + RecordStore
    + MessagingStore
    + ClusterStore
    + DeletionStore
    + ReviewStore
    + Send
    + Sync
    + 'static
{
    /// Checks the database answers.
    async fn health(&self) -> StorageResult<()>;

    /// A random per-database secret (created on first use) for deterministic fake prelogin
    /// answers.
    async fn server_secret(&self) -> StorageResult<Vec<u8>>;

    /// Gauges for `GET /metrics`, read at scrape time: mailbox depth and pool use.
    async fn gauges(&self) -> StorageResult<crate::metrics::StorageGauges>;
}

/// Accounts, devices, tokens, credentials and items keys.
#[async_trait::async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account with its first device; [`StorageError::Conflict`] if the name is taken.
    async fn create_account(&self, account: NewAccount, device: NewDevice) -> StorageResult<()>;

    /// Login data for `username`.
    async fn find_account(&self, username: &str) -> StorageResult<Option<AccountLogin>>;

    /// Adds a device with its token to an account.
    async fn add_device(&self, account_id: &str, device: NewDevice) -> StorageResult<()>;

    /// Login data of the account with this id.
    async fn account_by_id(&self, account_id: &str) -> StorageResult<Option<AccountLogin>>;

    /// Stores the account-key proof verifier if the account has none yet (never replaces one).
    async fn set_proof_verifier_if_absent(
        &self,
        account_id: &str,
        verifier: &str,
    ) -> StorageResult<()>;

    /// Adds a token (hash, expiry) for an existing, non-revoked device of this account and
    /// deletes the device's tokens that expired before `now`; false (nothing stored) when the
    /// device is unknown, of another account, or revoked.
    async fn add_token(
        &self,
        account_id: &str,
        device_id: &str,
        token_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> StorageResult<bool>;

    /// `(account id, device id)` for a valid, unexpired token of a non-revoked device.
    async fn authenticate(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StorageResult<Option<(String, String)>>;

    /// Key material for new devices.
    async fn account_keys(&self, account_id: &str) -> StorageResult<StoredKeys>;

    /// Adds items keys whose ids are new.
    async fn add_items_keys(
        &self,
        account_id: &str,
        keys: Vec<(u32, Vec<u8>)>,
    ) -> StorageResult<()>;

    /// Replaces the login secret hash, KDF parameters, salt and account key wrap after a
    /// passphrase change. Tokens of existing devices stay valid, unless `sign_out_except` names
    /// the caller's device: then every other device is revoked (as [`Storage::revoke_device`])
    /// in the same transaction.
    async fn update_credentials(
        &self,
        account_id: &str,
        update: NewCredentials,
        sign_out_except: Option<&str>,
    ) -> StorageResult<()>;

    /// The account's devices, oldest first.
    async fn devices(&self, account_id: &str) -> StorageResult<Vec<DeviceRow>>;

    /// Revokes a device of this account and deletes its tokens, its Olm keys and its mailbox;
    /// false if not found.
    async fn revoke_device(&self, account_id: &str, device_id: &str) -> StorageResult<bool>;

    /// Revokes every non-revoked device of the account except `keep_device`, in one
    /// transaction; returns how many.
    async fn revoke_other_devices(&self, account_id: &str, keep_device: &str)
        -> StorageResult<u64>;

    /// The account's username.
    async fn username_of(&self, account_id: &str) -> StorageResult<Option<String>>;
}

/// The record relay: pull pages and push batches (the push rule inside one transaction).
#[async_trait::async_trait]
pub trait RecordStore: Send + Sync {
    /// Records with `server_seq > cursor`, ascending, at most `limit` and at most `max_bytes`
    /// of blobs (but always at least one record), and whether more exist ([`page_cut`]).
    async fn pull(
        &self,
        account_id: &str,
        cursor: u64,
        limit: u32,
        max_bytes: u64,
    ) -> StorageResult<(Vec<StoredRecord>, bool)>;

    /// Applies a batch in one transaction by [`decide`].
    async fn push(
        &self,
        account_id: &str,
        device_id: &str,
        mutations: Vec<NewMutation>,
    ) -> StorageResult<PushOutcome>;
}

/// Messaging: therapist profiles, links, the Olm key directory and mailboxes.
#[async_trait::async_trait]
pub trait MessagingStore: Send + Sync {
    /// Stores (replaces) the account's therapist profile; having one makes it a therapist.
    async fn put_profile(&self, account_id: &str, profile: &TherapistProfile) -> StorageResult<()>;

    /// The account's therapist profile, if it published one.
    async fn profile(&self, account_id: &str) -> StorageResult<Option<TherapistProfile>>;

    /// Every profile with its account id (filter with [`search_directory`]).
    async fn all_profiles(&self) -> StorageResult<Vec<(String, TherapistProfile)>>;

    /// Stores a new link; [`StorageError::Conflict`] if a pending or active link between the
    /// same two accounts (in either role) exists.
    async fn create_link(&self, link: &StoredLink) -> StorageResult<()>;

    /// Links where the account is client or therapist, newest first.
    async fn links_for(&self, account_id: &str) -> StorageResult<Vec<StoredLink>>;

    /// One link.
    async fn link(&self, link_id: &str) -> StorageResult<Option<StoredLink>>;

    /// Sets a link's state, only if its current state is `from` (any state when `None`);
    /// false when the link does not exist or was in another state.
    async fn set_link_state(
        &self,
        link_id: &str,
        from: Option<LinkState>,
        to: LinkState,
    ) -> StorageResult<bool>;

    /// Whether an *active* link joins `a` and `b` (in either role).
    async fn linked(&self, a: &str, b: &str) -> StorageResult<bool>;

    /// Sets the device's identity on first call ([`StorageError::Conflict`] if a different one
    /// is stored), adds new one-time keys (duplicates ignored, total capped at
    /// [`solace_protocol::messaging::MAX_ONE_TIME_KEYS`]), replaces the fallback key when one
    /// is given, and returns the unclaimed count and whether a fallback key is stored. A given
    /// `account_signature` replaces the stored one (the server cannot check it: the devices do).
    async fn publish_keys(
        &self,
        account_id: &str,
        device_id: &str,
        identity: &WireIdentity,
        one_time_keys: &[WireOneTimeKey],
        account_signature: Option<&WireDeviceSignature>,
        fallback_key: Option<&WireOneTimeKey>,
    ) -> StorageResult<KeyCount>;

    /// Stores `list` as the account's signed device list when its version is exactly one more
    /// than the stored one (1 when there is none); returns whether it was stored.
    async fn put_device_list(&self, account_id: &str, list: &WireDeviceList)
        -> StorageResult<bool>;

    /// The account's stored signed device list.
    async fn device_list(&self, account_id: &str) -> StorageResult<Option<WireDeviceList>>;

    /// Lists every non-revoked device of the account with an identity (except
    /// `exclude_device`); for those named in `need` (all when `None`) removes and returns one
    /// one-time key (oldest first), or, when none is left, returns the device's fallback key
    /// (kept). A one-time key is never handed out twice, even to concurrent claims.
    async fn claim_keys(
        &self,
        account_id: &str,
        exclude_device: Option<&str>,
        need: Option<&[String]>,
    ) -> StorageResult<Vec<ClaimedDevice>>;

    /// The published Olm identity of a device (`None` before it published one).
    async fn device_identity(&self, device_id: &str) -> StorageResult<Option<WireIdentity>>;

    /// Deposits a message in the mailbox of each addressed device of the recipient account, in
    /// one transaction: first purges the recipients' expired messages; a retry (same sender
    /// device, client message id and recipient device) is not stored twice; a full mailbox
    /// fails the whole send with [`StorageError::MailboxFull`], and a mailbox holding
    /// [`NewMessage::sender_cap`] messages of the sending account with
    /// [`StorageError::SenderQuotaFull`].
    async fn deposit(&self, message: NewMessage) -> StorageResult<DepositOutcome>;

    /// Deletes the device's messages older than `ttl_secs`, then returns at most `limit`
    /// waiting messages, oldest first, and whether more are waiting.
    async fn inbox(
        &self,
        device_id: &str,
        limit: u32,
        now: i64,
        ttl_secs: i64,
    ) -> StorageResult<(Vec<InboxMessage>, bool)>;

    /// Deletes the listed messages of this device's mailbox (others' ids are ignored); returns
    /// how many were deleted.
    async fn ack(&self, device_id: &str, ids: &[u64]) -> StorageResult<u64>;

    /// Deletes every mailbox message received before `cutoff` (Unix seconds), in all
    /// mailboxes, leaving expiry notices for the recipient and sender devices (and drops
    /// notices older than [`NOTICE_KEEP_SECS`] past the cutoff); returns how many expired.
    async fn purge_expired(&self, cutoff: i64) -> StorageResult<u64>;

    /// The device's expiry notices (its own messages that expired in a recipient's mailbox,
    /// and messages for it that expired before it came back), oldest first, at most `limit`.
    async fn expiry_notices(
        &self,
        device_id: &str,
        limit: u32,
    ) -> StorageResult<Vec<ExpiredMessage>>;

    /// Deletes the device's expiry notices with these ids (others' ids are ignored).
    async fn ack_expiry_notices(&self, device_id: &str, ids: &[u64]) -> StorageResult<u64>;
}

/// Account deletion: every row of an account, in one transaction.
///
/// Deleted: the account row (name, auth hash, KDF parameters, salt, wrapped account key,
/// recovery wrap, proof verifier), its items keys, records, therapist profile and signed
/// device list, and for each of its devices (revoked ones included) the device row, tokens,
/// Olm identity, one-time and fallback keys, mailbox (messages waiting for it, whoever sent
/// them) and expiry notices. Links with the account are kept for the other party, `ended`,
/// with the deleted side's id replaced by [`solace_protocol::messaging::DELETED_ACCOUNT`] and
/// its name emptied, so the peer's next `GET /v1/links` shows the link ended.
///
/// Kept, because they belong to the other party: messages the deleted account sent that
/// still wait in another account's mailbox (and that party's expiry notices about them). They
/// carry the deleted account and device ids as sender until the recipient takes them in or
/// they expire; an expiry then leaves no notice for the deleted sender device. Other accounts'
/// rows are untouched.
#[async_trait::async_trait]
pub trait DeletionStore: Send + Sync {
    /// Deletes the account as described on [`DeletionStore`]; false (nothing changed) when
    /// no account has this id.
    async fn delete_account(&self, account_id: &str) -> StorageResult<bool>;
}

/// How long (seconds) an expiry notice waits for its device after the message expired: a
/// device away this long too has most likely been replaced.
pub const NOTICE_KEEP_SECS: i64 = 60 * 24 * 3600;
