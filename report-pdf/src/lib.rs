//! Renders a [`TherapistReport`] (gathered by `solace_core::report`) as a PDF: a header with
//! the period and a personal-health-information notice on every page, the mood trend chart,
//! the PHQ-9/GAD-7 table, habit consistency, technique helpfulness and the picked journal
//! entries, wrapped and broken across A4 pages.
//!
//! Written with `pdf-writer` (typst's low-level writer: no I/O, no randomness, a small
//! dependency), using the base-14 Helvetica fonts with WinAnsi encoding, so no font file is
//! embedded: characters outside WinAnsi are shown as `?` (see [`text`]). The output is a pure
//! function of the report — the creation date is the report's own — so the same report always
//! gives the same bytes.
//!
//! Kept out of `solace-core` so the mobile library carries no PDF code.

pub mod chart;
pub mod layout;
pub mod text;

use chrono::{Datelike, Offset, Timelike};
use pdf_writer::{Date, Finish, Name, Pdf, Rect, Ref, TextStr};
use solace_core::report::TherapistReport;

use layout::{Column, Pages, BODY_SIZE, BOLD, PAGE_HEIGHT, PAGE_WIDTH, REGULAR};

/// The notice printed under the period on every page.
pub const NOTICE: &str =
    "Prepared by the client with Solace \u{2014} contains personal health information";

/// A rendered report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedReport {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// How many pages it has.
    pub pages: u32,
}

/// Renders `report` as a PDF.
pub fn render(report: &TherapistReport) -> RenderedReport {
    let period = format!(
        "Solace report: {} to {} ({} days)",
        report.from,
        report.to,
        (report.to - report.from).num_days() + 1
    );
    let mut pages = Pages::new([period, NOTICE.to_owned()]);
    mood_section(&mut pages, report);
    assessment_section(&mut pages, report);
    habit_section(&mut pages, report);
    technique_section(&mut pages, report);
    entry_section(&mut pages, report);
    assemble(report, pages.finish())
}

fn mood_section(pages: &mut Pages, report: &TherapistReport) {
    pages.heading("Mood trend", chart::HEIGHT);
    chart::draw(pages, report.from, report.to, &report.mood);
    let summary = match report.mood_mean {
        Some(mean) => format!(
            "{} check-ins on {} days; mean mood {mean:.1}.",
            report.check_ins,
            report.mood.len()
        ),
        None => "No check-ins in this period.".to_owned(),
    };
    pages.paragraph(&summary, BODY_SIZE, false);
}

fn empty(pages: &mut Pages, what: &str) {
    pages.paragraph(what, BODY_SIZE, false);
}

fn assessment_section(pages: &mut Pages, report: &TherapistReport) {
    pages.heading("PHQ-9 and GAD-7", 40.0);
    if report.assessments.is_empty() {
        return empty(pages, "No questionnaires completed in this period.");
    }
    let rows: Vec<Vec<String>> = report
        .assessments
        .iter()
        .map(|a| {
            vec![
                a.date.to_string(),
                a.instrument.name().to_owned(),
                format!("{} / {}", a.total, a.max),
                a.band.label().to_owned(),
            ]
        })
        .collect();
    pages.table(
        &[
            Column {
                title: "Date",
                width: 90.0,
            },
            Column {
                title: "Questionnaire",
                width: 120.0,
            },
            Column {
                title: "Score",
                width: 80.0,
            },
            Column {
                title: "Band",
                width: 205.0,
            },
        ],
        &rows,
    );
}

fn habit_section(pages: &mut Pages, report: &TherapistReport) {
    pages.heading("Habit consistency", 40.0);
    if report.habits.is_empty() {
        return empty(pages, "No active habits.");
    }
    let rows: Vec<Vec<String>> = report
        .habits
        .iter()
        .map(|h| {
            vec![
                h.name.clone(),
                h.schedule.clone(),
                format!("{} of {}", h.days_done, h.days_expected),
                format!("{:.0}%", h.strength * 100.0),
            ]
        })
        .collect();
    pages.table(
        &[
            Column {
                title: "Habit",
                width: 200.0,
            },
            Column {
                title: "Schedule",
                width: 100.0,
            },
            Column {
                title: "Done / expected",
                width: 110.0,
            },
            Column {
                title: "Strength",
                width: 85.0,
            },
        ],
        &rows,
    );
}

fn technique_section(pages: &mut Pages, report: &TherapistReport) {
    pages.heading("Technique helpfulness", 40.0);
    if report.techniques.is_empty() {
        return empty(pages, "No micro-sessions finished in this period.");
    }
    let rows: Vec<Vec<String>> = report
        .techniques
        .iter()
        .map(|t| {
            vec![
                t.name.clone(),
                t.times_used.to_string(),
                t.mean_helpful
                    .map_or("-".into(), |h| format!("{h:.1} of 5")),
                t.mean_mood_change
                    .map_or("-".into(), |c| format!("{c:+.1}")),
            ]
        })
        .collect();
    pages.table(
        &[
            Column {
                title: "Technique",
                width: 185.0,
            },
            Column {
                title: "Times used",
                width: 80.0,
            },
            Column {
                title: "Helped (rating)",
                width: 110.0,
            },
            Column {
                title: "Mood change after",
                width: 120.0,
            },
        ],
        &rows,
    );
}

fn entry_section(pages: &mut Pages, report: &TherapistReport) {
    pages.heading("Journal entries chosen by the client", 30.0);
    if report.entries.is_empty() {
        return empty(
            pages,
            "The client chose no journal entries for this report.",
        );
    }
    for entry in &report.entries {
        pages.gap(6.0);
        let title = match &entry.title {
            Some(title) => format!("{}: {title}", entry.date),
            None => entry.date.to_string(),
        };
        pages.paragraph(&title, 11.0, true);
        pages.paragraph(&entry.text, BODY_SIZE, false);
    }
}

/// Writes the document: catalog, page tree, the two fonts, one content stream per page and
/// the document information with the report's creation date.
fn assemble(report: &TherapistReport, contents: Vec<pdf_writer::Content>) -> RenderedReport {
    let mut pdf = Pdf::new();
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let regular_id = Ref::new(3);
    let bold_id = Ref::new(4);
    let info_id = Ref::new(5);
    let first_page = 6;
    let count = contents.len();
    let page_ids: Vec<Ref> = (0..count)
        .map(|i| Ref::new(first_page + 2 * i as i32))
        .collect();

    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(count as i32);
    for (font, name) in [(regular_id, "Helvetica"), (bold_id, "Helvetica-Bold")] {
        pdf.type1_font(font)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (page_id, content) in page_ids.iter().zip(contents) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree_id)
            .contents(content_id);
        let mut resources = page.resources();
        resources
            .fonts()
            .pair(REGULAR, regular_id)
            .pair(BOLD, bold_id);
        resources.finish();
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    let made = report.created_at;
    let offset_minutes = made.offset().fix().local_minus_utc() / 60;
    let date = Date::new(u16::try_from(made.year()).unwrap_or(2000))
        .month(made.month() as u8)
        .day(made.day() as u8)
        .hour(made.hour() as u8)
        .minute(made.minute() as u8)
        .second(made.second() as u8)
        .utc_offset_hour((offset_minutes / 60) as i8)
        .utc_offset_minute((offset_minutes.abs() % 60) as u8);
    let title = format!("Solace report {} to {}", report.from, report.to);
    pdf.document_info(info_id)
        .title(TextStr(&title))
        .producer(TextStr("Solace"))
        .creation_date(date);
    RenderedReport {
        bytes: pdf.finish(),
        pages: u32::try_from(count).unwrap_or(u32::MAX),
    }
}
