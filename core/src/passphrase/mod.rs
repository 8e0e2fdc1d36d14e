//! Passphrase strength: an offline-guessing estimate, the bar every new passphrase must clear,
//! and a generator of word passphrases.
//!
//! The server keeps the passphrase-wrapped account key and a hash of the login key, so a
//! hostile server can guess passphrases offline: the passphrase is the last line of defence.
//! [`estimate`] models how a guessing tool attacks: it finds common passwords, dictionary
//! words (the EFF long list), sequences, repeats, keyboard rows, years and dates, and takes
//! the cheapest way to cover the whole candidate (the product of the pieces' guesses times
//! the orderings of the pieces), with plain brute force for what no pattern explains. A
//! compact estimator of our own rather than `zxcvbn`: measured, `zxcvbn` 3.1 (lists and regex
//! engines) adds about 2.5 MB to a stripped library, this module about 0.12 MB.
//!
//! The bar ([`MIN_GUESSES_LOG10`]) is 10^10 guesses. [`check_new`] enforces it wherever a
//! passphrase is *set* (`Store::create`, `Store::change_passphrase`, a reset with the recovery
//! key) — never where one is used to unlock or derive, so old stores and frozen vectors with
//! weaker passphrases keep opening.

mod lists;
mod matching;
#[cfg(test)]
mod tests;

use crate::error::InputProblem;
use std::cell::RefCell;
use std::collections::HashMap;

use zeroize::Zeroizing;

use crate::crypto::fill_random;
use crate::error::{CoreError, Result};
use matching::{all_matches, Match, MatchKind, UnitCost};

/// The bar: a new passphrase must need at least 10^10 guesses (log10).
pub const MIN_GUESSES_LOG10: f64 = 10.0;

/// Guessing rate assumed for the shown crack time: 10^10 guesses per second, a well-funded
/// offline attacker (far above what Argon2id allows, on purpose).
pub const OFFLINE_GUESSES_PER_SECOND_LOG10: f64 = 10.0;

/// Words in a [`generate`]d passphrase: 6 words of the EFF long list (letters-only words),
/// about 77.5 bits.
pub const GENERATED_WORDS: usize = 6;

/// Characters analysed; anything longer is judged on its first part (which only
/// underestimates it).
const MAX_ANALYSED_CHARS: usize = 100;

/// Why a passphrase is weak, as a content-free hint a UI can show or branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feedback {
    /// Nothing entered.
    Empty,
    /// Built on one of the passwords or names guessing tools try first.
    Common,
    /// Built on sequences, repeats or keyboard rows.
    Predictable,
    /// Built on a year or a date.
    Date,
    /// Too few words or characters.
    TooShort,
}

impl Feedback {
    /// The hint in plain words; never contains any part of the passphrase.
    pub fn message(self) -> &'static str {
        match self {
            Feedback::Empty => "it is empty",
            Feedback::Common => {
                "too easy to guess: it is built on a common password or name; use several \
                 unrelated words"
            }
            Feedback::Predictable => {
                "too easy to guess: sequences, repeats and keyboard rows are tried early; \
                 use several unrelated words"
            }
            Feedback::Date => {
                "too easy to guess: years and dates are tried early; add another word or two"
            }
            Feedback::TooShort => "too easy to guess: add another word or two",
        }
    }
}

/// The estimate for one candidate passphrase.
#[derive(Debug, Clone, PartialEq)]
pub struct Strength {
    /// 0 (very weak) to 4 (very strong); 3 and 4 are acceptable.
    pub score: u8,
    /// Estimated guesses an offline attacker needs, log10.
    pub guesses_log10: f64,
    /// Whether it clears the bar ([`MIN_GUESSES_LOG10`]).
    pub acceptable: bool,
    /// Why it is weak; `None` when acceptable.
    pub feedback: Option<Feedback>,
}

impl Strength {
    /// A one- or two-word label for the score.
    pub fn label(&self) -> &'static str {
        match self.score {
            0 => "very weak",
            1 => "weak",
            2 => "fair",
            3 => "strong",
            _ => "very strong",
        }
    }

    /// How long the estimated guesses take at 10^10 guesses per second, e.g. "3 hours",
    /// "centuries".
    pub fn offline_crack_time(&self) -> String {
        describe_seconds(10f64.powf(self.guesses_log10 - OFFLINE_GUESSES_PER_SECOND_LOG10))
    }
}

fn describe_seconds(seconds: f64) -> String {
    const UNITS: &[(f64, &str)] = &[
        (60.0, "second"),
        (60.0, "minute"),
        (24.0, "hour"),
        (30.0, "day"),
        (12.0, "month"),
        (100.0, "year"),
    ];
    if seconds < 1.0 {
        return "less than a second".to_owned();
    }
    let mut value = seconds;
    for (per_next, unit) in UNITS {
        if value < *per_next {
            let n = value.round().max(1.0) as u64;
            return format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
        }
        value /= per_next;
    }
    "centuries".to_owned()
}

/// The score band for an estimate: < 10^4, < 10^7, < 10^10, < 10^14, and above.
fn score_for(guesses_log10: f64) -> u8 {
    match guesses_log10 {
        g if g < 4.0 => 0,
        g if g < 7.0 => 1,
        g if g < MIN_GUESSES_LOG10 => 2,
        g if g < 14.0 => 3,
        _ => 4,
    }
}

/// Estimates how many guesses an offline attacker needs for `candidate`. Fast and pure
/// (well under a millisecond for ordinary lengths), so a UI can call it on every keystroke.
pub fn estimate(candidate: &str) -> Strength {
    let original: Vec<char> = candidate.chars().take(MAX_ANALYSED_CHARS).collect();
    if original.is_empty() {
        return Strength {
            score: 0,
            guesses_log10: 0.0,
            acceptable: false,
            feedback: Some(Feedback::Empty),
        };
    }
    let (guesses_log10, kinds) = cheapest_cover(&original, true);
    let acceptable = guesses_log10 >= MIN_GUESSES_LOG10;
    let feedback = if acceptable {
        None
    } else if kinds.contains(&Some(MatchKind::Common)) {
        Some(Feedback::Common)
    } else if kinds.iter().any(|k| {
        matches!(
            k,
            Some(MatchKind::Sequence | MatchKind::Repeat | MatchKind::Keyboard)
        )
    }) {
        Some(Feedback::Predictable)
    } else if kinds.contains(&Some(MatchKind::Date)) {
        Some(Feedback::Date)
    } else {
        Some(Feedback::TooShort)
    };
    Strength {
        score: score_for(guesses_log10),
        guesses_log10,
        acceptable,
        feedback,
    }
}

/// Refuses a passphrase about to be set that does not clear the bar, with
/// [`CoreError::WeakPassphrase`] carrying a content-free hint.
pub fn check_new(passphrase: &str) -> Result<()> {
    let strength = estimate(passphrase);
    if strength.acceptable {
        return Ok(());
    }
    let feedback = strength.feedback.unwrap_or(Feedback::TooShort);
    Err(CoreError::WeakPassphrase(feedback.message()))
}

/// Character classes a brute-force search must cover, as bits of [`alphabet_size`].
fn char_class(c: char) -> u8 {
    match c {
        '0'..='9' => 1,
        'a'..='z' => 2,
        'A'..='Z' => 4,
        c if c.is_ascii() => 8,
        _ => 16,
    }
}

/// Size of the alphabet for a set of [`char_class`] bits: digits 10, lower and upper case 26
/// each, ASCII symbols 33, anything else 100.
fn alphabet_size(classes: u8) -> f64 {
    [(1, 10.0), (2, 26.0), (4, 26.0), (8, 33.0), (16, 100.0)]
        .iter()
        .filter(|(bit, _)| classes & bit != 0)
        .map(|(_, n)| n)
        .sum()
}

/// Where a piece of the cheapest cover starts, the piece count before it, and its kind
/// (`None` for brute force).
type Step = Option<(usize, usize, Option<MatchKind>)>;

fn log10_factorial(n: usize) -> f64 {
    (2..=n).map(|i| (i as f64).log10()).sum()
}

/// The cheapest cover of `original` by pattern matches and brute-force runs: returns the
/// guesses (log10) and the kinds of the pieces used (`None` for brute force).
/// Dynamic programming over (end position, number of non-separator pieces).
fn cheapest_cover(original: &[char], with_repeats: bool) -> (f64, Vec<Option<MatchKind>>) {
    let n = original.len();
    let lower: Vec<char> = original
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    // A repeated unit costs what the unit alone costs (no repeats inside it); each distinct
    // unit is priced once.
    let prices: RefCell<HashMap<Vec<char>, f64>> = RefCell::new(HashMap::new());
    let unit_cost = |unit: &[char]| {
        if let Some(price) = prices.borrow().get(unit) {
            return *price;
        }
        let price = cheapest_cover(unit, false).0;
        prices.borrow_mut().insert(unit.to_vec(), price);
        price
    };
    let matches: Vec<Match> = all_matches(
        original,
        &lower,
        with_repeats.then_some(&unit_cost as &UnitCost<'_>),
    );
    let mut by_end: Vec<Vec<Match>> = vec![Vec::new(); n + 1];
    for m in matches {
        by_end[m.end].push(m);
    }
    // cost[k][j]: cheapest cover of the first j characters with k non-separator pieces;
    // from[k][j]: where the last piece started, with its piece count before it and kind.
    let mut cost = vec![vec![f64::INFINITY; n + 1]; n + 1];
    let mut from: Vec<Vec<Step>> = vec![vec![None; n + 1]; n + 1];
    cost[0][0] = 0.0;
    for j in 1..=n {
        let mut pieces: Vec<(usize, f64, Option<MatchKind>)> = by_end[j]
            .iter()
            .map(|m| (m.start, m.log10, Some(m.kind)))
            .collect();
        let mut classes = 0;
        for i in (0..j).rev() {
            classes |= char_class(original[i]);
            let per_char = alphabet_size(classes).max(10.0).log10();
            pieces.push((i, per_char * (j - i) as f64, None));
        }
        for (i, piece_cost, kind) in pieces {
            let adds_piece = usize::from(kind != Some(MatchKind::Separator));
            for k_before in 0..=i {
                let before = cost[k_before][i];
                if !before.is_finite() {
                    continue;
                }
                let k = k_before + adds_piece;
                let total = before + piece_cost;
                if total < cost[k][j] {
                    cost[k][j] = total;
                    from[k][j] = Some((i, k_before, kind));
                }
            }
        }
    }
    let mut best = (f64::INFINITY, 0);
    for (k, row) in cost.iter().enumerate() {
        let total = row[n] + log10_factorial(k);
        if total < best.0 {
            best = (total, k);
        }
    }
    let mut kinds = Vec::new();
    let (mut j, mut k) = (n, best.1);
    while j > 0 {
        let Some((i, k_before, kind)) = from[k][j] else {
            break;
        };
        kinds.push(kind);
        j = i;
        k = k_before;
    }
    (best.0, kinds)
}

/// A new passphrase of [`GENERATED_WORDS`] words drawn uniformly from the EFF long list
/// with the operating system's random number generator, joined by `-`. Show it once.
pub fn generate() -> Result<Zeroizing<String>> {
    generate_words(GENERATED_WORDS)
}

/// Like [`generate`] with `count` words (at least 1).
pub fn generate_words(count: usize) -> Result<Zeroizing<String>> {
    let words = lists::generator_words();
    let n = words.len() as u32;
    if n == 0 {
        return Err(CoreError::invalid("word list", InputProblem::Empty));
    }
    // Rejection sampling keeps every word equally likely.
    let limit = u32::MAX - (u32::MAX % n);
    let mut out = Zeroizing::new(String::new());
    for i in 0..count.max(1) {
        let index = loop {
            let mut bytes = [0u8; 4];
            fill_random(&mut bytes)?;
            let value = u32::from_le_bytes(bytes);
            if value < limit {
                break (value % n) as usize;
            }
        };
        if i > 0 {
            out.push('-');
        }
        out.push_str(words[index]);
    }
    Ok(out)
}

/// Bits of entropy in a generated passphrase of `count` words.
pub fn generated_bits(count: usize) -> f64 {
    count as f64 * (lists::generator_words().len() as f64).log2()
}

/// A passphrase that clears the bar, for the core's own tests.
#[cfg(test)]
pub(crate) const TEST_PASSPHRASE: &str = "lantern oyster pilgrim granite";
