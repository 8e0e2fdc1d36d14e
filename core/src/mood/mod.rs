//! Mood check-ins: append-only encrypted records plus statistics computed on the device.

pub mod stats;

use crate::error::InputProblem;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

use self::stats::MoodPoint;

/// What the person records in a check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MoodDraft {
    /// Overall mood, 1 (worst) to 10 (best).
    pub mood: u8,
    /// Named emotions (lowercased, deduplicated).
    #[serde(default)]
    pub emotions: Vec<String>,
    /// Energy 1–10.
    #[serde(default)]
    pub energy: Option<u8>,
    /// Anxiety 1–10.
    #[serde(default)]
    pub anxiety: Option<u8>,
    /// Hours slept last night, 0–24.
    #[serde(default)]
    pub sleep_hours: Option<f32>,
    /// A short note in the person's own words.
    #[serde(default)]
    pub note: Option<String>,
}

/// A stored check-in. Check-ins are append-only: they are never edited, so they never conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoodCheckIn {
    /// The record id.
    pub id: RecordId,
    /// When it was recorded, with the person's UTC offset at the time.
    pub at: DateTime<FixedOffset>,
    /// The content.
    #[serde(flatten)]
    pub draft: MoodDraft,
}

fn check_scale(name: &'static str, value: Option<u8>) -> Result<()> {
    match value {
        Some(v) if !(1..=10).contains(&v) => Err(CoreError::invalid(
            name,
            InputProblem::OutOfRange { min: 1, max: 10 },
        )),
        _ => Ok(()),
    }
}

impl MoodDraft {
    /// The draft checked against the check-in rules (scales 1–10, sleep 0–24) and normalized;
    /// also what an import checks each check-in with.
    pub(crate) fn normalized(mut self) -> Result<Self> {
        check_scale("mood", Some(self.mood))?;
        check_scale("energy", self.energy)?;
        check_scale("anxiety", self.anxiety)?;
        if let Some(hours) = self.sleep_hours {
            if !(0.0..=24.0).contains(&hours) || hours.is_nan() {
                return Err(CoreError::invalid(
                    "sleep hours",
                    InputProblem::OutOfRange { min: 0, max: 24 },
                ));
            }
        }
        let mut emotions: Vec<String> = Vec::new();
        for e in &self.emotions {
            let e = e.trim().to_lowercase();
            if !e.is_empty() && !emotions.contains(&e) {
                emotions.push(e);
            }
        }
        self.emotions = emotions;
        self.note = self.note.filter(|n| !n.trim().is_empty());
        Ok(self)
    }
}

/// Records a check-in at `at` and returns it.
pub fn log(store: &mut Store, draft: MoodDraft, at: DateTime<FixedOffset>) -> Result<MoodCheckIn> {
    let check_in = MoodCheckIn {
        id: RecordId::generate()?,
        at,
        draft: draft.normalized()?,
    };
    store.put(RecordKind::Mood, &check_in.id, &check_in)?;
    Ok(check_in)
}

/// Check-ins whose local date lies in `[from, to]` (either bound optional), oldest first.
pub fn list(
    store: &Store,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<MoodCheckIn>> {
    let mut out: Vec<MoodCheckIn> = store
        .list::<MoodCheckIn>(RecordKind::Mood)?
        .into_iter()
        .map(|(_, c)| c)
        .filter(|c| {
            let day = c.at.date_naive();
            from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
        })
        .collect();
    crate::sort::sort_by(&mut out, |a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Removes a check-in that was logged by mistake (a tombstone).
pub fn delete(store: &mut Store, id: &RecordId) -> Result<()> {
    if store.delete(RecordKind::Mood, id)? {
        Ok(())
    } else {
        Err(CoreError::NotFound("mood check-in"))
    }
}

fn points(check_ins: &[MoodCheckIn]) -> Vec<MoodPoint> {
    check_ins
        .iter()
        .map(|c| MoodPoint {
            at: c.at,
            mood: c.draft.mood,
        })
        .collect()
}

/// Averages, trend and weekday pattern over the `days` days ending `today`.
pub fn summary(store: &Store, today: NaiveDate, days: u32) -> Result<stats::MoodSummary> {
    let from = today - chrono::Duration::days(i64::from(days.max(1)) - 1);
    let check_ins = list(store, Some(from), Some(today))?;
    Ok(stats::summarize(&points(&check_ins), today, days))
}

/// Per-day averages over the `days` days ending `today`, oldest first (days without a
/// check-in are left out).
pub fn daily(store: &Store, today: NaiveDate, days: u32) -> Result<Vec<stats::DailyAverage>> {
    let from = today - chrono::Duration::days(i64::from(days.max(1)) - 1);
    let check_ins = list(store, Some(from), Some(today))?;
    Ok(stats::daily_averages(&points(&check_ins)))
}

/// One cell per day of `year`: the "year in pixels" calendar.
pub fn year_in_pixels(store: &Store, year: i32) -> Result<Vec<stats::CalendarDay>> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1);
    let to = NaiveDate::from_ymd_opt(year, 12, 31);
    let check_ins = list(store, from, to)?;
    Ok(stats::year_in_pixels(&points(&check_ins), year))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn log_validates_and_summarizes() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        for (day, mood) in [(1, 3), (2, 5), (3, 7)] {
            let draft = MoodDraft {
                mood,
                emotions: vec!["Calm".into(), "calm".into()],
                sleep_hours: Some(7.5),
                ..MoodDraft::default()
            };
            let c = log(
                &mut store,
                draft,
                at(&format!("2026-11-0{day}T21:00:00+01:00")),
            )
            .unwrap();
            assert_eq!(c.draft.emotions, vec!["calm"]);
        }
        for bad in [
            MoodDraft {
                mood: 0,
                ..Default::default()
            },
            MoodDraft {
                mood: 11,
                ..Default::default()
            },
            MoodDraft {
                mood: 5,
                energy: Some(0),
                ..Default::default()
            },
            MoodDraft {
                mood: 5,
                sleep_hours: Some(25.0),
                ..Default::default()
            },
        ] {
            assert!(matches!(
                log(&mut store, bad, at("2026-11-01T08:00:00Z")),
                Err(CoreError::InvalidInput(_))
            ));
        }
        let today = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        let s = summary(&store, today, 7).unwrap();
        assert_eq!(s.count, 3);
        assert_eq!(s.average, Some(5.0));
        let trend = s.trend.unwrap();
        assert!((trend.slope_per_day - 2.0).abs() < 1e-9);
        assert_eq!(list(&store, Some(today), None).unwrap().len(), 1);
        let pixels = year_in_pixels(&store, 2026).unwrap();
        assert_eq!(pixels.len(), 365);
        assert_eq!(pixels.iter().filter(|d| d.mood.is_some()).count(), 3);
    }
}
