//! The rendered report read back with poppler's `pdftotext` and drawn with `pdftoppm`.
//! Without poppler-utils these tests skip with a message, unless `SOLACE_REQUIRE_POPPLER` is
//! set (CI sets it and installs poppler-utils), when they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, FixedOffset, NaiveDate};
use solace_core::assessments::Instrument;
use solace_core::crypto::kdf::KdfParams;
use solace_core::habits::{HabitAction, HabitDraft, Schedule};
use solace_core::journal::{JournalBody, JournalDraft};
use solace_core::mood::MoodDraft;
use solace_core::report::{self, TherapistReport};
use solace_core::Store;
use solace_report_pdf::{render, NOTICE};

fn at(date: &str, hour: u32) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{date}T{hour:02}:00:00+01:00")).unwrap()
}

/// Whether poppler is there; false (skip) only when it is absent and not required.
fn poppler() -> bool {
    let present = Command::new("pdftotext").arg("-v").output().is_ok();
    if !present {
        assert!(
            std::env::var_os("SOLACE_REQUIRE_POPPLER").is_none(),
            "SOLACE_REQUIRE_POPPLER is set but pdftotext is missing (apt-get install poppler-utils)"
        );
        eprintln!("SKIPPED: pdftotext not found (apt-get install poppler-utils)");
    }
    present
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A store with 60 days of mood, two questionnaires, two habits and two journal entries, and
/// the report over 90 days with only the first entry picked.
fn report_from_store(dir: &Path, picked_text: &str) -> TherapistReport {
    let (mut store, _) = Store::create(
        &dir.join("s"),
        "lantern oyster pilgrim granite",
        KdfParams::FLOOR,
    )
    .unwrap();
    let start = NaiveDate::from_ymd_opt(2026, 9, 28).unwrap();
    for i in 0..60u32 {
        let day = start + chrono::Duration::days(i64::from(i));
        let mood = (3 + (i * 7) % 6 + i / 12) as u8;
        let draft = MoodDraft {
            mood: mood.min(10),
            ..MoodDraft::default()
        };
        solace_core::mood::log(&mut store, draft, at(&day.to_string(), 9)).unwrap();
    }
    let phq = vec![2, 2, 1, 1, 2, 1, 1, 2, 0];
    solace_core::assessments::submit(&mut store, Instrument::Phq9, phq, at("2026-11-10", 10))
        .unwrap();
    solace_core::assessments::submit(
        &mut store,
        Instrument::Gad7,
        vec![1; 7],
        at("2026-11-12", 10),
    )
    .unwrap();
    let walk = solace_core::habits::add(
        &mut store,
        HabitDraft {
            name: "Evening walk".into(),
            schedule: Schedule::Daily,
            plan: None,
            reminders: vec![],
        },
        start,
        at("2026-09-28", 8),
    )
    .unwrap();
    for i in (0..60).step_by(2) {
        let day = start + chrono::Duration::days(i);
        solace_core::habits::record(
            &mut store,
            &walk.id,
            day,
            HabitAction::Check,
            at("2026-11-26", 8),
        )
        .unwrap();
    }
    let entry = |store: &mut Store, title: &str, text: &str| {
        let draft = JournalDraft {
            title: Some(title.into()),
            body: JournalBody::Free { text: text.into() },
            tags: vec![],
        };
        solace_core::journal::add(store, draft, at("2026-11-20", 21))
            .unwrap()
            .id
    };
    let picked = entry(&mut store, "After the hard meeting", picked_text);
    entry(
        &mut store,
        "Not for the report",
        "UNPICKED-CANARY private thoughts",
    );
    report::build(&store, at("2026-11-26", 18), 90, &[picked]).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn the_pdf_reads_back_with_every_section_and_only_the_picked_entry() {
    let dir = tempfile::tempdir().unwrap();
    let report = report_from_store(
        dir.path(),
        "PICKED-CANARY I noticed my breathing and slowed down. Café, naïve — ok.",
    );
    let rendered = render(&report);
    assert!(rendered.bytes.starts_with(b"%PDF-"));
    assert_eq!(
        render(&report),
        rendered,
        "the same report gives the same bytes"
    );
    let text_of_pdf = String::from_utf8_lossy(&rendered.bytes);
    assert!(
        text_of_pdf.contains("/CreationDate (D:20261126180000+01'00"),
        "the creation date is the report's"
    );
    if !poppler() {
        return;
    }
    let pdf = write(dir.path(), "report.pdf", &rendered.bytes);
    let text = pdftotext(&pdf);
    for heading in [
        "Solace report: 2026-08-29 to 2026-11-26 (90 days)",
        NOTICE,
        "Mood trend",
        "Mood (1 = worst, 10 = best)",
        "PHQ-9 and GAD-7",
        "Habit consistency",
        "Technique helpfulness",
        "Journal entries chosen by the client",
        "60 check-ins on 60 days",
    ] {
        assert!(text.contains(heading), "{heading:?} missing from:\n{text}");
    }
    let phq_row = text
        .lines()
        .find(|l| l.contains("PHQ-9") && l.contains("2026-11-10"))
        .unwrap_or_else(|| panic!("no PHQ-9 row in:\n{text}"));
    assert!(
        phq_row.contains("12 / 27") && phq_row.contains("moderate"),
        "{phq_row}"
    );
    let gad_row = text
        .lines()
        .find(|l| l.contains("GAD-7") && l.contains("2026-11-12"))
        .unwrap();
    assert!(
        gad_row.contains("7 / 21") && gad_row.contains("mild"),
        "{gad_row}"
    );
    let walk_row = text.lines().find(|l| l.contains("Evening walk")).unwrap();
    assert!(
        walk_row.contains("30 of 60") && walk_row.contains("daily"),
        "{walk_row}"
    );
    assert!(text.contains("PICKED-CANARY I noticed my breathing"));
    assert!(
        text.contains("Café, naïve — ok."),
        "WinAnsi text round-trips"
    );
    assert!(text.contains("After the hard meeting"));
    assert!(
        !text.contains("UNPICKED-CANARY"),
        "an unpicked entry is never in the PDF"
    );
    assert_eq!(rendered.pages, 1);
    assert!(text.contains("Page 1 of 1"));
}

#[test]
fn long_entries_break_across_pages_with_the_header_on_each() {
    let dir = tempfile::tempdir().unwrap();
    let sentence = "Today I tried the grounding exercise again and wrote down what I saw. ";
    let mut long = sentence.repeat(150);
    long.push_str("LAST-WORDS 日本 🙂");
    let report = report_from_store(dir.path(), &long);
    let rendered = render(&report);
    assert!(rendered.pages >= 3, "{} pages", rendered.pages);
    if !poppler() {
        return;
    }
    let text = pdftotext(&write(dir.path(), "long.pdf", &rendered.bytes));
    assert_eq!(text.matches(NOTICE).count(), rendered.pages as usize);
    assert!(text.contains(&format!("Page {0} of {0}", rendered.pages)));
    assert!(
        text.contains("LAST-WORDS ?? ?"),
        "unencodable characters show as '?'"
    );
    assert_eq!(
        text.matches("grounding exercise").count(),
        150,
        "no line of the entry is lost at a page break"
    );
}

#[test]
fn the_first_page_renders_to_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let report = report_from_store(dir.path(), "A short entry.");
    let rendered = render(&report);
    if !poppler() {
        return;
    }
    let pdf = write(dir.path(), "report.pdf", &rendered.bytes);
    let prefix = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let png = std::fs::read(prefix.with_extension("png")).unwrap();
    assert!(
        png.len() > 1000 && png.starts_with(b"\x89PNG"),
        "{} bytes",
        png.len()
    );
    // Kept for a look: target/report-preview.png.
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    if target.is_dir() {
        let _ = std::fs::write(target.join("report-preview.png"), &png);
        let _ = std::fs::write(target.join("report-preview.pdf"), &rendered.bytes);
    }
}
