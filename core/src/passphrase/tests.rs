use std::collections::HashSet;

use super::*;

#[test]
fn weak_passphrases_are_refused_with_a_reason() {
    let cases: &[(&str, Feedback)] = &[
        ("hunter22", Feedback::Common),
        ("password1", Feedback::Common),
        ("P@ssw0rd123!", Feedback::Common),
        ("iloveyou2024", Feedback::Common),
        ("qwertyuiop", Feedback::Predictable),
        ("aaaaaaaaaaaaaaaaaaaa", Feedback::Predictable),
        ("1234567890", Feedback::Predictable),
        ("abcdefghijklmnop", Feedback::Predictable),
        ("12/05/1987", Feedback::Date),
        ("apple river", Feedback::Common),
        ("lantern-oyster", Feedback::TooShort),
        ("riverstone", Feedback::TooShort),
        ("Zebra", Feedback::TooShort),
    ];
    for (candidate, expected) in cases {
        let s = estimate(candidate);
        assert!(
            !s.acceptable,
            "{candidate} accepted at 10^{:.1}",
            s.guesses_log10
        );
        assert!(s.score <= 2, "{candidate}: score {}", s.score);
        assert_eq!(s.feedback, Some(*expected), "{candidate}");
        match check_new(candidate) {
            Err(CoreError::WeakPassphrase(why)) => {
                assert_eq!(why, expected.message());
                assert!(!why.contains(candidate));
            }
            other => panic!("{candidate}: {other:?}"),
        }
    }
}

#[test]
fn strong_passphrases_pass() {
    for candidate in [
        "maple-orbit-thunder-velvet",
        "granite lantern oyster pilgrim",
        "x7#Kq2!vR9zL",
        "Tobacco Whistle Pavement Cucumber",
        "my cat Ozzie eats 3 lemons at dawn",
    ] {
        let s = estimate(candidate);
        assert!(
            s.acceptable,
            "{candidate} refused at 10^{:.1}",
            s.guesses_log10
        );
        assert!(s.score >= 3);
        assert_eq!(s.feedback, None);
        check_new(candidate).unwrap();
    }
}

#[test]
fn more_words_never_weaken_and_patterns_cost_less_than_random() {
    let two = estimate("lantern-oyster").guesses_log10;
    let three = estimate("lantern-oyster-pilgrim").guesses_log10;
    let four = estimate("lantern-oyster-pilgrim-granite").guesses_log10;
    assert!(two < three && three < four, "{two} {three} {four}");
    // Each extra word adds log10(7776) ≈ 3.9 (a listed word) to 5 (any word), plus a
    // separator and the new ordering.
    assert!(
        (three - two) > 3.5 && (three - two) < 7.0,
        "{}",
        three - two
    );
    // Same length, one a keyboard row, one not.
    assert!(estimate("qwertyui").guesses_log10 + 5.0 < estimate("qpzmwxkt").guesses_log10);
    // Capitals and substitutions help a little, not a lot.
    let plain = estimate("sunshine").guesses_log10;
    let dressed = estimate("Sun5h1ne").guesses_log10;
    assert!(
        dressed > plain && dressed < plain + 3.0,
        "{plain} {dressed}"
    );
}

#[test]
fn empty_and_very_long_input() {
    let empty = estimate("");
    assert_eq!((empty.score, empty.acceptable), (0, false));
    assert_eq!(empty.feedback, Some(Feedback::Empty));
    let long = "a".repeat(10_000);
    let started = std::time::Instant::now();
    assert!(!estimate(&long).acceptable);
    assert!(started.elapsed().as_millis() < 2_000);
    let mixed: String = (0..500)
        .map(|i| char::from(b'!' + (i * 7 % 90) as u8))
        .collect();
    assert!(estimate(&mixed).acceptable);
    assert!(estimate("ĉiu ŝtono falas en la maron, ĉu ne?").acceptable);
}

#[test]
fn generated_passphrases_are_strong_distinct_words_from_the_list() {
    assert_eq!(lists::eff_words().len(), lists::EFF_WORD_COUNT);
    let list: HashSet<&str> = lists::eff_words().iter().copied().collect();
    assert_eq!(list.len(), lists::EFF_WORD_COUNT);
    assert!(generated_bits(GENERATED_WORDS) >= 66.0);
    let mut seen = HashSet::new();
    for _ in 0..20 {
        let p = generate().unwrap();
        let words: Vec<&str> = p.split('-').collect();
        assert_eq!(words.len(), GENERATED_WORDS);
        assert!(words.iter().all(|w| list.contains(w)), "{}", p.as_str());
        let s = estimate(&p);
        assert!(
            s.acceptable && s.score == 4,
            "{} at {}",
            p.as_str(),
            s.guesses_log10
        );
        assert!(seen.insert(p.to_string()));
    }
}

#[test]
fn crack_time_reads_naturally() {
    let at = |g: f64| {
        Strength {
            score: score_for(g),
            guesses_log10: g,
            acceptable: g >= MIN_GUESSES_LOG10,
            feedback: None,
        }
        .offline_crack_time()
    };
    assert_eq!(at(3.0), "less than a second");
    assert_eq!(at(10.0), "1 second");
    assert_eq!(at(10.0 + (7200f64).log10()), "2 hours");
    assert_eq!(at(30.0), "centuries");
    assert_eq!(score_for(9.99), 2);
    assert_eq!(score_for(10.0), 3);
}

#[test]
fn the_passphrases_used_by_tests_across_the_workspace_clear_the_bar() {
    for candidate in [
        TEST_PASSPHRASE,
        "tundra whistle cobalt meadow",
        "other tundra pelican sawmill",
        "cobalt lantern tundra oyster",
        "brand new velvet tundra harbor",
        "velvet harbor pilgrim cactus",
        "granite meadow oyster whistle",
        "pelican sawmill tundra lantern",
        "first cobalt meadow pelican",
        "second cobalt meadow pelican",
        "third cobalt meadow pelican",
        "long shared velvet harbor pilgrim",
        "ffi bench velvet harbor pilgrim",
        "new velvet harbor pilgrim",
        "bench velvet harbor pilgrim cactus",
        "bench messaging velvet harbor pilgrim",
        "bench first sync velvet harbor pilgrim",
    ] {
        assert!(estimate(candidate).acceptable, "{candidate}");
    }
}

#[test]
fn generated_words_never_contain_the_separator() {
    assert!(
        lists::eff_words().iter().any(|w| w.contains('-')),
        "the list has some"
    );
    assert!(lists::generator_words().iter().all(|w| !w.contains('-')));
    for _ in 0..50 {
        let pass = generate().unwrap();
        assert_eq!(
            pass.split('-').count(),
            GENERATED_WORDS,
            "{}",
            pass.as_str()
        );
    }
    assert!(generated_bits(GENERATED_WORDS) > 77.0);
}
