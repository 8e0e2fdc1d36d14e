//! The account lifecycle in the terminal client: `login` on a connected store logs it in again
//! keeping pending edits, another account name is refused, `devices` lists the account's
//! devices, and a plain-http server on another machine is refused before any request.

mod common;

use common::{ok, solace, ServerProcess};

#[test]
fn login_on_a_connected_store_keeps_its_pending_edits() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(tmp.path());
    let url = server.url.clone();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(&a, &["init"]);
    ok(&a, &["register", "--server", &url, "--username", "ana"]);
    ok(&b, &["login", "--server", &url, "--username", "ana"]);
    ok(&a, &["journal", "add", "kept across a new login"]);
    let other = solace(&a, &["login", "--server", &url, "--username", "bob"]);
    assert_eq!(other.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&other.stderr).contains("different sync account"));
    let again = ok(&a, &["login", "--server", &url, "--username", "ana"]);
    assert_eq!(again["logged_in"], true);
    assert_eq!(again["pending_changes"], 1);
    let sent = ok(&a, &["sync"]);
    assert_eq!(sent["pushed"], 1);
    ok(&b, &["sync"]);
    let entries = ok(&b, &["journal", "list"]);
    assert!(entries.to_string().contains("kept across a new login"));
    let devices = ok(&a, &["devices"]);
    let list = devices.as_array().unwrap();
    assert!(list.len() >= 2, "{devices}");
    assert_eq!(
        list.iter().filter(|d| d["this_device"] == true).count(),
        1,
        "{devices}"
    );
}

#[test]
fn plain_http_to_another_machine_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    ok(&a, &["init"]);
    let out = solace(
        &a,
        &[
            "register",
            "--server",
            "http://sync.example.org",
            "--username",
            "ana",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("https"), "{err}");
}
