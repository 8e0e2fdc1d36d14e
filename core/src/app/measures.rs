//! Measurement-based care for one client: the PHQ-9 and GAD-7 results they shared, as series
//! with their severity bands, reliable-change markers and (PHQ-9) item 9 history. Any front
//! end draws the same data; the console renders it as SVG.

use serde::Serialize;

use crate::assessments::{AssessmentResult, Instrument, Severity};
use crate::messaging::SharedItem;

/// Reliable change in points between two consecutive results: PHQ-9 ≥ 5, GAD-7 ≥ 4.
pub fn reliable_change(instrument: Instrument) -> u8 {
    match instrument {
        Instrument::Phq9 => 5,
        Instrument::Gad7 => 4,
    }
}

/// A reliable change since the previous result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The score fell by at least the reliable-change amount.
    Improved,
    /// The score rose by at least the reliable-change amount.
    Worsened,
}

/// One result on the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasurePoint {
    /// When it was completed (RFC 3339).
    pub at: String,
    /// Unix seconds of `at` (for the time axis).
    pub unix: i64,
    /// Total score.
    pub total: u8,
    /// Its band.
    pub severity: Severity,
    /// Points since the previous result (`None` for the first).
    pub delta: Option<i16>,
    /// Set when `delta` is a reliable change.
    pub change: Option<Change>,
    /// PHQ-9 item 9 (thoughts of self-harm), 0–3; `None` for GAD-7.
    pub item9: Option<u8>,
}

/// A band of scores, for the chart's background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Band {
    /// The band.
    pub severity: Severity,
    /// Lowest score in it.
    pub from: u8,
    /// Highest score in it.
    pub to: u8,
}

/// One instrument's results, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureSeries {
    /// Which questionnaire.
    pub instrument: Instrument,
    /// Highest possible score (the chart's top).
    pub max: u8,
    /// Its bands, lowest first.
    pub bands: Vec<Band>,
    /// The reliable-change amount in points.
    pub reliable_change: u8,
    /// The results.
    pub points: Vec<MeasurePoint>,
}

/// The bands of `instrument`, derived from its own scoring rule (never a second table).
pub fn bands(instrument: Instrument) -> Vec<Band> {
    let mut bands: Vec<Band> = Vec::new();
    for score in 0..=instrument.max_score() {
        let severity = instrument.severity(score);
        match bands.last_mut() {
            Some(band) if band.severity == severity => band.to = score,
            _ => bands.push(Band {
                severity,
                from: score,
                to: score,
            }),
        }
    }
    bands
}

/// The PHQ-9 and GAD-7 series of the results in `shared` (items that are not assessments,
/// or do not parse, are left out). A series with no results is still returned, empty.
pub fn series(shared: &[SharedItem]) -> Vec<MeasureSeries> {
    let results: Vec<AssessmentResult> = shared
        .iter()
        .filter(|item| item.item_kind == "assessment")
        .filter_map(|item| serde_json::from_value(item.content.clone()).ok())
        .collect();
    Instrument::ALL
        .into_iter()
        .map(|instrument| {
            let mut mine: Vec<&AssessmentResult> = results
                .iter()
                .filter(|r| r.instrument == instrument)
                .collect();
            crate::sort::sort_by_key(&mut mine, |r| r.at);
            let step = i16::from(reliable_change(instrument));
            let mut points: Vec<MeasurePoint> = Vec::with_capacity(mine.len());
            for r in mine {
                let delta = points
                    .last()
                    .map(|p| i16::from(r.total) - i16::from(p.total));
                let change = match delta {
                    Some(d) if d <= -step => Some(Change::Improved),
                    Some(d) if d >= step => Some(Change::Worsened),
                    _ => None,
                };
                points.push(MeasurePoint {
                    at: r.at.to_rfc3339(),
                    unix: r.at.timestamp(),
                    total: r.total,
                    severity: r.severity,
                    delta,
                    change,
                    item9: (instrument == Instrument::Phq9)
                        .then(|| r.answers.get(8).copied())
                        .flatten(),
                });
            }
            MeasureSeries {
                instrument,
                max: instrument.max_score(),
                bands: bands(instrument),
                reliable_change: reliable_change(instrument),
                points,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RecordId;

    fn shared(instrument: Instrument, answers: Vec<u8>, day: u32) -> SharedItem {
        let total: u8 = answers.iter().sum();
        let result = AssessmentResult {
            id: RecordId([day as u8; 16]),
            instrument,
            severity: instrument.severity(total),
            safety_flag: false,
            answers,
            total,
            at: chrono::DateTime::parse_from_rfc3339(&format!("2026-10-{day:02}T09:00:00+00:00"))
                .unwrap(),
        };
        SharedItem {
            share_id: format!("s{day}"),
            from_account: "c".into(),
            item_kind: "assessment".into(),
            title: "t".into(),
            content: serde_json::to_value(&result).unwrap(),
            updated_at: 0,
        }
    }

    #[test]
    fn bands_follow_the_scoring_rule() {
        let phq: Vec<(u8, u8)> = bands(Instrument::Phq9)
            .iter()
            .map(|b| (b.from, b.to))
            .collect();
        assert_eq!(phq, [(0, 4), (5, 9), (10, 14), (15, 19), (20, 27)]);
        let gad: Vec<(u8, u8)> = bands(Instrument::Gad7)
            .iter()
            .map(|b| (b.from, b.to))
            .collect();
        assert_eq!(gad, [(0, 4), (5, 9), (10, 14), (15, 21)]);
    }

    #[test]
    fn reliable_changes_are_marked_per_instrument() {
        let items = [
            // PHQ-9 by date: 13 → 18 (+5, reliable) → 10 (−8, reliable) → 13 (+3); item 9 kept.
            shared(Instrument::Phq9, vec![3, 3, 3, 3, 3, 2, 1, 0, 0], 10),
            shared(Instrument::Phq9, vec![3, 3, 3, 2, 1, 1, 0, 0, 0], 1),
            shared(Instrument::Phq9, vec![2, 2, 2, 2, 1, 1, 1, 1, 1], 20),
            shared(Instrument::Phq9, vec![2, 2, 2, 1, 1, 1, 1, 0, 0], 15),
            // GAD-7: 10 → 6 (−4, reliable).
            shared(Instrument::Gad7, vec![2, 2, 2, 1, 1, 1, 1], 3),
            shared(Instrument::Gad7, vec![1, 1, 1, 1, 1, 1, 0], 12),
        ];
        let all = series(&items);
        let phq = &all[0];
        assert_eq!(phq.instrument, Instrument::Phq9);
        let totals: Vec<u8> = phq.points.iter().map(|p| p.total).collect();
        assert_eq!(totals, [13, 18, 10, 13]);
        let changes: Vec<Option<Change>> = phq.points.iter().map(|p| p.change).collect();
        assert_eq!(
            changes,
            [None, Some(Change::Worsened), Some(Change::Improved), None]
        );
        assert_eq!(phq.points[3].item9, Some(1));
        let gad = &all[1];
        assert_eq!(gad.points[1].delta, Some(-4));
        assert_eq!(gad.points[1].change, Some(Change::Improved));
        assert_eq!(gad.points[1].item9, None);
        assert!(series(&[]).iter().all(|s| s.points.is_empty()));
    }
}
