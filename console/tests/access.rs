//! The console's access rules against a real console on a loopback port: the one-time
//! launch token, the session cookie, Host/Origin and CSRF checks, the security headers on
//! every answer, unlocking with the passphrase (a wrong one refused), locking, and the idle
//! lock. A refused request gets no data.

use std::time::Duration;

use reqwest::header::{
    HeaderMap, CACHE_CONTROL, CONTENT_SECURITY_POLICY, HOST, LOCATION, ORIGIN, REFERRER_POLICY,
    SET_COOKIE,
};
use reqwest::{redirect, Client, StatusCode};
use solace_core::crypto::kdf::KdfParams;
use solace_core::Store;

const PASS: &str = "velvet harbor pilgrim cactus";

struct Running {
    base: String,
    url: String,
    http: Client,
    _dir: tempfile::TempDir,
}

async fn start(idle: Duration) -> Running {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path(), PASS, KdfParams::FLOOR).unwrap());
    let bound = solace_console::bind(solace_console::Options {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: None,
        data_dir: dir.path().to_path_buf(),
        idle,
    })
    .await
    .unwrap();
    let url = bound.url.clone();
    let base = url.split("/?").next().unwrap().to_owned();
    tokio::spawn(bound.serve());
    Running {
        base,
        url,
        http: Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .unwrap(),
        _dir: dir,
    }
}

fn assert_hardened(headers: &HeaderMap) {
    let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(headers[REFERRER_POLICY], "no-referrer");
}

impl Running {
    async fn sign_in(&self) -> String {
        let r = self.http.get(&self.url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            r.headers()[LOCATION],
            "/",
            "the token leaves the address bar"
        );
        let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        cookie.split(';').next().unwrap().to_owned()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send().await.unwrap()
    }

    async fn post(
        &self,
        path: &str,
        cookie: &str,
        origin: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .form(form);
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        req.send().await.unwrap()
    }
}

fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    page[at..at + 64].to_owned()
}

#[tokio::test]
async fn the_link_works_once_and_every_answer_is_hardened() {
    let c = start(Duration::from_secs(600)).await;
    // No session: 401 and nothing of the store.
    let r = c.get("/", None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_hardened(r.headers());
    let wrong = c.get("/?token=00", None).await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    let cookie = c.sign_in().await;
    let again = c.http.get(&c.url).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::FORBIDDEN, "the token is spent");
    assert!(again.headers().get(SET_COOKIE).is_none());
    // A forged cookie is no session.
    assert_eq!(
        c.get("/", Some("solace_console=ffff")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let page = c.get("/", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_hardened(page.headers());
    let body = page.text().await.unwrap();
    assert!(body.contains("Unlock your store"), "{body}");
    assert!(!body.contains("<script>"), "no inline script");
    // A DNS-rebinding page names its own host: refused before anything runs.
    let rebound = c
        .http
        .get(format!("{}/", c.base))
        .header(HOST, "evil.example:8790")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), StatusCode::MISDIRECTED_REQUEST);
    assert_hardened(rebound.headers());
    let assets = c.get("/assets/console.js", None).await;
    assert_eq!(assets.status(), StatusCode::OK);
}

#[tokio::test]
async fn unlocking_needs_the_passphrase_the_csrf_token_and_our_origin() {
    let c = start(Duration::from_secs(600)).await;
    let cookie = c.sign_in().await;
    let csrf = csrf_of(&c.get("/", Some(&cookie)).await.text().await.unwrap());
    let origin = c.base.clone();
    let form = |pass: &'static str, token: &str| {
        vec![("csrf", token.to_owned()), ("passphrase", pass.to_owned())]
    };
    let send = |f: Vec<(&'static str, String)>, o: Option<String>| {
        let c = &c;
        let cookie = cookie.clone();
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            c.post("/unlock", &cookie, o.as_deref(), &pairs).await
        }
    };
    assert_eq!(
        send(form(PASS, &csrf), None).await.status(),
        StatusCode::FORBIDDEN,
        "a state change without an Origin"
    );
    assert_eq!(
        send(form(PASS, &csrf), Some("http://evil.example".into()))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(form(PASS, &"0".repeat(64)), Some(origin.clone()))
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "a wrong CSRF token"
    );
    let wrong = send(
        form("not the passphrase at all", &csrf),
        Some(origin.clone()),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("does not open this store"));
    let ok = send(form(PASS, &csrf), Some(origin.clone())).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let caseload = c.get("/", Some(&cookie)).await.text().await.unwrap();
    assert!(caseload.contains("No linked clients yet"), "{caseload}");
    // Lock: the next page asks again.
    let locked = c
        .post("/lock", &cookie, Some(&origin), &[("csrf", &csrf)])
        .await;
    assert_eq!(locked.status(), StatusCode::SEE_OTHER);
    assert!(c
        .get("/", Some(&cookie))
        .await
        .text()
        .await
        .unwrap()
        .contains("Unlock your store"));
}

#[tokio::test]
async fn an_idle_console_locks_itself() {
    let c = start(Duration::from_millis(800)).await;
    let cookie = c.sign_in().await;
    let csrf = csrf_of(&c.get("/", Some(&cookie)).await.text().await.unwrap());
    let r = c
        .post(
            "/unlock",
            &cookie,
            Some(&c.base),
            &[("csrf", &csrf), ("passphrase", PASS)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(c
        .get("/", Some(&cookie))
        .await
        .text()
        .await
        .unwrap()
        .contains("Caseload"));
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(c
        .get("/", Some(&cookie))
        .await
        .text()
        .await
        .unwrap()
        .contains("Unlock your store"));
}
