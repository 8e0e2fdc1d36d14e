//! `solace report`: the real binary writes the therapist PDF with only the picked journal
//! entry, refuses to overwrite without `--force`, and refuses an unknown pick by position.

mod common;

use common::{ok, solace};

fn pdftotext(path: &std::path::Path) -> Option<String> {
    let out = std::process::Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output();
    match out {
        Ok(out) => Some(String::from_utf8(out.stdout).unwrap()),
        Err(_) => {
            assert!(
                std::env::var_os("SOLACE_REQUIRE_POPPLER").is_none(),
                "SOLACE_REQUIRE_POPPLER is set but pdftotext is missing"
            );
            eprintln!(
                "SKIPPED the text check: pdftotext not found (apt-get install poppler-utils)"
            );
            None
        }
    }
}

#[test]
fn report_writes_the_pdf_with_only_picked_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("a");
    ok(&data, &["init"]);
    let picked = ok(&data, &["journal", "add", "PICKED-CANARY slept better"]);
    ok(&data, &["journal", "add", "UNPICKED-CANARY not for anyone"]);
    ok(&data, &["mood", "log", "6"]);
    ok(
        &data,
        &["habit", "add", "Morning stretch", "--schedule", "daily"],
    );
    ok(&data, &["assess", "phq9", "--answers", "1,1,1,1,1,1,1,1,0"]);
    let id = picked["id"].as_str().unwrap().to_owned();
    let pdf = tmp.path().join("report.pdf");
    let pdf_arg = pdf.to_str().unwrap();
    let made = ok(
        &data,
        &[
            "report",
            "--days",
            "30",
            "--out",
            pdf_arg,
            "--entry",
            &id[..8],
        ],
    );
    assert_eq!(made["pages"], 1);
    assert_eq!(made["entries"], 1);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(made["bytes"], bytes.len());
    if let Some(text) = pdftotext(&pdf) {
        assert!(text.contains("PICKED-CANARY slept better"), "{text}");
        assert!(!text.contains("UNPICKED-CANARY"));
        assert!(text.contains("Morning stretch"));
        assert!(text.contains("PHQ-9"));
    }

    let again = solace(&data, &["report", "--out", pdf_arg]);
    assert!(!again.status.success(), "an existing file is not replaced");
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    ok(&data, &["report", "--out", pdf_arg, "--force"]);

    let other = tmp.path().join("other.pdf");
    let mood_id = ok(&data, &["mood", "log", "5"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (pick, problem) in [
        (
            "0123456789abcdef0123456789abcdef",
            "picked entry 2 does not exist",
        ),
        (mood_id.as_str(), "picked entry 2 is not a journal entry"),
    ] {
        let refused = solace(
            &data,
            &[
                "report",
                "--out",
                other.to_str().unwrap(),
                "--entry",
                &id,
                "--entry",
                pick,
            ],
        );
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(problem), "{stderr}");
        assert!(!other.exists(), "nothing is written when a pick is refused");
    }
}
