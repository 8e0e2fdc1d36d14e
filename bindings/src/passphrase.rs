//! Passphrase strength and generation for the apps: the same estimate and bar the core
//! enforces when a passphrase is set, exposed so a screen can show it while the person types.

use solace_core::passphrase as core;

use crate::error::Result;

/// The estimated strength of a candidate passphrase.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PassphraseStrength {
    /// 0 (very weak) to 4 (very strong); 3 and 4 are accepted.
    pub score: u8,
    /// Estimated guesses an offline attacker needs, log10 (the bar is 10).
    pub guesses_log10: f64,
    /// Whether creating a store, changing or resetting to this passphrase will be accepted.
    pub acceptable: bool,
    /// Why it is refused, in a sentence fit to show (never quotes the passphrase);
    /// `None` when acceptable.
    pub feedback: Option<String>,
    /// A short label for the score: "very weak", "weak", "fair", "strong", "very strong".
    pub label: String,
    /// Time to guess it at 10^10 guesses per second, e.g. "3 hours", "centuries".
    pub offline_crack_time: String,
}

impl From<core::Strength> for PassphraseStrength {
    fn from(s: core::Strength) -> Self {
        Self {
            score: s.score,
            guesses_log10: s.guesses_log10,
            acceptable: s.acceptable,
            feedback: s.feedback.map(|f| f.message().to_owned()),
            label: s.label().to_owned(),
            offline_crack_time: s.offline_crack_time(),
        }
    }
}

/// Estimates `candidate`'s strength. Fast and synchronous (well under a millisecond for
/// ordinary lengths): safe to call on the main thread on every keystroke.
#[uniffi::export]
pub fn passphrase_strength(candidate: String) -> PassphraseStrength {
    let candidate = zeroize::Zeroizing::new(candidate);
    core::estimate(&candidate).into()
}

/// A new passphrase of 6 random words (about 77 bits) from the operating system's random
/// number generator, joined by `-`. Show it once and let the person write it down.
#[uniffi::export]
pub fn generate_passphrase() -> Result<String> {
    Ok(core::generate()?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_and_generator_cross_the_boundary() {
        let weak = passphrase_strength("hunter22".into());
        assert!(!weak.acceptable);
        assert!(weak.score <= 2);
        let feedback = weak.feedback.unwrap();
        assert!(!feedback.contains("hunter"));
        let generated = generate_passphrase().unwrap();
        assert_eq!(generated.split('-').count(), 6);
        let strong = passphrase_strength(generated);
        assert!(strong.acceptable && strong.feedback.is_none());
        assert_eq!(strong.label, "very strong");
        assert_eq!(strong.offline_crack_time, "centuries");
    }
}
