//! The word data behind the generator and the estimator: the EFF long word list (written into
//! the build directory by `build.rs`) and a short, hand-made list of the passwords, password
//! roots and first names that guessing tools try first.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The EFF long word list (7,776 short, distinct, common English words; CC BY 3.0 US,
/// Electronic Frontier Foundation), one word per line.
const EFF_LONG: &str = include_str!(concat!(env!("OUT_DIR"), "/eff_long_wordlist.txt"));

/// Number of words in the EFF long list: each generated word carries log2(7776) ≈ 12.9 bits.
pub const EFF_WORD_COUNT: usize = 7776;

/// Passwords, password roots and first names that guessing tools try first, roughly most
/// common first. Lower case, no digits or substitutions: the matcher undoes those itself.
const COMMON: &[&str] = &[
    "password",
    "qwerty",
    "iloveyou",
    "letmein",
    "admin",
    "welcome",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "master",
    "shadow",
    "superman",
    "batman",
    "trustno",
    "hunter",
    "login",
    "abc",
    "starwars",
    "whatever",
    "freedom",
    "secret",
    "solace",
    "passphrase",
    "passwd",
    "pass",
    "love",
    "hello",
    "charlie",
    "michael",
    "jessica",
    "ashley",
    "daniel",
    "jennifer",
    "thomas",
    "jordan",
    "pokemon",
    "computer",
    "internet",
    "summer",
    "winter",
    "spring",
    "autumn",
    "flower",
    "cookie",
    "cheese",
    "chocolate",
    "pepper",
    "ginger",
    "maggie",
    "buster",
    "tigger",
    "soccer",
    "hockey",
    "killer",
    "george",
    "andrew",
    "joshua",
    "matthew",
    "robert",
    "william",
    "david",
    "james",
    "john",
    "mary",
    "sarah",
    "anna",
    "emma",
    "olivia",
    "sophie",
    "lucy",
    "jack",
    "harry",
    "oliver",
    "charlotte",
    "amanda",
    "nicole",
    "michelle",
    "samantha",
    "elizabeth",
    "chris",
    "mike",
    "alex",
    "sam",
    "ben",
    "tom",
    "max",
    "bella",
    "lucky",
    "buddy",
    "angel",
    "baby",
    "babygirl",
    "family",
    "forever",
    "mother",
    "father",
    "heaven",
    "jesus",
    "god",
    "money",
    "friend",
    "friends",
    "happy",
    "smile",
    "purple",
    "orange",
    "yellow",
    "banana",
    "apple",
    "test",
    "guest",
    "user",
    "default",
    "changeme",
    "access",
    "google",
    "facebook",
    "london",
    "paris",
    "america",
    "therapy",
    "journal",
    "mood",
    "anxiety",
    "calm",
    "peace",
    "relax",
    "mindful",
    "secure",
    "private",
    "trustme",
    "letmeinnow",
    "mypassword",
    "thepassword",
    "onlyme",
    "myself",
    "loveyou",
    "lovely",
    "sweet",
    "sweetheart",
    "honey",
    "kitty",
    "puppy",
    "tiger",
    "lion",
    "eagle",
    "ginger",
    "silver",
    "golden",
    "diamond",
    "star",
    "sun",
    "moon",
    "rainbow",
    "butterfly",
    "flowers",
    "chicken",
    "pizza",
    "coffee",
    "matrix",
    "ninja",
    "killer",
    "cowboy",
    "pirate",
    "wizard",
    "magic",
    "soccer",
    "tennis",
    "golf",
    "jordan",
    "michael",
    "daniel",
    "joseph",
    "richard",
    "charles",
    "christopher",
    "anthony",
    "steven",
    "kevin",
    "brian",
    "jason",
    "ryan",
    "justin",
    "nicholas",
    "eric",
    "adam",
    "peter",
    "paul",
    "mark",
    "linda",
    "susan",
    "karen",
    "lisa",
    "nancy",
    "laura",
    "emily",
    "hannah",
    "chloe",
    "grace",
    "alice",
    "julia",
    "correcthorsebatterystaple",
    "troubador",
    "qazwsx",
    "zaq",
    "asdf",
    "zxcv",
    "xyz",
];

/// The EFF words in list order (built once, on first use).
pub fn eff_words() -> &'static [&'static str] {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| EFF_LONG.lines().filter(|w| !w.is_empty()).collect())
}

/// The EFF words a generated passphrase draws from: those made of letters only, so the `-`
/// that joins them never appears inside a word (the list has a few such as "t-shirt").
pub fn generator_words() -> &'static [&'static str] {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        eff_words()
            .iter()
            .copied()
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()))
            .collect()
    })
}

/// Whether `word` (lower case) is on the EFF long list.
pub fn is_eff_word(word: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| eff_words().iter().copied().collect())
        .contains(word)
}

/// The 1-based rank of `word` (lower case) among the common passwords, roots and names.
pub fn common_rank(word: &str) -> Option<usize> {
    static RANKS: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    RANKS
        .get_or_init(|| {
            let mut ranks = HashMap::new();
            for (i, w) in COMMON.iter().enumerate() {
                ranks.entry(*w).or_insert(i + 1);
            }
            ranks
        })
        .get(word)
        .copied()
}

/// Longest entry on either list, in characters (bounds the dictionary scan).
pub const MAX_WORD_CHARS: usize = 25;
