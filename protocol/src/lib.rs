//! Wire types shared by the Solace core (client) and the provider server.
//!
//! Everything here crosses the network, so every type is versioned and carries only what the
//! server may see: opaque ids, kind tags, sync counters and sealed envelopes — never plaintext.
//! The sync and messaging endpoints add their request/response types here as they land.

use serde::{Deserialize, Serialize};

/// The wire protocol version this build speaks; sent in every request header.
pub const PROTOCOL_VERSION: u32 = 1;

/// A record as the server stores and relays it: opaque to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedRecord {
    /// Record id, 32 lowercase hex characters.
    pub id: String,
    /// Kind tag (e.g. `journal`), needed by the client to pick the decoder.
    pub kind: String,
    /// The sealed envelope, hex-encoded; empty for a tombstone that was never synced.
    pub blob: String,
    /// Whether the record is a tombstone.
    pub deleted: bool,
}

/// The server's answer to a health probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// "ok" when the server can reach its storage.
    pub status: String,
    /// The protocol version the server speaks.
    pub protocol: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen wire vector: v1 clients and servers must keep reading this exact JSON.
    #[test]
    fn sealed_record_v1_wire_format_is_stable() {
        let json = r#"{"id":"0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a","kind":"journal","blob":"534c4345","deleted":false}"#;
        let record: SealedRecord = serde_json::from_str(json).unwrap();
        assert_eq!(record.kind, "journal");
        assert_eq!(serde_json::to_string(&record).unwrap(), json);
    }
}
