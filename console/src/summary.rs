//! A client summary the therapist can keep: Markdown (downloaded) and a printable page with the
//! same content — latest scores and risk, the measures, what was shared, and the therapist's
//! own notes. Built on the therapist's machine from the unlocked store.

use maud::{html, Markup};
use solace_core::app::measures::{Change, MeasureSeries};
use solace_core::app::CaseloadEntry;
use solace_core::messaging::{mood_share, SharedItem};
use solace_core::notes::ClientNote;

use crate::pages::when;

/// Everything a summary shows about one client.
pub struct Summary<'a> {
    /// The caseload line.
    pub row: &'a CaseloadEntry,
    /// Their PHQ-9 and GAD-7 series.
    pub measures: &'a [MeasureSeries],
    /// What they shared.
    pub shared: &'a [SharedItem],
    /// The therapist's notes, newest first.
    pub notes: &'a [ClientNote],
}

fn change_text(change: Option<Change>) -> &'static str {
    match change {
        Some(Change::Improved) => " (reliable improvement)",
        Some(Change::Worsened) => " (reliable worsening)",
        None => "",
    }
}

/// One sentence on the shared mood trend: the mean of its latest 30 days.
fn mood_line(shared: &[SharedItem]) -> Option<String> {
    let trend = shared.iter().find_map(mood_share::from_item)?;
    let (last, (mean, count)) = trend.last_30_days()?;
    Some(format!(
        "Daily mood average (1–10) over the 30 days to {last}: {mean}, from {count} check-ins."
    ))
}

/// The summary as Markdown.
pub fn markdown(s: &Summary<'_>) -> String {
    let mut out = format!("# {} — client summary\n\n", s.row.name);
    out.push_str(&format!(
        "- Risk: {}\n",
        s.row.risk.map_or("none flagged", |r| r.label())
    ));
    if let Some(at) = s.row.last_activity {
        out.push_str(&format!("- Last activity: {}\n", when(at)));
    }
    out.push_str("\n## Measures\n");
    for series in s.measures {
        out.push_str(&format!("\n### {}\n\n", series.instrument.name()));
        if series.points.is_empty() {
            out.push_str("Not shared.\n");
            continue;
        }
        out.push_str("| Date | Score | Band | Item 9 |\n|---|---|---|---|\n");
        for p in &series.points {
            out.push_str(&format!(
                "| {} | {}{} | {} | {} |\n",
                p.at.get(..10).unwrap_or(&p.at),
                p.total,
                change_text(p.change),
                p.severity.label(),
                p.item9.map_or("—".to_owned(), |v| v.to_string())
            ));
        }
    }
    if let Some(line) = mood_line(s.shared) {
        out.push_str(&format!("\n### Mood\n\n{line}\n"));
    }
    out.push_str("\n## Shared by the client\n\n");
    if s.shared.is_empty() {
        out.push_str("Nothing shared.\n");
    }
    for item in s
        .shared
        .iter()
        .filter(|i| i.item_kind != mood_share::ITEM_KIND)
    {
        out.push_str(&format!("- {} ({})\n", item.title, when(item.updated_at)));
    }
    out.push_str("\n## Private notes\n\n");
    if s.notes.is_empty() {
        out.push_str("None.\n");
    }
    for note in s.notes {
        out.push_str(&format!(
            "### {}\n\n{}\n\n",
            note.created_at.format("%Y-%m-%d %H:%M"),
            note.text
        ));
    }
    out
}

/// The same summary as a page fit to print (the console's stylesheet has a print style).
pub fn printable(s: &Summary<'_>) -> Markup {
    html! {
        article.summary {
            h1 { (s.row.name) " — client summary" }
            p { "Risk: " (s.row.risk.map_or("none flagged", |r| r.label())) }
            @for series in s.measures {
                h2 { (series.instrument.name()) }
                @if series.points.is_empty() { p.muted { "Not shared." } }
                @else {
                    table.measures {
                        caption { (series.instrument.name()) " results" }
                        thead { tr { th scope="col" { "Date" } th scope="col" { "Score" } th scope="col" { "Band" } } }
                        tbody {
                            @for p in &series.points {
                                tr {
                                    td { (p.at.get(..10).unwrap_or(&p.at)) }
                                    td { (p.total) (change_text(p.change)) }
                                    td { (p.severity.label()) }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(line) = mood_line(s.shared) {
                h2 { "Mood" }
                p { (line) }
            }
            h2 { "Private notes" }
            @if s.notes.is_empty() { p.muted { "None." } }
            @for note in s.notes {
                h3 { (note.created_at.format("%Y-%m-%d %H:%M").to_string()) }
                p.entry { (note.text) }
            }
        }
    }
}
