//! Wire types shared by the Solace core (client) and the provider server, protocol v1.
//!
//! Everything here crosses the network, so it carries only what the server may see: opaque
//! ids, kind tags, sequence numbers, sealed envelopes (base64) and key material that is itself
//! wrapped on the device. Never plaintext, never an unwrapped key. The server stores the auth
//! key only as a slow hash.
//!
//! Endpoints (JSON bodies; `Authorization: Bearer <token>` where marked *):
//!
//! | method and path | request | response |
//! |---|---|---|
//! | `GET /v1/health` | — | [`Health`] |
//! | `POST /v1/accounts/prelogin` | [`PreloginRequest`] | [`PreloginResponse`] |
//! | `POST /v1/accounts/register` | [`RegisterRequest`] | [`SessionResponse`] |
//! | `POST /v1/accounts/login` | [`LoginRequest`] | [`SessionResponse`] |
//! | `POST /v1/account/refresh` * | — | [`SessionResponse`] (a fresh token for the same device) |
//! | `GET /v1/account/keys` * | — | [`AccountKeys`] |
//! | `PUT /v1/account/items-keys` * | [`ItemsKeysUpload`] | `204` |
//! | `PUT /v1/account/credentials` * | [`CredentialsUpdate`] | `204` |
//! | `GET /v1/devices` * | — | [`DeviceList`] |
//! | `POST /v1/devices/revoke` * | [`RevokeRequest`] | `204` |
//! | `POST /v1/account/delete` * | [`DeleteAccountRequest`] | `204` (the account and every row of it are gone) |
//! | `POST /v1/sync/pull` * | [`PullRequest`] | [`PullResponse`] |
//! | `POST /v1/sync/push` * | [`PushRequest`] | [`PushResponse`] |
//!
//! Errors are a status code with an [`ApiError`] body. Directory, links, the key directory
//! and the mailbox are in [`messaging`]. Each endpoint is declared once, as a type, in
//! [`endpoint`]; typed wire values checked while deserializing are [`WireRecordId`],
//! [`DeviceId`] and [`B64Bytes`].

pub mod endpoint;
mod ids;
pub mod live;
pub mod messaging;
pub mod push_rule;
mod redact;
pub mod reviews;

pub use ids::{B64Bytes, DeviceId, WireRecordId, WireValueError};
use redact::redacted;
pub use redact::SecretString;

use serde::{Deserialize, Serialize};

/// The wire protocol version this build speaks (also the path prefix `/v1`).
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest accepted sealed blob, in bytes before base64 (1 MiB).
pub const MAX_BLOB_BYTES: usize = 1024 * 1024;
/// Most mutations in one push.
pub const MAX_PUSH_MUTATIONS: usize = 500;
/// The request-body limit a server applies unless configured otherwise (8 MiB); clients assume
/// it when a server does not advertise [`ServerLimits`].
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Most records in one pull page.
pub const MAX_PULL_LIMIT: u32 = 1000;
/// The kind tag a current client sends for every record: the real kind travels inside the
/// sealed body (envelope v2), so the server learns nothing from it. Records sealed in
/// envelope v1 keep their real kind tag, which their AEAD binds.
pub const OPAQUE_KIND: &str = "sealed";

/// Limits the server enforces, advertised so a client can check them before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerLimits {
    /// Largest sealed blob accepted, in bytes before base64.
    pub max_blob_bytes: u64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: u64,
    /// Most mutations in one push.
    pub max_push_mutations: u32,
}

/// Argon2id parameters as sent on the wire (the client re-checks its own floor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireKdf {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

/// The server's answer to a health probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// "ok" when the server can reach its storage.
    pub status: String,
    /// The protocol version the server speaks.
    pub protocol: u32,
    /// The server's size limits (absent from older servers: assume the protocol constants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ServerLimits>,
}

/// Asks for the KDF parameters and salt of an account before logging in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreloginRequest {
    /// Account name.
    pub username: String,
}

/// KDF parameters and salt. For unknown usernames the server answers with plausible,
/// deterministic fake values, so the endpoint does not reveal which accounts exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreloginResponse {
    /// Argon2id parameters.
    pub kdf: WireKdf,
    /// Salt, hex.
    pub salt: String,
}

/// Creates an account and its first device.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// Account name (3–64 chars of `[a-z0-9._-]`).
    pub username: String,
    /// The auth key derived on the device, hex (32 bytes). Stored only as a slow hash.
    pub auth_key: SecretString,
    /// Argon2id parameters used on the device.
    pub kdf: WireKdf,
    /// Salt, hex.
    pub salt: String,
    /// The account key wrapped by the passphrase KEK (wrap format v1), base64.
    pub wrapped_account_key: String,
    /// Items keys, each wrapped by the account key.
    pub items_keys: Vec<WireItemsKey>,
    /// A name for this device ("laptop").
    pub device_name: String,
    /// The account key wrapped by the recovery key (wrap format v1), base64, so every device
    /// can later reset the passphrase with the recovery key. Optional for older clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_wrapped_account_key: Option<String>,
    /// Verifier of the account-key proof, hex (SHA-256 of the 32-byte proof a device derives
    /// from the account key). Lets a device that holds the account key — after a reset with
    /// the recovery key, say — prove it without the passphrase. Optional for older clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_proof_verifier: Option<String>,
}

/// Logs a new or returning device in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Account name.
    pub username: String,
    /// The auth key derived on the device, hex.
    pub auth_key: SecretString,
    /// A name for this device.
    pub device_name: String,
    /// Re-authenticates this existing device (keeps its id, mailbox and keys) instead of
    /// adding a new one. Ignored when the device is unknown or revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Verifier of the account-key proof (see [`RegisterRequest`]); the server stores it only
    /// if the account has none yet (accounts registered by older clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_proof_verifier: Option<String>,
}

/// A bearer token for one device.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResponse {
    /// Account id (opaque).
    pub account_id: String,
    /// Device id (opaque), used in revocation.
    pub device_id: String,
    /// Opaque random bearer token; the server keeps only its hash. Zeroized when dropped.
    pub token: SecretString,
    /// Expiry: Unix seconds as a decimal string (clients also accept RFC 3339).
    pub expires_at: String,
}

/// An items key wrapped by the account key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireItemsKey {
    /// Key id as used in envelopes.
    pub key_id: u32,
    /// Wrapped key (wrap format v1), base64.
    pub wrapped: String,
}

/// Everything a new device needs to open the account's records with the passphrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountKeys {
    /// Argon2id parameters.
    pub kdf: WireKdf,
    /// Salt, hex.
    pub salt: String,
    /// Account key wrapped by the KEK, base64.
    pub wrapped_account_key: String,
    /// Items keys wrapped by the account key.
    pub items_keys: Vec<WireItemsKey>,
    /// The account key wrapped by the recovery key, base64, when the first device sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_wrapped_account_key: Option<String>,
}

/// Adds items keys the server does not have yet (existing key ids are left unchanged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsKeysUpload {
    /// Keys to add.
    pub items_keys: Vec<WireItemsKey>,
}

/// After a passphrase change on a device: the new auth key, KDF parameters, salt and account
/// key wrap, so new devices log in with the new passphrase (existing device tokens stay valid).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsUpdate {
    /// The new auth key, hex (32 bytes). Stored only as a slow hash.
    pub auth_key: SecretString,
    /// The new Argon2id parameters.
    pub kdf: WireKdf,
    /// The new salt, hex.
    pub salt: String,
    /// The account key wrapped by the new KEK, base64.
    pub wrapped_account_key: String,
    /// Proof of the current passphrase: the auth key the server knows now, hex. This or
    /// `account_proof` is required: a stolen device token alone cannot change credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_auth_key: Option<SecretString>,
    /// Proof of the account key, hex (what a device holds after a reset with the recovery
    /// key); checked against the account's proof verifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_proof: Option<SecretString>,
    /// Revoke every other device of the account in the same transaction.
    #[serde(default)]
    pub sign_out_other_devices: bool,
}

/// One device of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Device id.
    pub device_id: String,
    /// Its name.
    pub name: String,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Last mutation sequence number the server applied from it.
    pub last_mutation_seq: u64,
}

/// The account's devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    /// Devices, oldest first.
    pub devices: Vec<DeviceInfo>,
}

/// Revokes a device: its tokens stop working at once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeRequest {
    /// The device to revoke (ignored with `all_other_devices`).
    pub device_id: String,
    /// Revoke every device of the account except the caller's.
    #[serde(default)]
    pub all_other_devices: bool,
    /// Proof of the current passphrase (auth key, hex); this or `account_proof` is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_auth_key: Option<SecretString>,
    /// Proof of the account key, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_proof: Option<SecretString>,
}

/// Deletes the caller's whole account. Besides the device token it needs a proof of the
/// passphrase (the auth key the server knows now): a stolen device token alone cannot delete
/// anyone's account, and neither can a device that holds the account key without the
/// passphrase (deletion cannot be undone).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteAccountRequest {
    /// The auth key derived from the current passphrase, hex (32 bytes); checked against the
    /// stored Argon2id hash.
    pub current_auth_key: SecretString,
}

redacted!(RegisterRequest {
    plain: [
        username,
        kdf,
        salt,
        items_keys,
        device_name,
        account_proof_verifier
    ],
    hidden: [wrapped_account_key, recovery_wrapped_account_key],
    secret: [auth_key]
});
redacted!(LoginRequest {
    plain: [username, device_name, device_id, account_proof_verifier],
    hidden: [],
    secret: [auth_key]
});
redacted!(SessionResponse {
    plain: [account_id, device_id, expires_at],
    hidden: [],
    secret: [token]
});
redacted!(CredentialsUpdate {
    plain: [kdf, salt, sign_out_other_devices],
    hidden: [wrapped_account_key],
    secret: [auth_key, current_auth_key, account_proof]
});
redacted!(RevokeRequest {
    plain: [device_id, all_other_devices],
    hidden: [],
    secret: [current_auth_key, account_proof]
});
redacted!(DeleteAccountRequest {
    plain: [],
    hidden: [],
    secret: [current_auth_key]
});

/// A record as the server stores and relays it: opaque to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRecord {
    /// Record id, 32 lowercase hex characters.
    pub id: String,
    /// Kind tag (e.g. `journal`).
    pub kind: String,
    /// The sealed envelope, base64.
    pub blob: String,
    /// Whether the record is a tombstone.
    pub deleted: bool,
    /// The server's sequence number of this version.
    pub server_seq: u64,
}

/// Asks for records changed after `cursor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// Highest `server_seq` the client has merged (0 at first).
    pub cursor: u64,
    /// Page size (clamped to [`MAX_PULL_LIMIT`]).
    pub limit: u32,
}

/// One page of changed records, in `server_seq` order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Records with `server_seq > cursor`, ascending.
    pub records: Vec<WireRecord>,
    /// The cursor to send next (the last record's `server_seq`, or the request's cursor).
    pub next_cursor: u64,
    /// Whether more pages follow.
    pub more: bool,
}

/// One change from a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mutation {
    /// Per-device, strictly increasing; a mutation at or below the device's last applied
    /// sequence is a retry and is not applied again.
    pub mutation_seq: u64,
    /// Record id, 32 lowercase hex characters (checked while deserializing).
    pub id: WireRecordId,
    /// Kind tag.
    pub kind: String,
    /// The `server_seq` this change was based on (0 for a record new to the server).
    pub base_seq: u64,
    /// The sealed envelope, base64 (canonical, at most [`MAX_BLOB_BYTES`] decoded; checked
    /// while deserializing).
    pub blob: B64Bytes,
    /// Whether this is a tombstone.
    pub deleted: bool,
}

/// A batch of changes, applied in one transaction in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The changes, in increasing `mutation_seq`.
    pub mutations: Vec<Mutation>,
}

/// What happened to one mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MutationResult {
    /// Stored as a new version (or the identical blob was already there).
    Applied {
        /// The mutation.
        mutation_seq: u64,
        /// The record's `server_seq` now.
        server_seq: u64,
    },
    /// A mutation number at or below the device's last applied one, and the server does not
    /// hold this exact blob for the record: nothing changed. The device must not treat the
    /// edit as synced (see [`PushResponse::last_mutation_seq`]). A retry whose version the
    /// server still holds is answered [`MutationResult::Applied`] with that version instead.
    Duplicate {
        /// The mutation.
        mutation_seq: u64,
        /// The record's current `server_seq` (0 if it does not exist).
        server_seq: u64,
    },
    /// `base_seq` was stale: here is the server's copy to merge (see [`push_rule`]).
    Conflict {
        /// The mutation.
        mutation_seq: u64,
        /// The server's current version.
        current: WireRecord,
    },
}

/// Results, one per mutation, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Per-mutation results.
    pub results: Vec<MutationResult>,
    /// The device's last applied mutation number after this push. A device whose own next
    /// number is not above it was restored from an older copy and re-bases its numbering.
    /// Only applied (written or identical) mutations advance it, never a conflict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_mutation_seq: Option<u64>,
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable machine code (`unauthorized`, `rate_limited`, `bad_request`, `conflict`,
    /// `not_found`, `too_large`, `unavailable`, `not_linked`, `mailbox_full`).
    pub code: String,
    /// Human message without personal data.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen wire vectors: v1 clients and servers must keep reading these exact bodies.
    #[test]
    fn push_and_pull_v1_wire_format_is_stable() {
        let push = r#"{"mutations":[{"mutation_seq":7,"id":"0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a","kind":"journal","base_seq":0,"blob":"U0xDRQ==","deleted":false}]}"#;
        let parsed: PushRequest = serde_json::from_str(push).unwrap();
        assert_eq!(parsed.mutations[0].mutation_seq, 7);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), push);
        let results = r#"{"results":[{"status":"applied","mutation_seq":7,"server_seq":3},{"status":"duplicate","mutation_seq":6,"server_seq":2},{"status":"conflict","mutation_seq":8,"current":{"id":"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b","kind":"mood","blob":"","deleted":true,"server_seq":9}}]}"#;
        let parsed: PushResponse = serde_json::from_str(results).unwrap();
        assert!(matches!(parsed.results[2], MutationResult::Conflict { .. }));
        assert_eq!(serde_json::to_string(&parsed).unwrap(), results);
        let with_last = r#"{"results":[],"last_mutation_seq":41}"#;
        let parsed: PushResponse = serde_json::from_str(with_last).unwrap();
        assert_eq!(parsed.last_mutation_seq, Some(41));
        assert_eq!(serde_json::to_string(&parsed).unwrap(), with_last);
        let pull = r#"{"records":[],"next_cursor":12,"more":false}"#;
        let parsed: PullResponse = serde_json::from_str(pull).unwrap();
        assert_eq!(serde_json::to_string(&parsed).unwrap(), pull);
    }

    /// Frozen vectors of the additions to v1 (all optional, so older peers still parse).
    #[test]
    fn v1_additions_are_stable_and_optional() {
        let health = r#"{"status":"ok","protocol":1,"limits":{"max_blob_bytes":1048576,"max_body_bytes":8388608,"max_push_mutations":500}}"#;
        let parsed: Health = serde_json::from_str(health).unwrap();
        assert_eq!(parsed.limits.unwrap().max_push_mutations, 500);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), health);
        let old: Health = serde_json::from_str(r#"{"status":"ok","protocol":1}"#).unwrap();
        assert_eq!(old.limits, None);
        let revoke: RevokeRequest = serde_json::from_str(r#"{"device_id":"d1"}"#).unwrap();
        assert!(!revoke.all_other_devices && revoke.current_auth_key.is_none());
        let creds = r#"{"auth_key":"aa","kdf":{"memory_kib":65536,"iterations":3,"parallelism":1},"salt":"bb","wrapped_account_key":"cc","account_proof":"dd","sign_out_other_devices":true}"#;
        let parsed: CredentialsUpdate = serde_json::from_str(creds).unwrap();
        assert!(parsed.sign_out_other_devices);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), creds);
    }

    /// The ids and blobs of the frozen vectors are valid typed values and re-encode exactly.
    #[test]
    fn frozen_vector_values_parse_as_typed_values() {
        for id in [
            "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a",
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        ] {
            let typed: WireRecordId = serde_json::from_str(&format!("\"{id}\"")).unwrap();
            assert_eq!(serde_json::to_string(&typed).unwrap(), format!("\"{id}\""));
        }
        for blob in ["U0xDRQ==", "", "AwE=", "c2VuZGVy", "Yw==", "ZQ=="] {
            let typed: B64Bytes = blob.parse().unwrap();
            assert_eq!(typed.encode(), blob);
        }
        for device in ["dev-1", "dev-2", "d1"] {
            assert_eq!(device.parse::<DeviceId>().unwrap().as_str(), device);
        }
    }
}
