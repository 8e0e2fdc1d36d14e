//! Remote access: a console on a non-loopback address needs TLS; with a certificate it
//! serves HTTPS under the certificate's host name, its session cookie is `Secure`, every
//! answer carries HSTS, and the Host/Origin rules use the HTTPS origin. A client that does
//! not trust the certificate gets nothing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::header::{LOCATION, ORIGIN, SET_COOKIE, STRICT_TRANSPORT_SECURITY};
use reqwest::{redirect, Client, StatusCode};
use solace_console::{ConsoleError, Options, Tls};
use solace_core::crypto::kdf::KdfParams;
use solace_core::Store;

const PASS: &str = "velvet harbor pilgrim cactus";
const NAME: &str = "console.test";

fn store(dir: &Path) {
    drop(Store::create(dir, PASS, KdfParams::FLOOR).unwrap());
}

/// A self-signed certificate for [`NAME`]; returns the file paths and the PEM.
fn certificate(dir: &Path) -> (PathBuf, PathBuf, String) {
    let made = rcgen::generate_simple_self_signed(vec![NAME.into()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key, made.cert.pem())
}

fn options(dir: &Path, listen: &str, tls: Option<Tls>) -> Options {
    Options {
        listen: listen.parse().unwrap(),
        tls,
        data_dir: dir.to_path_buf(),
        idle: Duration::from_secs(600),
    }
}

#[tokio::test]
async fn a_remote_address_without_tls_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path());
    let refused = solace_console::bind(options(dir.path(), "0.0.0.0:0", None)).await;
    match refused {
        Err(e @ ConsoleError::NotLoopback(_)) => {
            assert!(e.to_string().contains("--allow-remote"), "{e}")
        }
        Err(other) => panic!("wrong refusal: {other}"),
        Ok(_) => panic!("a console on every interface without TLS started"),
    }
}

#[tokio::test]
async fn a_key_that_is_not_pem_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path());
    let (cert, _, _) = certificate(dir.path());
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a key").unwrap();
    let tls = Tls {
        cert,
        key: junk,
        names: vec![NAME.into()],
    };
    let refused = solace_console::bind(options(dir.path(), "0.0.0.0:0", Some(tls))).await;
    assert!(matches!(refused, Err(ConsoleError::Tls(_))));
}

#[tokio::test]
async fn with_a_certificate_the_console_serves_https_to_other_machines() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path());
    let (cert, key, pem) = certificate(dir.path());
    let tls = Tls {
        cert,
        key,
        names: vec![NAME.into()],
    };
    // Every interface, as a remote console listens; the test reaches it over loopback
    // under the certificate's name.
    let bound = solace_console::bind(options(dir.path(), "0.0.0.0:0", Some(tls)))
        .await
        .unwrap();
    let url = bound.url.clone();
    let port: u16 = url
        .strip_prefix(&format!("https://{NAME}:"))
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("link is not https on the certificate's name: {url}"));
    tokio::spawn(bound.serve());
    let loopback = SocketAddr::from(([127, 0, 0, 1], port));
    let base = format!("https://{NAME}:{port}");
    let trusting = Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .resolve(NAME, loopback)
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();

    // A client that does not trust the certificate gets nothing, the token stays unused.
    let strict = Client::builder().resolve(NAME, loopback).build().unwrap();
    assert!(strict.get(&url).send().await.is_err());

    let opened = trusting.get(&url).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    assert_eq!(opened.headers()[LOCATION], "/");
    assert!(opened.headers().contains_key(STRICT_TRANSPORT_SECURITY));
    let set_cookie = opened.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = set_cookie.split(';').next().unwrap().to_owned();

    let page = trusting
        .get(format!("{base}/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().contains_key(STRICT_TRANSPORT_SECURITY));
    let body = page.text().await.unwrap();
    assert!(body.contains("Unlock your store"), "{body}");
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let unlock = |origin: String| {
        let (trusting, cookie, csrf) = (&trusting, cookie.clone(), csrf.clone());
        let base = base.clone();
        async move {
            trusting
                .post(format!("{base}/unlock"))
                .header("cookie", cookie)
                .header(ORIGIN, origin)
                .form(&[("csrf", csrf.as_str()), ("passphrase", PASS)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // The plain-HTTP origin of the same host is another origin.
    assert_eq!(
        unlock(format!("http://{NAME}:{port}")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(unlock(base.clone()).await, StatusCode::SEE_OTHER);
    let caseload = trusting
        .get(format!("{base}/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(caseload.contains("No linked clients yet"), "{caseload}");

    // A name the console was not told about is refused (DNS rebinding), even over TLS.
    let other = trusting
        .get(format!("{base}/"))
        .header("host", format!("rebind.example:{port}"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::MISDIRECTED_REQUEST);
}
