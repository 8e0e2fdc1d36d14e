//! The mood trend a client may let flow to a linked therapist (consent `share_mood`, off by
//! default): one shared item per therapist holding the daily mood averages of the last
//! [`DAYS`] days — no notes, emotions or times of day. It rides on the sharing machinery:
//! every messaging sync creates it for a therapist the client chose, sends an update when the
//! days changed, and withdraws it when the client stops sharing, so the therapist's copy
//! follows the client's choice.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::messaging::model::SharedItem;
use crate::store::Store;

/// Share ids of mood trends start with this, followed by the therapist's account id.
pub const SHARE_PREFIX: &str = "mood-trend-";
/// The item kind therapists receive.
pub const ITEM_KIND: &str = "mood_trend";
/// How many days back the trend reaches.
pub const DAYS: u32 = 180;

/// One day of the trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoodDay {
    /// The client's local date.
    pub date: NaiveDate,
    /// Mean mood that day (1–10), to one decimal.
    pub average: f64,
    /// How many check-ins.
    pub count: u32,
}

/// What the therapist receives: the days with check-ins, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MoodTrend {
    /// Days with at least one check-in in the last [`DAYS`] days.
    pub days: Vec<MoodDay>,
}

impl MoodTrend {
    /// Mean of the daily averages of the days in `from..=to`, with the number of check-ins;
    /// `None` when there are none.
    pub fn mean_between(&self, from: NaiveDate, to: NaiveDate) -> Option<(f64, u32)> {
        let days: Vec<&MoodDay> = self
            .days
            .iter()
            .filter(|d| d.date >= from && d.date <= to)
            .collect();
        if days.is_empty() {
            return None;
        }
        let mean = days.iter().map(|d| d.average).sum::<f64>() / days.len() as f64;
        Some((
            (mean * 10.0).round() / 10.0,
            days.iter().map(|d| d.count).sum(),
        ))
    }

    /// [`MoodTrend::mean_between`] for the 30 days up to the newest day with a check-in, and
    /// the newest day itself.
    pub fn last_30_days(&self) -> Option<(NaiveDate, (f64, u32))> {
        let last = self.days.last()?.date;
        Some((
            last,
            self.mean_between(last - chrono::Duration::days(29), last)?,
        ))
    }
}

/// The share id of the mood trend sent to `therapist`.
pub fn share_id(therapist: &str) -> String {
    format!("{SHARE_PREFIX}{therapist}")
}

/// The therapist a mood-trend share id is for (`None` for other share ids).
pub fn therapist_of(share_id: &str) -> Option<&str> {
    share_id.strip_prefix(SHARE_PREFIX)
}

/// The client's trend as of `today`.
pub fn trend(store: &Store, today: NaiveDate) -> Result<MoodTrend> {
    let days = crate::mood::daily(store, today, DAYS)?
        .into_iter()
        .map(|d| MoodDay {
            date: d.date,
            average: (d.average * 10.0).round() / 10.0,
            count: d.count,
        })
        .collect();
    Ok(MoodTrend { days })
}

/// What the share carries: kind, title and content.
pub fn shareable(store: &Store, today: NaiveDate) -> Result<(String, String, serde_json::Value)> {
    let content = serde_json::to_value(trend(store, today)?)
        .map_err(|_| CoreError::MalformedRecord { kind: "mood" })?;
    Ok((ITEM_KIND.into(), "Mood trend".into(), content))
}

/// The trend in an item a client shared (`None` for other items or one that does not parse).
pub fn from_item(item: &SharedItem) -> Option<MoodTrend> {
    (item.item_kind == ITEM_KIND)
        .then(|| serde_json::from_value(item.content.clone()).ok())
        .flatten()
}
