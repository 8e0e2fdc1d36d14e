//! The server terminating TLS itself: a self-signed certificate made for the test, a client
//! that trusts it gets the API over HTTPS, a client that does not is refused, and half a TLS
//! configuration is an error at start. TLS does not depend on the storage backend, so this
//! runs on SQLite only.

mod common;

use common::{Backend, TestDb};
use solace_protocol as p;

fn write_cert(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("certificate");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key, made.cert.pem())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_its_own_certificate() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, pem) = write_cert(dir.path());
    let mut config = db.config();
    config.tls_cert = Some(cert);
    config.tls_key = Some(key);
    let server = solace_server::spawn(config).await.expect("server starts");
    let base = server.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let health: p::Health = trusting
        .get(format!("{base}/v1/health"))
        .send()
        .await
        .expect("HTTPS request")
        .json()
        .await
        .unwrap();
    assert_eq!(health.status, "ok");
    // A full round trip through a handler that needs the client address.
    let r = trusting
        .post(format!("{base}/v1/accounts/prelogin"))
        .json(&p::PreloginRequest {
            username: "vera".into(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // A client without the certificate in its roots refuses the server.
    let strict = reqwest::Client::new();
    assert!(strict
        .get(format!("{base}/v1/health"))
        .send()
        .await
        .is_err());
    // Plain HTTP to the TLS port gets no API answer.
    let plain = format!("http://{}/v1/health", server.addr());
    let answered = matches!(
        reqwest::Client::new().get(plain).send().await,
        Ok(r) if r.status().is_success()
    );
    assert!(!answered);
    // The server still serves after those failed handshakes.
    let again = trusting.get(format!("{base}/v1/health")).send().await;
    assert!(again.unwrap().status().is_success());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn half_a_tls_configuration_is_refused() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = write_cert(dir.path());
    let mut config = db.config();
    config.tls_cert = Some(cert.clone());
    assert!(matches!(
        solace_server::bind(config).await,
        Err(solace_server::ServerError::Tls(
            solace_server::tls::TlsError::Incomplete
        ))
    ));
    // A key file that holds a certificate is not a key.
    let mut config = db.config();
    config.tls_cert = Some(cert.clone());
    config.tls_key = Some(cert);
    assert!(matches!(
        solace_server::bind(config).await,
        Err(solace_server::ServerError::Tls(
            solace_server::tls::TlsError::Key
        ))
    ));
    let _ = key;
}
