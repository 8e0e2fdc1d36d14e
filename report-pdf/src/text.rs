//! Text for the base-14 Helvetica fonts: encoding to WinAnsi (Windows-1252) bytes, widths for
//! wrapping, and line wrapping.
//!
//! The report embeds no font file, so every PDF viewer draws it with its own Helvetica. The
//! price is the character set: what WinAnsi cannot encode (most scripts other than Western
//! European, emoji) is shown as `?` — visibly, never dropped, so a reader sees something is
//! missing.

/// What replaces a character WinAnsi cannot encode.
pub const REPLACEMENT: u8 = b'?';

/// Encodes `text` as WinAnsi bytes (control characters become spaces, the unencodable `?`).
pub fn encode(text: &str) -> Vec<u8> {
    text.chars().map(encode_char).collect()
}

fn encode_char(c: char) -> u8 {
    let code = u32::from(c);
    match code {
        0x20..=0x7E | 0xA0..=0xFF => code as u8,
        0x00..=0x1F | 0x7F => b' ',
        _ => match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8A,
            '‹' => 0x8B,
            'Œ' => 0x8C,
            'Ž' => 0x8E,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9A,
            '›' => 0x9B,
            'œ' => 0x9C,
            'ž' => 0x9E,
            'Ÿ' => 0x9F,
            _ => REPLACEMENT,
        },
    }
}

/// Widths of the printable ASCII characters (0x20–0x7E) in Helvetica, in 1/1000 em.
const ASCII_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '–'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584,
    556, // '0'–'?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722,
    778, // '@'–'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
    556, // 'P'–'_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556,
    556, // '`'–'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p'–'~'
];

/// Width of one encoded byte in 1/1000 em. Bold is drawn a little wider; outside ASCII a
/// generous width is used, so lines wrap early rather than run past the margin.
fn byte_width(b: u8, bold: bool) -> f32 {
    let base = match b {
        0x20..=0x7E => f32::from(ASCII_WIDTHS[usize::from(b - 0x20)]),
        0x97 | 0x89 => 1000.0,
        _ => 722.0,
    };
    if bold {
        base * 1.08
    } else {
        base
    }
}

/// Width of `text` at `size` points.
pub fn width(text: &str, size: f32, bold: bool) -> f32 {
    encode(text)
        .iter()
        .map(|b| byte_width(*b, bold))
        .sum::<f32>()
        * size
        / 1000.0
}

/// Breaks `text` into lines no wider than `max` points at `size`: paragraphs at newlines,
/// words at spaces, and words longer than a line by character.
pub fn wrap(text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(&candidate, size, bold) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than a line is cut by character.
            for c in word.chars() {
                let mut next = line.clone();
                next.push(c);
                if width(&next, size, bold) > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                } else {
                    line = next;
                }
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winansi_keeps_latin_and_marks_the_rest_visibly() {
        assert_eq!(encode("Café – “ok” €"), b"Caf\xe9 \x96 \x93ok\x94 \x80");
        assert_eq!(encode("日本 🙂"), b"?? ?");
        assert_eq!(encode("a\tb"), b"a b");
    }

    #[test]
    fn wrapping_respects_the_width_and_keeps_every_word() {
        let text = "The quick brown fox jumps over the lazy dog.\nSecond paragraph here.";
        let lines = wrap(text, 10.0, false, 100.0);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| width(l, 10.0, false) <= 100.0));
        assert_eq!(
            lines.join(" ").split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
        let long = "x".repeat(200);
        let cut = wrap(&long, 10.0, false, 100.0);
        assert!(cut.len() > 1 && cut.concat() == long);
        assert_eq!(width("W", 10.0, false), 9.44);
    }
}
