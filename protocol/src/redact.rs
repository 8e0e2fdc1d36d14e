//! `Debug` that never prints credentials, for the wire types that carry an auth key, a proof
//! or a bearer token, and [`SecretString`], a zeroize-on-drop string for holding them.
//!
//! The wire types keep plain `String` fields (moved out field by field all over the server
//! and the client sync code, which a `Drop` impl or a changed field type would break); their
//! `Debug` prints the secret fields as `<redacted>`. Code that keeps a credential beyond the
//! request should move it into a [`SecretString`].

use std::fmt;

/// How a redacted field prints: `"<redacted>"`, or `None` when an optional secret is absent
/// (whether a proof was sent is not secret and helps debugging).
pub(crate) trait Redact {
    /// The printable stand-in.
    fn redacted(&self) -> &'static str;
}

impl Redact for String {
    fn redacted(&self) -> &'static str {
        "<redacted>"
    }
}

impl Redact for SecretString {
    fn redacted(&self) -> &'static str {
        "<redacted>"
    }
}

impl Redact for Option<SecretString> {
    fn redacted(&self) -> &'static str {
        match self {
            Some(_) => "Some(<redacted>)",
            None => "None",
        }
    }
}

impl Redact for Option<String> {
    fn redacted(&self) -> &'static str {
        match self {
            Some(_) => "Some(<redacted>)",
            None => "None",
        }
    }
}

/// Prints a `&'static str` without quotes.
pub(crate) struct Bare(pub(crate) &'static str);

impl fmt::Debug for Bare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// `Debug` for `$ty` printing `$plain` fields as they are and `$hidden` and `$secret` fields
/// redacted. `$secret` fields are credentials; `$hidden` fields are wrapped key material (not
/// credentials, but with the salt they allow offline passphrase guessing: not for logs).
macro_rules! redacted {
    ($ty:ident { plain: [$($plain:ident),*], hidden: [$($hidden:ident),*], secret: [$($secret:ident),*] }) => {
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                use $crate::redact::Redact as _;
                let mut d = f.debug_struct(stringify!($ty));
                $( d.field(stringify!($plain), &self.$plain); )*
                $( d.field(stringify!($hidden), &$crate::redact::Bare(self.$hidden.redacted())); )*
                $( d.field(stringify!($secret), &$crate::redact::Bare(self.$secret.redacted())); )*
                d.finish()
            }
        }
    };
}

pub(crate) use redacted;

/// A credential (auth key, proof, bearer token) as text: serialized transparently as a JSON
/// string, printed as `<redacted>`, overwritten with zeros when dropped.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps `text` (taking ownership, so no unzeroized copy is left behind by this call).
    pub fn new(text: String) -> Self {
        SecretString(text)
    }

    /// The secret text, for the one place that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Borrowing the text is how a request uses the token (`&session.token` where a `&str` is
/// expected); the owned string is still wiped on drop.
impl std::ops::Deref for SecretString {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SecretString {
    fn from(text: &str) -> Self {
        SecretString(text.to_owned())
    }
}

impl From<String> for SecretString {
    fn from(text: String) -> Self {
        SecretString(text)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

#[cfg(test)]
mod tests {
    use crate::*;

    const SECRET: &str = "5ec12e7";

    fn kdf() -> WireKdf {
        WireKdf {
            memory_kib: 65536,
            iterations: 3,
            parallelism: 1,
        }
    }

    #[test]
    fn credentials_never_appear_in_debug_output() {
        let printed = [
            format!(
                "{:?}",
                RegisterRequest {
                    username: "ana".into(),
                    auth_key: SECRET.into(),
                    kdf: kdf(),
                    salt: "00".into(),
                    wrapped_account_key: SECRET.into(),
                    items_keys: vec![],
                    device_name: "laptop".into(),
                    recovery_wrapped_account_key: Some(SECRET.into()),
                    account_proof_verifier: None,
                }
            ),
            format!(
                "{:?}",
                LoginRequest {
                    username: "ana".into(),
                    auth_key: SECRET.into(),
                    device_name: "laptop".into(),
                    device_id: None,
                    account_proof_verifier: None,
                }
            ),
            format!(
                "{:?}",
                SessionResponse {
                    account_id: "acc".into(),
                    device_id: "dev".into(),
                    token: SECRET.into(),
                    expires_at: "2026-01-01T00:00:00Z".into(),
                }
            ),
            format!(
                "{:?}",
                CredentialsUpdate {
                    auth_key: SECRET.into(),
                    kdf: kdf(),
                    salt: "00".into(),
                    wrapped_account_key: SECRET.into(),
                    current_auth_key: Some(SECRET.into()),
                    account_proof: Some(SECRET.into()),
                    sign_out_other_devices: true,
                }
            ),
            format!(
                "{:?}",
                RevokeRequest {
                    device_id: "dev".into(),
                    all_other_devices: false,
                    current_auth_key: None,
                    account_proof: Some(SECRET.into()),
                }
            ),
            format!(
                "{:?}",
                DeleteAccountRequest {
                    current_auth_key: SECRET.into(),
                }
            ),
            format!("{:?}", SecretString::new(SECRET.into())),
        ];
        for p in &printed {
            assert!(!p.contains(SECRET), "{p}");
            assert!(p.contains("<redacted>"), "{p}");
        }
        assert!(printed[1].contains("username: \"ana\""), "{}", printed[1]);
        assert!(
            printed[4].contains("current_auth_key: None"),
            "{}",
            printed[4]
        );
    }

    #[test]
    fn secret_strings_serialize_transparently() {
        let s = SecretString::new(SECRET.into());
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, format!("\"{SECRET}\""));
        let back: SecretString = serde_json::from_str(&json).unwrap();
        assert_eq!(back.expose(), SECRET);
    }
}
