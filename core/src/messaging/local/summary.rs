//! A per-client summary of what they shared, kept beside the shared items and updated with
//! them: the latest PHQ-9 and GAD-7 results and the newest share time. Lists that show every
//! client (the therapist's caseload) read one small sealed state per client instead of every
//! result ever shared. A store from before the summary existed computes it from the items.

use serde::{Deserialize, Serialize};

use crate::assessments::{AssessmentResult, Instrument};
use crate::error::{CoreError, Result};
use crate::messaging::model::SharedItem;
use crate::store::Store;

/// What the caseload needs of one client's shared items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedSummary {
    /// The latest shared PHQ-9 result.
    pub phq9: Option<AssessmentResult>,
    /// The latest shared GAD-7 result.
    pub gad7: Option<AssessmentResult>,
    /// When the newest item was shared (Unix milliseconds).
    pub last_at: Option<i64>,
}

fn state_name(peer: &str) -> String {
    format!("shared-summary/{peer}")
}

impl SharedSummary {
    /// The summary of `items`.
    pub fn of(items: &[SharedItem]) -> Self {
        let mut summary = Self::default();
        for item in items {
            summary.take(item);
        }
        summary
    }

    /// Counts one more item (a newer result replaces the held one of its instrument).
    pub fn take(&mut self, item: &SharedItem) {
        self.last_at = self.last_at.max(Some(item.updated_at));
        if item.item_kind != "assessment" {
            return;
        }
        let Ok(result) = serde_json::from_value::<AssessmentResult>(item.content.clone()) else {
            return;
        };
        let slot = match result.instrument {
            Instrument::Phq9 => &mut self.phq9,
            Instrument::Gad7 => &mut self.gad7,
        };
        if slot.as_ref().is_none_or(|held| held.at <= result.at) {
            *slot = Some(result);
        }
    }

    /// The stored summary for `peer`, or one computed from the items when there is none
    /// (or it does not open).
    pub fn load(store: &Store, peer: &str) -> Result<Self> {
        if let Ok(Some(bytes)) = store.device_state(&state_name(peer)) {
            if let Ok(summary) = serde_json::from_slice(&bytes) {
                return Ok(summary);
            }
        }
        Ok(Self::of(&super::shared_with_me(store, peer)?))
    }

    /// Saves the summary for `peer`.
    pub fn save(&self, store: &mut Store, peer: &str) -> Result<()> {
        let bytes =
            serde_json::to_vec(self).map_err(|_| CoreError::MalformedRecord { kind: "share" })?;
        store.put_device_state(&state_name(peer), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::RecordId;

    fn phq(total_item: u8, day: u32) -> SharedItem {
        let answers = vec![total_item, 0, 0, 0, 0, 0, 0, 0, 0];
        let result = AssessmentResult {
            id: RecordId([day as u8; 16]),
            instrument: Instrument::Phq9,
            severity: Instrument::Phq9.severity(total_item),
            safety_flag: false,
            answers,
            total: total_item,
            at: chrono::DateTime::parse_from_rfc3339(&format!("2026-10-{day:02}T09:00:00+00:00"))
                .unwrap(),
        };
        SharedItem {
            share_id: format!("share-{day}"),
            from_account: "acct-sam".into(),
            item_kind: "assessment".into(),
            title: "t".into(),
            content: serde_json::to_value(&result).unwrap(),
            updated_at: i64::from(day),
        }
    }

    #[test]
    fn the_summary_follows_shares_and_withdrawals() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) =
            Store::create(dir.path(), "velvet harbor pilgrim cactus", KdfParams::FLOOR).unwrap();
        // Arriving out of order: the latest by completion time wins.
        super::super::store_shared(&mut store, &phq(3, 20)).unwrap();
        super::super::store_shared(&mut store, &phq(2, 10)).unwrap();
        let summary = SharedSummary::load(&store, "acct-sam").unwrap();
        assert_eq!(summary.phq9.as_ref().map(|r| r.total), Some(3));
        assert_eq!(summary.last_at, Some(20));
        assert_eq!(
            summary,
            SharedSummary::of(&super::super::shared_with_me(&store, "acct-sam").unwrap())
        );
        // The client withdraws the latest: the summary falls back to the one still shared.
        super::super::drop_shared(&mut store, "acct-sam", "share-20").unwrap();
        let summary = SharedSummary::load(&store, "acct-sam").unwrap();
        assert_eq!(summary.phq9.as_ref().map(|r| r.total), Some(2));
        assert!(SharedSummary::load(&store, "acct-nobody")
            .unwrap()
            .phq9
            .is_none());
    }
}
