//! Pattern matchers: every place in a candidate where a guessing tool would find a word, a
//! common password, a sequence, a repeat, a keyboard row, a year or a date, each with the
//! number of guesses (log10) such a tool needs for that piece.

use super::lists::{common_rank, is_eff_word, EFF_WORD_COUNT, MAX_WORD_CHARS};

/// What kind of pattern a [`Match`] found (drives the feedback shown to the person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// One of the most used passwords, roots or names.
    Common,
    /// A dictionary word.
    Word,
    /// `abcd`, `4321`.
    Sequence,
    /// `aaaa`, `abcabc`.
    Repeat,
    /// `qwerty`, `asdf`, `1qaz`.
    Keyboard,
    /// A year or a date.
    Date,
    /// One separator character between other pieces (`-`, space, `.`).
    Separator,
}

/// A piece `start..end` (in characters) and the guesses (log10) it costs an attacker.
#[derive(Debug, Clone, Copy)]
pub struct Match {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// Guesses for this piece alone, log10.
    pub log10: f64,
    /// What was found.
    pub kind: MatchKind,
}

/// Prices a repeated unit (guesses for the unit alone, log10).
pub type UnitCost<'a> = dyn Fn(&[char]) -> f64 + 'a;

/// Characters commonly typed for letters; undone before the dictionary lookup.
fn unleet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        '8' => 'b',
        '9' => 'g',
        _ => return None,
    })
}

const SEPARATORS: &[char] = &[' ', '-', '_', '.', ',', '+', '/', ':', ';', '|', '~', '*'];

const KEYBOARD_LINES: &[&str] = &[
    "`1234567890-=",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
    "qazwsxedcrfvtgbyhnujmikolp",
];

fn log10_binomial(n: usize, k: usize) -> f64 {
    (0..k)
        .map(|i| ((n - i) as f64 / (i + 1) as f64).log10())
        .sum()
}

/// Extra guesses for the upper-case letters of a dictionary piece: none for all lower case,
/// one bit for the usual shapes (`Word`, `WORD`, `worD`), otherwise every placement.
fn case_variations(original: &[char]) -> f64 {
    let upper = original.iter().filter(|c| c.is_uppercase()).count();
    let lower = original.iter().filter(|c| c.is_lowercase()).count();
    if upper == 0 {
        return 0.0;
    }
    let first_only = upper == 1 && original.first().is_some_and(|c| c.is_uppercase());
    let last_only = upper == 1 && original.last().is_some_and(|c| c.is_uppercase());
    if lower == 0 || first_only || last_only {
        return 2f64.log10();
    }
    let ways: f64 = (1..=upper.min(lower))
        .map(|k| 10f64.powf(log10_binomial(upper + lower, k)))
        .sum();
    ways.log10()
}

/// Guesses (log10) for a word from a large dictionary (about 100,000 words): what any run
/// of letters that could be an English word costs, even if it is on neither list.
const LARGE_DICTIONARY_LOG10: f64 = 5.0;

/// Longest letter run treated as a possible dictionary word; longer runs are split into
/// words (compounds) or brute-forced.
const MAX_WORD_LIKE_CHARS: usize = 9;

/// Whether a lower-case letter run could be a word: 3 to 9 ASCII letters with a vowel and no
/// more than 4 consonants in a row (`strength` is a word, `qpzmwx` is not).
fn is_word_like(piece: &[char]) -> bool {
    if piece.len() < 3
        || piece.len() > MAX_WORD_LIKE_CHARS
        || !piece.iter().all(char::is_ascii_lowercase)
    {
        return false;
    }
    let vowel = |c: &char| "aeiouy".contains(*c);
    let mut run = 0;
    for c in piece {
        run = if vowel(c) { 0 } else { run + 1 };
        if run > 4 {
            return false;
        }
    }
    piece.iter().any(vowel)
}

/// Dictionary pieces: common passwords and EFF words, also reversed and with substitutions.
fn dictionary(original: &[char], lower: &[char], out: &mut Vec<Match>) {
    let n = lower.len();
    for start in 0..n {
        for end in (start + 3)..=n.min(start + MAX_WORD_CHARS) {
            let piece = &lower[start..end];
            if !piece
                .iter()
                .any(|c| c.is_alphabetic() || unleet(*c).is_some())
            {
                continue;
            }
            let subs = piece.iter().filter(|c| unleet(**c).is_some()).count();
            let plain: String = piece.iter().collect();
            let unleeted: String = piece.iter().map(|c| unleet(*c).unwrap_or(*c)).collect();
            let mut candidates = vec![(plain.clone(), 0.0)];
            if subs > 0 {
                candidates.push((unleeted, subs as f64 * 2f64.log10()));
            }
            let case = case_variations(&original[start..end]);
            for (word, extra) in candidates {
                let reversed: String = word.chars().rev().collect();
                for (text, reversal) in [(word, 0.0), (reversed, 2f64.log10())] {
                    let found = if let Some(rank) = common_rank(&text) {
                        Some(((rank as f64).log10(), MatchKind::Common))
                    } else if is_eff_word(&text) {
                        Some(((EFF_WORD_COUNT as f64).log10(), MatchKind::Word))
                    } else {
                        None
                    };
                    let found = found.or_else(|| {
                        (reversal == 0.0 && extra == 0.0 && is_word_like(piece))
                            .then_some((LARGE_DICTIONARY_LOG10, MatchKind::Word))
                    });
                    if let Some((base, kind)) = found {
                        out.push(Match {
                            start,
                            end,
                            log10: base.max(1.0) + case + extra + reversal,
                            kind,
                        });
                    }
                }
            }
        }
    }
}

/// Runs of characters that step by +1 or -1 (`abc`, `7654`), every sub-run of 3 or more.
fn sequences(lower: &[char], out: &mut Vec<Match>) {
    let n = lower.len();
    let mut start = 0;
    while start + 2 < n {
        let delta = lower[start + 1] as i64 - lower[start] as i64;
        let same_class = |a: char, b: char| {
            (a.is_ascii_digit() && b.is_ascii_digit())
                || (a.is_ascii_lowercase() && b.is_ascii_lowercase())
        };
        let mut end = start + 1;
        if delta.abs() == 1 {
            while end < n
                && lower[end] as i64 - lower[end - 1] as i64 == delta
                && same_class(lower[end], lower[end - 1])
            {
                end += 1;
            }
        }
        if end - start >= 3 {
            for (s, &first) in lower.iter().enumerate().take(end).skip(start) {
                for e in (s + 3)..=end {
                    let base: f64 = if "aAzZ019".contains(first) {
                        4.0
                    } else if first.is_ascii_digit() {
                        10.0
                    } else {
                        26.0
                    };
                    let direction = if delta < 0 { 2.0 } else { 1.0 };
                    out.push(Match {
                        start: s,
                        end: e,
                        log10: (base * (e - s) as f64 * direction).log10(),
                        kind: MatchKind::Sequence,
                    });
                }
            }
            start = end - 1;
        } else {
            start += 1;
        }
    }
}

/// A unit of 1 to 8 characters repeated (`aaaa`, `abab`, `hihihi`): the unit's own cost
/// times the number of repeats.
fn repeats(lower: &[char], unit_cost: &UnitCost<'_>, out: &mut Vec<Match>) {
    let n = lower.len();
    for start in 0..n {
        for unit in 1..=8.min(n - start) {
            let mut count = 1;
            while start + (count + 1) * unit <= n
                && lower[start + count * unit..start + (count + 1) * unit]
                    == lower[start..start + unit]
            {
                count += 1;
            }
            if count >= 2 && count * unit >= 3 {
                let base = unit_cost(&lower[start..start + unit]);
                for k in 2..=count {
                    if k * unit < 3 {
                        continue;
                    }
                    out.push(Match {
                        start,
                        end: start + k * unit,
                        log10: base + (k as f64).log10(),
                        kind: MatchKind::Repeat,
                    });
                }
            }
        }
    }
}

/// Four or more neighbouring keys along a keyboard row or column walk, either direction.
fn keyboard(lower: &[char], out: &mut Vec<Match>) {
    let n = lower.len();
    for start in 0..n {
        for end in (start + 4)..=n {
            let piece: String = lower[start..end].iter().collect();
            let reversed: String = piece.chars().rev().collect();
            let on_line = KEYBOARD_LINES
                .iter()
                .any(|line| line.contains(&piece) || line.contains(&reversed));
            if !on_line {
                break;
            }
            out.push(Match {
                start,
                end,
                log10: (100.0 * (end - start) as f64).log10(),
                kind: MatchKind::Keyboard,
            });
        }
    }
}

fn digits_value(digits: &[char]) -> u32 {
    digits
        .iter()
        .filter_map(|c| c.to_digit(10))
        .fold(0, |acc, d| acc * 10 + d)
}

fn plausible_year(y: u32) -> bool {
    (1900..=2049).contains(&y)
}

fn plausible_day_month(a: u32, b: u32) -> bool {
    ((1..=31).contains(&a) && (1..=12).contains(&b))
        || ((1..=12).contains(&a) && (1..=31).contains(&b))
}

/// Years (1900–2049) and dates of 6 or 8 digits (ddmmyy, ddmmyyyy, yyyymmdd and the US
/// orders), optionally with `/`, `-` or `.` between the parts.
fn dates(lower: &[char], out: &mut Vec<Match>) {
    let n = lower.len();
    for start in 0..n {
        if start + 4 <= n {
            let piece = &lower[start..start + 4];
            if piece.iter().all(char::is_ascii_digit) && plausible_year(digits_value(piece)) {
                out.push(Match {
                    start,
                    end: start + 4,
                    log10: 150f64.log10(),
                    kind: MatchKind::Date,
                });
            }
        }
        for len in [6, 8, 10] {
            if start + len > n {
                continue;
            }
            let piece = &lower[start..start + len];
            let digits: Vec<char> = piece.iter().copied().filter(char::is_ascii_digit).collect();
            let separators = piece.len() - digits.len();
            let separators_ok = piece
                .iter()
                .all(|c| c.is_ascii_digit() || matches!(c, '/' | '-' | '.'));
            if !separators_ok || !(separators == 0 || separators == 2) {
                continue;
            }
            let d = &digits;
            let date = match d.len() {
                6 => plausible_day_month(digits_value(&d[0..2]), digits_value(&d[2..4])),
                8 => {
                    (plausible_day_month(digits_value(&d[0..2]), digits_value(&d[2..4]))
                        && plausible_year(digits_value(&d[4..8])))
                        || (plausible_year(digits_value(&d[0..4]))
                            && plausible_day_month(digits_value(&d[4..6]), digits_value(&d[6..8])))
                }
                _ => false,
            };
            if date {
                out.push(Match {
                    start,
                    end: start + len,
                    log10: (366.0 * 150.0 * 2.0f64).log10(),
                    kind: MatchKind::Date,
                });
            }
        }
    }
}

/// Single separator characters, nearly free to guess between words.
fn separators(lower: &[char], out: &mut Vec<Match>) {
    for (i, c) in lower.iter().enumerate() {
        if SEPARATORS.contains(c) {
            out.push(Match {
                start: i,
                end: i + 1,
                // Nearly everyone uses a space or a dash: about two bits.
                log10: 4f64.log10(),
                kind: MatchKind::Separator,
            });
        }
    }
}

/// Every pattern found in `original` (`lower` is its lower-cased form, same length); repeats
/// only when `unit_cost` prices a repeated unit.
pub fn all_matches(original: &[char], lower: &[char], unit_cost: Option<&UnitCost>) -> Vec<Match> {
    let mut out = Vec::new();
    dictionary(original, lower, &mut out);
    sequences(lower, &mut out);
    if let Some(unit_cost) = unit_cost {
        repeats(lower, unit_cost, &mut out);
    }
    keyboard(lower, &mut out);
    dates(lower, &mut out);
    separators(lower, &mut out);
    out
}
