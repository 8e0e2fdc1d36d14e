//! Credentials: the client's auth key is kept only as an Argon2id hash; bearer tokens are
//! random and kept only as SHA-256 hashes; unknown usernames get deterministic fake prelogin
//! answers so the endpoint does not reveal who has an account.

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier as _, Version,
};
use sha2::{Digest, Sha256};
use solace_protocol::WireKdf;

/// Server-side hashing cost for auth keys (the key is already high-entropy; this is defence
/// in depth against a stolen database).
const M_KIB: u32 = 19 * 1024;
const T: u32 = 2;

fn random<const N: usize>() -> Option<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).ok()?;
    Some(b)
}

/// A random 128-bit id as hex.
pub fn random_id() -> Option<String> {
    random::<16>().map(hex::encode)
}

/// A fresh bearer token and the hash to store.
pub fn new_token() -> Option<(String, String)> {
    let token = hex::encode(random::<32>()?);
    let hash = token_hash(&token);
    Some((token, hash))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn hasher() -> Option<Argon2<'static>> {
    let params = Params::new(M_KIB, T, 1, Some(32)).ok()?;
    Some(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes an auth key for storage as an Argon2id PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, random 16-byte salt).
pub fn hash_auth_key(auth_key: &[u8]) -> Option<String> {
    let salt = random::<16>()?;
    hasher()?
        .hash_password_with_salt(auth_key, &salt)
        .ok()
        .map(|h| h.to_string())
}

/// A PHC hash of nothing in particular at the server's parameters, verified against when the
/// username is unknown so that answer costs the same time as a wrong key.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        hasher()
            .and_then(|h| h.hash_password_with_salt(b"solace/decoy", &[0u8; 16]).ok())
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Checks an auth key against a stored hash (PHC string, or the pre-PHC
/// `argon2id$v1$<salt hex>$<hash hex>` form of early databases), comparing in constant time.
/// With `None` (unknown user) it still does the same Argon2id work and fails, so the answer's
/// timing does not reveal whether the account exists.
pub fn verify_auth_key(stored: Option<&str>, auth_key: &[u8]) -> bool {
    match stored {
        Some(phc) if phc.starts_with('$') => verify_phc(phc, auth_key),
        Some(legacy) => verify_legacy(legacy, auth_key),
        None => {
            let _ = verify_phc(decoy_hash(), auth_key);
            false
        }
    }
}

fn verify_phc(phc: &str, auth_key: &[u8]) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        // Unparseable: still spend the time, then fail.
        let _ = verify_phc(decoy_hash(), auth_key);
        return false;
    };
    Argon2::default().verify_password(auth_key, &parsed).is_ok()
}

fn verify_legacy(stored: &str, auth_key: &[u8]) -> bool {
    let mut parts = stored.split('$');
    let parsed = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("argon2id"), Some("v1"), Some(salt), Some(hash)) => {
            hex::decode(salt).ok().zip(hex::decode(hash).ok())
        }
        _ => None,
    };
    let Some((salt, expected)) = parsed.filter(|(s, h)| s.len() == 16 && h.len() == 32) else {
        let _ = verify_phc(decoy_hash(), auth_key);
        return false;
    };
    let mut actual = [0u8; 32];
    let computed = hasher()
        .and_then(|h| h.hash_password_into(auth_key, &salt, &mut actual).ok())
        .is_some();
    let diff = actual
        .iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    computed && diff == 0
}

/// The prelogin answer for an unknown username: stable per server and name.
pub fn fake_prelogin(secret: &[u8], username: &str) -> (WireKdf, String) {
    let mut h = Sha256::new();
    h.update(b"solace/fake-prelogin/v1");
    h.update(secret);
    h.update(username.as_bytes());
    let digest = h.finalize();
    (
        WireKdf {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        },
        hex::encode(&digest[..16]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_keys_verify_only_against_their_hash() {
        let stored = hash_auth_key(b"key one").unwrap();
        assert!(verify_auth_key(Some(&stored), b"key one"));
        assert!(!verify_auth_key(Some(&stored), b"key two"));
        assert!(!verify_auth_key(None, b"key one"));
        assert!(!verify_auth_key(Some("garbage"), b"key one"));
        assert!(!verify_auth_key(Some("$argon2id$garbage"), b"key one"));
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert_ne!(hash_auth_key(b"key one").unwrap(), stored, "salted");
        assert!(!verify_auth_key(Some(decoy_hash()), b"key one"));
    }

    #[test]
    fn pre_phc_hashes_still_verify() {
        let salt = [7u8; 16];
        let mut hash = [0u8; 32];
        hasher()
            .unwrap()
            .hash_password_into(b"old key", &salt, &mut hash)
            .unwrap();
        let stored = format!("argon2id$v1${}${}", hex::encode(salt), hex::encode(hash));
        assert!(verify_auth_key(Some(&stored), b"old key"));
        assert!(!verify_auth_key(Some(&stored), b"new key"));
    }

    #[test]
    fn tokens_and_fake_prelogin_are_stable_where_they_should_be() {
        let (token, hash) = new_token().unwrap();
        assert_eq!(token_hash(&token), hash);
        assert_eq!(fake_prelogin(b"s", "eve"), fake_prelogin(b"s", "eve"));
        assert_ne!(fake_prelogin(b"s", "eve").1, fake_prelogin(b"s", "evf").1);
    }
}
