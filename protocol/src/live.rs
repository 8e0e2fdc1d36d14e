//! Live updates: a foreground device asks the server to answer as soon as something for it
//! changed (a long poll, `POST /v1/changes/wait`), then syncs as usual. The answer says only
//! *that* records or messages are waiting, never what; a lost wake-up only delays the next
//! sync, because the client always pulls and the wait ends after at most [`MAX_WAIT_SECS`].

use serde::{Deserialize, Serialize};

/// Longest a wait is held open before the server answers "nothing yet".
pub const MAX_WAIT_SECS: u32 = 25;

/// What the waiting device already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitRequest {
    /// The device's record cursor (the highest `server_seq` it merged).
    pub cursor: u64,
    /// How long to wait at most, in seconds (clamped to [`MAX_WAIT_SECS`]).
    pub timeout_secs: u32,
}

/// What is waiting for the device (both false when the wait timed out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// Records newer than the cursor.
    pub records: bool,
    /// Messages or expiry notices in the device's mailbox.
    pub messages: bool,
}

impl Changes {
    /// Whether anything is waiting.
    pub fn any(&self) -> bool {
        self.records || self.messages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen vectors of the live-update wire format.
    #[test]
    fn wait_and_changes_are_stable() {
        let wait = r#"{"cursor":41,"timeout_secs":25}"#;
        let parsed: WaitRequest = serde_json::from_str(wait).unwrap();
        assert_eq!(parsed.cursor, 41);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), wait);
        let changes = r#"{"records":true,"messages":false}"#;
        let parsed: Changes = serde_json::from_str(changes).unwrap();
        assert!(parsed.any() && !parsed.messages);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), changes);
        assert!(!Changes::default().any());
    }
}
