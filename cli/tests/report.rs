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

#[test]
fn a_shared_report_is_saved_by_the_therapist_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let server = common::ServerProcess::start(tmp.path());
    let (therapist, client) = (tmp.path().join("t"), tmp.path().join("c"));
    ok(&therapist, &["init"]);
    ok(&client, &["init"]);
    ok(
        &therapist,
        &[
            "therapist",
            "register",
            "--server",
            &server.url,
            "--username",
            "dr-lee",
            "--name",
            "Dr. Lee",
        ],
    );
    ok(
        &client,
        &["register", "--server", &server.url, "--username", "sam"],
    );
    let found = ok(&client, &["directory", "search"]);
    let therapist_id = found[0]["therapist_id"].as_str().unwrap().to_owned();
    let link = ok(&client, &["link", "request", &therapist_id]);
    ok(
        &therapist,
        &["link", "accept", link["link_id"].as_str().unwrap()],
    );
    ok(&client, &["sync"]);

    let long = "A long evening entry about the week. ".repeat(3000);
    let entry = ok(&client, &["journal", "add", &long]);
    let pdf = tmp.path().join("sam-report.pdf");
    let made = ok(
        &client,
        &[
            "report",
            "--out",
            pdf.to_str().unwrap(),
            "--entry",
            entry["id"].as_str().unwrap(),
            "--share",
            "Dr. Lee",
        ],
    );
    assert_eq!(made["shared"]["status"], "sent", "{made}");
    assert!(made["pages"].as_u64().unwrap() > 1);

    ok(&therapist, &["sync"]);
    let listed = ok(&therapist, &["message", "list", "sam"]);
    let message = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["content"]["type"] == "attachment")
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(message["content"]["complete"], true);
    assert_eq!(message["content"]["name"], "sam-report.pdf");
    let id = message["id"].as_str().unwrap();
    let saved = tmp.path().join("saved.pdf");
    ok(
        &therapist,
        &[
            "message",
            "save-attachment",
            &id[..8],
            "--out",
            saved.to_str().unwrap(),
        ],
    );
    assert_eq!(std::fs::read(&saved).unwrap(), std::fs::read(&pdf).unwrap());
    let twice = solace(
        &therapist,
        &[
            "message",
            "save-attachment",
            &id[..8],
            "--out",
            saved.to_str().unwrap(),
        ],
    );
    assert!(!twice.status.success(), "no overwrite without --force");
    let text = String::from_utf8(
        std::process::Command::new(env!("CARGO_BIN_EXE_solace"))
            .args(["message", "list", "sam"])
            .env("SOLACE_DATA_DIR", &therapist)
            .env("SOLACE_KEY_DIR", therapist.with_extension("keys"))
            .env("SOLACE_PASSPHRASE", common::PASS)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(text.contains("[Report (PDF, "), "{text}");
}
