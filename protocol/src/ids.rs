//! Typed wire values checked while deserializing: a record id, a device id and base64 bytes.
//!
//! Each is a JSON string on the wire (so every frozen vector reads and writes byte for byte as
//! before) whose `Deserialize` refuses a malformed value, so code holding one never sees an
//! unchecked string. [`std::str::FromStr`] runs the same check (fuzz-friendly, no serde).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a wire value was refused (no input echoed: it may be hostile or personal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireValueError {
    /// A record id is not 32 lowercase hex characters.
    RecordId,
    /// A device id is empty, longer than 64 characters or not `[A-Za-z0-9._-]`.
    DeviceId,
    /// Not standard padded base64.
    Base64,
    /// Decoded bytes longer than allowed.
    TooLong,
}

impl fmt::Display for WireValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WireValueError::RecordId => "a record id must be 32 lowercase hex characters",
            WireValueError::DeviceId => "a device id must be 1-64 characters of [A-Za-z0-9._-]",
            WireValueError::Base64 => "not valid base64",
            WireValueError::TooLong => "value too long",
        })
    }
}

impl std::error::Error for WireValueError {}

macro_rules! string_newtype {
    ($name:ident, $check:expr) => {
        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = WireValueError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let check: fn(&str) -> Result<(), WireValueError> = $check;
                check(s)?;
                Ok(Self(s.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A record id: 32 lowercase hex characters (16 random bytes chosen by the device).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WireRecordId(String);

string_newtype!(WireRecordId, |s| {
    if s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(WireValueError::RecordId)
    }
});

/// A device id as the server hands it out (opaque; 1-64 characters of `[A-Za-z0-9._-]`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(String);

string_newtype!(DeviceId, |s| {
    if (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        Ok(())
    } else {
        Err(WireValueError::DeviceId)
    }
});

/// Bytes carried as standard padded base64 (a sealed blob, a wrapped key), at most
/// [`crate::MAX_BLOB_BYTES`] once decoded. Holds the decoded bytes; serializes back to the
/// canonical encoding, which is the only encoding it accepts, so a value re-encodes exactly.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct B64Bytes(Vec<u8>);

impl B64Bytes {
    /// Wraps bytes (refused above [`crate::MAX_BLOB_BYTES`]).
    pub fn new(bytes: Vec<u8>) -> Result<Self, WireValueError> {
        if bytes.len() > crate::MAX_BLOB_BYTES {
            return Err(WireValueError::TooLong);
        }
        Ok(Self(bytes))
    }

    /// The decoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The decoded bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The canonical base64 text.
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.0)
    }
}

impl fmt::Debug for B64Bytes {
    /// Length only: the bytes are sealed or wrapped, but still nothing for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "B64Bytes({} bytes)", self.0.len())
    }
}

impl FromStr for B64Bytes {
    type Err = WireValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Base64 of MAX_BLOB_BYTES is 4/3 as long: refuse longer text before decoding it.
        if s.len() > crate::MAX_BLOB_BYTES.div_ceil(3) * 4 {
            return Err(WireValueError::TooLong);
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|_| WireValueError::Base64)?;
        Self::new(bytes)
    }
}

impl Serialize for B64Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for B64Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_are_32_lowercase_hex() {
        let ok = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
        assert_eq!(ok.parse::<WireRecordId>().unwrap().as_str(), ok);
        for bad in [
            "",
            "0a0a",
            "0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A",
            "0g0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a",
            "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0",
            "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0 ",
            "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0aé",
        ] {
            assert_eq!(
                bad.parse::<WireRecordId>(),
                Err(WireValueError::RecordId),
                "{bad}"
            );
        }
    }

    #[test]
    fn device_ids_are_short_and_plain() {
        for ok in ["dev-1", "d1", "acct-x.writer_2", &"a".repeat(64)] {
            assert!(ok.parse::<DeviceId>().is_ok(), "{ok}");
        }
        for bad in ["", "dev 1", "dev/1", "dév", &"a".repeat(65), "a\n"] {
            assert_eq!(
                bad.parse::<DeviceId>(),
                Err(WireValueError::DeviceId),
                "{bad}"
            );
        }
    }

    #[test]
    fn base64_is_canonical_padded_and_capped() {
        assert_eq!("U0xDRQ==".parse::<B64Bytes>().unwrap().as_bytes(), b"SLCE");
        assert_eq!("".parse::<B64Bytes>().unwrap().as_bytes(), b"");
        for bad in [
            "U0xDRQ",
            "U0xDRQ=",
            "U0x!RQ==",
            "U0xDRR==",
            "U0xD RQ==",
            "-_-_",
        ] {
            assert_eq!(
                bad.parse::<B64Bytes>(),
                Err(WireValueError::Base64),
                "{bad}"
            );
        }
        let big = "A".repeat((crate::MAX_BLOB_BYTES.div_ceil(3) + 1) * 4);
        assert_eq!(big.parse::<B64Bytes>(), Err(WireValueError::TooLong));
        assert_eq!(
            B64Bytes::new(vec![0; crate::MAX_BLOB_BYTES + 1]),
            Err(WireValueError::TooLong)
        );
        assert_eq!(
            format!("{:?}", B64Bytes::new(vec![1, 2]).unwrap()),
            "B64Bytes(2 bytes)"
        );
    }

    #[test]
    fn serde_rejects_while_deserializing_and_round_trips_exactly() {
        #[derive(Debug, Serialize, Deserialize)]
        struct Rec {
            id: WireRecordId,
            device: DeviceId,
            blob: B64Bytes,
        }
        let text = r#"{"id":"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b","device":"dev-2","blob":"AwE="}"#;
        let rec: Rec = serde_json::from_str(text).unwrap();
        assert_eq!(rec.blob.as_bytes(), [3, 1]);
        assert_eq!(serde_json::to_string(&rec).unwrap(), text);
        for bad in [
            r#"{"id":"XX","device":"dev-2","blob":"AwE="}"#,
            r#"{"id":"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b","device":"","blob":"AwE="}"#,
            r#"{"id":"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b","device":"dev-2","blob":"AwE"}"#,
            r#"{"id":7,"device":"dev-2","blob":"AwE="}"#,
        ] {
            assert!(serde_json::from_str::<Rec>(bad).is_err(), "{bad}");
        }
    }
}
