//! Credentials: the client's auth key is kept only as an Argon2id hash; bearer tokens are
//! random and kept only as SHA-256 hashes; unknown usernames get deterministic fake prelogin
//! answers so the endpoint does not reveal who has an account.

use argon2::{Algorithm, Argon2, Params, Version};
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

fn argon(salt: &[u8], secret: &[u8]) -> Option<[u8; 32]> {
    let params = Params::new(M_KIB, T, 1, Some(32)).ok()?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(secret, salt, &mut out)
        .ok()?;
    Some(out)
}

/// Hashes an auth key for storage: `argon2id$v1$<salt hex>$<hash hex>`.
pub fn hash_auth_key(auth_key: &[u8]) -> Option<String> {
    let salt = random::<16>()?;
    Some(format!(
        "argon2id$v1${}${}",
        hex::encode(salt),
        hex::encode(argon(&salt, auth_key)?)
    ))
}

/// Checks an auth key against a stored hash in constant time. With `None` (unknown user) it
/// still does the same work and fails, so timing does not reveal the account's existence.
pub fn verify_auth_key(stored: Option<&str>, auth_key: &[u8]) -> bool {
    let parsed = stored.and_then(|s| {
        let mut parts = s.split('$');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("argon2id"), Some("v1"), Some(salt), Some(hash)) => {
                Some((hex::decode(salt).ok()?, hex::decode(hash).ok()?))
            }
            _ => None,
        }
    });
    let (salt, expected, real) = match parsed {
        Some((salt, hash)) => (salt, hash, true),
        None => (vec![0u8; 16], vec![0u8; 32], false),
    };
    let Some(actual) = argon(&salt, auth_key) else {
        return false;
    };
    let diff = actual
        .iter()
        .zip(expected.iter().chain(std::iter::repeat(&0)))
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    real && expected.len() == 32 && diff == 0
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
        assert_ne!(hash_auth_key(b"key one").unwrap(), stored, "salted");
    }

    #[test]
    fn tokens_and_fake_prelogin_are_stable_where_they_should_be() {
        let (token, hash) = new_token().unwrap();
        assert_eq!(token_hash(&token), hash);
        assert_eq!(fake_prelogin(b"s", "eve"), fake_prelogin(b"s", "eve"));
        assert_ne!(fake_prelogin(b"s", "eve").1, fake_prelogin(b"s", "evf").1);
    }
}
