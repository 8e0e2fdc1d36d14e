//! The remembered device key lives in a per-user key directory, outside the data directory
//! it unlocks: a copy of the data directory alone does not open, and a key left in the data
//! directory by an older build is moved out on first use.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PASS: &str = "cobalt lantern tundra oyster";

/// Runs `solace --json ARGS` with `data` and `keys`; the passphrase only when `pass` is set.
fn solace(data: &Path, keys: &Path, pass: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_solace"));
    cmd.arg("--json")
        .args(args)
        .env("SOLACE_DATA_DIR", data)
        .env("SOLACE_KEY_DIR", keys)
        .env("HOME", data.parent().unwrap())
        .env_remove("XDG_STATE_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("SOLACE_PASSPHRASE")
        .stdin(Stdio::null());
    if let Some(pass) = pass {
        cmd.env("SOLACE_PASSPHRASE", pass);
    }
    cmd.output().unwrap()
}

fn key_files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn a_copied_data_dir_does_not_open_and_old_keys_move_out() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let keys = tmp.path().join("keys");
    let init = solace(&data, &keys, Some(PASS), &["init"]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );

    // The key is in the key directory (private), nothing key-like in the data directory.
    let files = key_files(&keys);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(!data.join("device").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&keys).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "key dir mode {mode:o}");
    }
    let status = solace(&data, &keys, None, &["status"]);
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );

    // Someone with a copy of the data directory only (another user's key directory).
    let copy = tmp.path().join("copy");
    copy_dir(&data, &copy);
    let theirs = tmp.path().join("their-keys");
    let out = solace(&copy, &theirs, None, &["status"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("passphrase"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(key_files(&theirs).is_empty());
    // With the passphrase it opens, as it should.
    let out = solace(&copy, &theirs, Some(PASS), &["status"]);
    assert!(out.status.success());

    // An older build kept the key in `<data-dir>/device/`: it is moved out on first open.
    let legacy = data.join("device");
    std::fs::create_dir_all(&legacy).unwrap();
    let name = files[0].file_name().unwrap().to_owned();
    std::fs::rename(&files[0], legacy.join(&name)).unwrap();
    let out = solace(&data, &keys, None, &["status"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(keys.join(&name).is_file());
    assert!(!legacy.exists(), "the old key directory is removed");

    // `lock` deletes it; then only the passphrase opens.
    let out = solace(&data, &keys, Some(PASS), &["lock"]);
    assert!(out.status.success());
    assert!(key_files(&keys).is_empty());
    assert!(!solace(&data, &keys, None, &["status"]).status.success());
}
