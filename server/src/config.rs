//! Server configuration: a TOML file, overridden by environment variables, with defaults that
//! need no setup (loopback, embedded SQLite, plain HTTP). Every key and its variable are
//! documented on [`ServerConfig`]; the issue-11 additions are `token_ttl_secs` (wins over
//! `token_ttl_hours`), `max_concurrent_hashes` (Argon2id jobs at once), `trusted_proxies`
//! (whose `X-Forwarded-For` is believed) and `tls_cert` / `tls_key` (terminate TLS here).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything the server can be told.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on (`SOLACE_SERVER_LISTEN`).
    pub listen: String,
    /// `sqlite:PATH` or a `postgres://` URL (`SOLACE_SERVER_DATABASE`).
    pub database: String,
    /// Bearer-token lifetime in hours (`SOLACE_SERVER_TOKEN_TTL_HOURS`); see
    /// [`ServerConfig::token_ttl_secs`], which wins when set.
    pub token_ttl_hours: u64,
    /// Bearer-token lifetime in seconds (`SOLACE_SERVER_TOKEN_TTL_SECS`); overrides
    /// `token_ttl_hours` when set. Devices get a fresh token with `POST /v1/account/refresh`.
    pub token_ttl_secs: Option<u64>,
    /// Most Argon2id hashes computed or verified at once (login, register, credential proofs;
    /// `SOLACE_SERVER_MAX_CONCURRENT_HASHES`). Default: the machine's available parallelism.
    /// When all are busy a request waits up to 2 s, then gets `503 unavailable`.
    pub max_concurrent_hashes: Option<usize>,
    /// Reverse proxies (IP addresses) whose `X-Forwarded-For` is believed: when the peer is one
    /// of them, per-address limits use the right-most address in that header that is not a
    /// trusted proxy (`SOLACE_SERVER_TRUSTED_PROXIES`, comma-separated). Empty by default: the
    /// header is ignored.
    pub trusted_proxies: Vec<String>,
    /// PEM certificate chain; with `tls_key` the server terminates TLS itself (rustls, ring
    /// provider) instead of serving plain HTTP behind a proxy (`SOLACE_SERVER_TLS_CERT`).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) for `tls_cert` (`SOLACE_SERVER_TLS_KEY`).
    pub tls_key: Option<PathBuf>,
    /// Sustained requests per second per account (`SOLACE_SERVER_RATE_PER_SECOND`).
    pub rate_per_second: u32,
    /// Burst size per account (`SOLACE_SERVER_RATE_BURST`).
    pub rate_burst: u32,
    /// Largest request body in bytes (`SOLACE_SERVER_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// PostgreSQL connection pool size (`SOLACE_SERVER_PG_POOL`).
    pub pg_pool: usize,
    /// Sustained requests per second per client address on register, login and prelogin
    /// (`SOLACE_SERVER_AUTH_RATE_PER_SECOND`).
    pub auth_rate_per_second: u32,
    /// Burst size per client address on those endpoints (`SOLACE_SERVER_AUTH_RATE_BURST`).
    pub auth_rate_burst: u32,
    /// Most messages one device's mailbox holds; a send to a full mailbox is refused with
    /// `409 mailbox_full` (`SOLACE_SERVER_MAILBOX_CAP`).
    pub mailbox_cap: u32,
    /// Most messages one device's mailbox holds from one sending account, so one sender
    /// cannot fill it for everyone else; a send past it is refused with `409 sender_quota`
    /// (`SOLACE_SERVER_MAILBOX_SENDER_CAP`).
    pub mailbox_sender_cap: u32,
    /// Key claims that take keys, sustained per minute per claiming account
    /// (`SOLACE_SERVER_CLAIM_PER_MINUTE`); listing devices without taking keys is not counted.
    pub claim_per_minute: u32,
    /// Burst of such claims per claiming account (`SOLACE_SERVER_CLAIM_BURST`).
    pub claim_burst: u32,
    /// Days an unacknowledged message waits in a mailbox before it is deleted
    /// (`SOLACE_SERVER_MAILBOX_TTL_DAYS`).
    pub mailbox_ttl_days: u32,
    /// Logs as JSON lines instead of text (`SOLACE_SERVER_LOG_JSON=1`); used by
    /// [`crate::run_blocking`].
    pub log_json: bool,
    /// Seconds between SIGTERM and closing the listener (`SOLACE_SERVER_DRAIN_SECS`):
    /// `/readyz` answers 503 meanwhile so the load balancer moves traffic away; then in-flight
    /// requests finish. Set it above the balancer's health-check interval × fall count.
    pub drain_secs: u64,
    /// Addresses besides loopback that may read `GET /metrics` (Prometheus scrapers;
    /// `SOLACE_SERVER_METRICS_ALLOW`, comma-separated). Anyone else gets 404.
    pub metrics_allow: Vec<String>,
    /// Days per review-token key period (`SOLACE_SERVER_REVIEW_PERIOD_DAYS`): one RSA key
    /// per period, and one token per link per period.
    pub review_period_days: u32,
    /// How long a link must have existed (seconds since the client asked) before its client
    /// may obtain a review token (`SOLACE_SERVER_REVIEW_MIN_LINK_AGE_SECS`; 0 in tests).
    pub review_min_link_age_secs: u64,
    /// Seconds between review batch publications (`SOLACE_SERVER_REVIEW_BATCH_SECS`).
    pub review_batch_secs: u64,
    /// Pending reviews needed before a batch is published
    /// (`SOLACE_SERVER_REVIEW_BATCH_MIN`), unless the oldest waited `review_batch_max_wait_days`.
    pub review_batch_min: u32,
    /// Days after which pending reviews are published even below the batch minimum
    /// (`SOLACE_SERVER_REVIEW_BATCH_MAX_WAIT_DAYS`).
    pub review_batch_max_wait_days: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8787".into(),
            database: "sqlite:solace-server.db".into(),
            token_ttl_hours: 24 * 30,
            token_ttl_secs: None,
            max_concurrent_hashes: None,
            trusted_proxies: Vec::new(),
            tls_cert: None,
            tls_key: None,
            rate_per_second: 200,
            rate_burst: 400,
            max_body_bytes: solace_protocol::DEFAULT_MAX_BODY_BYTES,
            pg_pool: 16,
            auth_rate_per_second: 20,
            auth_rate_burst: 40,
            mailbox_cap: 1000,
            mailbox_sender_cap: 250,
            claim_per_minute: 60,
            claim_burst: 100,
            mailbox_ttl_days: 30,
            log_json: false,
            drain_secs: 5,
            metrics_allow: Vec::new(),
            review_period_days: 90,
            review_min_link_age_secs: 14 * 86_400,
            review_batch_secs: 6 * 3600,
            review_batch_min: 5,
            review_batch_max_wait_days: 14,
        }
    }
}

/// A configuration problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config file: {0}")]
    Read(std::io::Error),
    /// The file is not valid TOML for this configuration.
    #[error("invalid config file: {0}")]
    Parse(String),
    /// An environment variable has an unusable value.
    #[error("invalid value for {0}")]
    Env(&'static str),
    /// A setting has an unusable value (named by its config key).
    #[error("invalid setting {0}")]
    Invalid(&'static str),
}

fn env_num<T: std::str::FromStr>(name: &'static str, target: &mut T) -> Result<(), ConfigError> {
    if let Ok(v) = std::env::var(name) {
        *target = v.trim().parse().map_err(|_| ConfigError::Env(name))?;
    }
    Ok(())
}

fn env_opt<T: std::str::FromStr>(
    name: &'static str,
    target: &mut Option<T>,
) -> Result<(), ConfigError> {
    if let Ok(v) = std::env::var(name) {
        *target = Some(v.trim().parse().map_err(|_| ConfigError::Env(name))?);
    }
    Ok(())
}

impl ServerConfig {
    /// The token lifetime in seconds: `token_ttl_secs` if set, else `token_ttl_hours`.
    pub fn token_ttl(&self) -> i64 {
        let secs = self
            .token_ttl_secs
            .unwrap_or_else(|| self.token_ttl_hours.saturating_mul(3600));
        i64::try_from(secs).unwrap_or(i64::MAX)
    }

    /// `trusted_proxies` parsed; [`ConfigError::Invalid`] if one is not an IP address.
    pub fn trusted_proxy_ips(&self) -> Result<Vec<IpAddr>, ConfigError> {
        self.trusted_proxies
            .iter()
            .map(|p| {
                p.trim()
                    .parse()
                    .map_err(|_| ConfigError::Invalid("trusted_proxies"))
            })
            .collect()
    }

    /// `metrics_allow` parsed; [`ConfigError::Invalid`] if one is not an IP address.
    pub fn metrics_allow_ips(&self) -> Result<Vec<IpAddr>, ConfigError> {
        self.metrics_allow
            .iter()
            .map(|p| {
                p.trim()
                    .parse()
                    .map_err(|_| ConfigError::Invalid("metrics_allow"))
            })
            .collect()
    }

    /// Defaults, then `file` (if given), then environment overrides.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(ConfigError::Read)?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse(e.message().to_owned()))?
            }
            None => ServerConfig::default(),
        };
        if let Ok(v) = std::env::var("SOLACE_SERVER_LISTEN") {
            config.listen = v;
        }
        if let Ok(v) = std::env::var("SOLACE_SERVER_DATABASE") {
            config.database = v;
        }
        env_num("SOLACE_SERVER_TOKEN_TTL_HOURS", &mut config.token_ttl_hours)?;
        env_opt("SOLACE_SERVER_TOKEN_TTL_SECS", &mut config.token_ttl_secs)?;
        env_opt(
            "SOLACE_SERVER_MAX_CONCURRENT_HASHES",
            &mut config.max_concurrent_hashes,
        )?;
        if let Ok(v) = std::env::var("SOLACE_SERVER_TRUSTED_PROXIES") {
            config.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Ok(v) = std::env::var("SOLACE_SERVER_TLS_CERT") {
            config.tls_cert = Some(PathBuf::from(v));
        }
        if let Ok(v) = std::env::var("SOLACE_SERVER_TLS_KEY") {
            config.tls_key = Some(PathBuf::from(v));
        }
        env_num("SOLACE_SERVER_RATE_PER_SECOND", &mut config.rate_per_second)?;
        env_num("SOLACE_SERVER_RATE_BURST", &mut config.rate_burst)?;
        env_num("SOLACE_SERVER_MAX_BODY_BYTES", &mut config.max_body_bytes)?;
        env_num("SOLACE_SERVER_PG_POOL", &mut config.pg_pool)?;
        env_num(
            "SOLACE_SERVER_AUTH_RATE_PER_SECOND",
            &mut config.auth_rate_per_second,
        )?;
        env_num("SOLACE_SERVER_AUTH_RATE_BURST", &mut config.auth_rate_burst)?;
        env_num("SOLACE_SERVER_MAILBOX_CAP", &mut config.mailbox_cap)?;
        env_num(
            "SOLACE_SERVER_MAILBOX_SENDER_CAP",
            &mut config.mailbox_sender_cap,
        )?;
        env_num(
            "SOLACE_SERVER_CLAIM_PER_MINUTE",
            &mut config.claim_per_minute,
        )?;
        env_num("SOLACE_SERVER_CLAIM_BURST", &mut config.claim_burst)?;
        env_num(
            "SOLACE_SERVER_MAILBOX_TTL_DAYS",
            &mut config.mailbox_ttl_days,
        )?;
        env_num("SOLACE_SERVER_DRAIN_SECS", &mut config.drain_secs)?;
        env_num(
            "SOLACE_SERVER_REVIEW_PERIOD_DAYS",
            &mut config.review_period_days,
        )?;
        env_num(
            "SOLACE_SERVER_REVIEW_MIN_LINK_AGE_SECS",
            &mut config.review_min_link_age_secs,
        )?;
        env_num(
            "SOLACE_SERVER_REVIEW_BATCH_SECS",
            &mut config.review_batch_secs,
        )?;
        env_num(
            "SOLACE_SERVER_REVIEW_BATCH_MIN",
            &mut config.review_batch_min,
        )?;
        env_num(
            "SOLACE_SERVER_REVIEW_BATCH_MAX_WAIT_DAYS",
            &mut config.review_batch_max_wait_days,
        )?;
        if let Ok(v) = std::env::var("SOLACE_SERVER_METRICS_ALLOW") {
            config.metrics_allow = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Ok(v) = std::env::var("SOLACE_SERVER_LOG_JSON") {
            config.log_json = match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                _ => return Err(ConfigError::Env("SOLACE_SERVER_LOG_JSON")),
            };
        }
        Ok(config)
    }

    /// Whether [`ServerConfig::database`] names PostgreSQL (`postgres://` or
    /// `postgresql://`) rather than an SQLite file.
    pub fn is_postgres(&self) -> bool {
        self.database.starts_with("postgres://") || self.database.starts_with("postgresql://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_override_defaults_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9999\"\nrate_burst = 5\nmailbox_cap = 10\n",
        )
        .unwrap();
        let c = ServerConfig::load(Some(&path)).unwrap();
        assert_eq!(
            (c.listen.as_str(), c.rate_burst, c.rate_per_second),
            ("127.0.0.1:9999", 5, 200)
        );
        assert_eq!((c.mailbox_cap, c.mailbox_ttl_days), (10, 30));
        std::fs::write(&path, "lisen = 1\n").unwrap();
        assert!(matches!(
            ServerConfig::load(Some(&path)),
            Err(ConfigError::Parse(_))
        ));
        // Environment beats the file (the only test here that touches these variables).
        std::fs::write(&path, "rate_burst = 5\n").unwrap();
        std::env::set_var("SOLACE_SERVER_RATE_BURST", "7");
        std::env::set_var("SOLACE_SERVER_DATABASE", "postgres://db/x");
        std::env::set_var("SOLACE_SERVER_LOG_JSON", "1");
        std::env::set_var("SOLACE_SERVER_MAILBOX_TTL_DAYS", "2");
        std::env::set_var("SOLACE_SERVER_TOKEN_TTL_SECS", "90");
        std::env::set_var("SOLACE_SERVER_TRUSTED_PROXIES", "10.0.0.1, ::1");
        let c = ServerConfig::load(Some(&path)).unwrap();
        assert_eq!(c.token_ttl(), 90, "seconds win over hours");
        assert_eq!(c.trusted_proxy_ips().unwrap().len(), 2);
        assert_eq!(c.rate_burst, 7);
        assert_eq!(c.mailbox_ttl_days, 2);
        assert!(c.is_postgres() && c.log_json);
        std::env::set_var("SOLACE_SERVER_MAX_BODY_BYTES", "lots");
        assert!(matches!(
            ServerConfig::load(None),
            Err(ConfigError::Env("SOLACE_SERVER_MAX_BODY_BYTES"))
        ));
        for name in [
            "SOLACE_SERVER_RATE_BURST",
            "SOLACE_SERVER_DATABASE",
            "SOLACE_SERVER_LOG_JSON",
            "SOLACE_SERVER_MAILBOX_TTL_DAYS",
            "SOLACE_SERVER_MAX_BODY_BYTES",
            "SOLACE_SERVER_TOKEN_TTL_SECS",
            "SOLACE_SERVER_TRUSTED_PROXIES",
        ] {
            std::env::remove_var(name);
        }
        let c = ServerConfig::load(None).unwrap();
        assert_eq!(c, ServerConfig::default());
        assert_eq!(c.token_ttl(), 30 * 24 * 3600);
        let bad = ServerConfig {
            trusted_proxies: vec!["proxy.example".into()],
            ..ServerConfig::default()
        };
        assert!(matches!(
            bad.trusted_proxy_ips(),
            Err(ConfigError::Invalid("trusted_proxies"))
        ));
    }
}
