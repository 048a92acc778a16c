//! Text helpers with Go's semantics, for the string built-ins: UTF-8 decoding
//! that yields U+FFFD for each invalid byte (as Go's `range` over a string
//! does), simple (one-to-one) case mappings, and the character classes of
//! Go's `unicode` package.

use super::unicode_tables::{DIGIT, LETTER, LOWER, TITLE, UPPER};

/// The Unicode replacement character, which Go yields for invalid UTF-8.
pub const REPLACEMENT: char = '\u{FFFD}';

/// Decodes the first character of `b` as Go's `utf8.DecodeRune` does:
/// `(U+FFFD, 1)` for an invalid or truncated sequence, `(U+FFFD, 0)` when empty.
pub fn decode_rune(b: &[u8]) -> (char, usize) {
    let first = match b.first() {
        Some(&c) => c,
        None => return (REPLACEMENT, 0),
    };
    if first < 0x80 {
        return (first as char, 1);
    }
    let width = match first {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return (REPLACEMENT, 1),
    };
    match b.get(..width).and_then(|s| std::str::from_utf8(s).ok()) {
        Some(s) => match s.chars().next() {
            Some(c) => (c, width),
            None => (REPLACEMENT, 1),
        },
        None => (REPLACEMENT, 1),
    }
}

/// Decodes the last character of `b` as Go's `utf8.DecodeLastRune` does.
pub fn decode_last_rune(b: &[u8]) -> (char, usize) {
    let n = b.len();
    if n == 0 {
        return (REPLACEMENT, 0);
    }
    if b[n - 1] < 0x80 {
        return (b[n - 1] as char, 1);
    }
    let lim = n.saturating_sub(4);
    let mut start = n - 1;
    while start > lim && (b[start] & 0xc0) == 0x80 {
        start -= 1;
    }
    let (c, size) = decode_rune(&b[start..]);
    if start + size != n {
        return (REPLACEMENT, 1);
    }
    (c, size)
}

/// Iterates over `(byte offset, char, byte width)` as Go's `range` over a string.
pub fn runes(b: &[u8]) -> Runes<'_> {
    Runes { b, i: 0 }
}

/// The iterator returned by [`runes`].
pub struct Runes<'a> {
    b: &'a [u8],
    i: usize,
}

impl Iterator for Runes<'_> {
    type Item = (usize, char, usize);
    fn next(&mut self) -> Option<(usize, char, usize)> {
        let rest = self.b.get(self.i..)?;
        if rest.is_empty() {
            return None;
        }
        let (c, w) = decode_rune(rest);
        let at = self.i;
        self.i += w.max(1);
        Some((at, c, w.max(1)))
    }
}

/// Number of characters in `b`, as Go's `utf8.RuneCount`.
pub fn rune_count(b: &[u8]) -> usize {
    runes(b).count()
}

/// Appends the UTF-8 encoding of `c` to `out`.
pub fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

fn in_table(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Go's `unicode.IsLetter` (category L).
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    in_table(LETTER, c)
}

/// Go's `unicode.IsDigit` (category Nd).
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_table(DIGIT, c)
}

/// Go's `unicode.IsUpper` (category Lu).
pub fn is_upper(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_uppercase();
    }
    in_table(UPPER, c)
}

/// Go's `unicode.IsLower` (category Ll).
pub fn is_lower(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_lowercase();
    }
    in_table(LOWER, c)
}

/// Go's `unicode.IsTitle` (category Lt).
pub fn is_title(c: char) -> bool {
    !c.is_ascii() && in_table(TITLE, c)
}

/// Go's `unicode.IsSpace`.
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Whether `c` is in a case-folding orbit of more than one character (Go's
/// `unicode.SimpleFold(c) != c`): it has a simple case mapping, is a title
/// case letter, or is the lowercase of another letter without being
/// mapped itself ('ß', the lowercase of 'ẞ').
pub fn is_cased(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    c == 'ß' || is_title(c) || to_lower(c) != c || to_upper(c) != c
}

/// Go's `unicode.ToUpper`: the simple (one-to-one) uppercase mapping.
pub fn to_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => match c as u32 {
            // Greek letters with ypogegrammeni: the full mapping has two
            // characters, the simple one is the letter with prosgegrammeni.
            0x1f80..=0x1f87 | 0x1f90..=0x1f97 | 0x1fa0..=0x1fa7 => {
                char::from_u32(c as u32 + 8).unwrap_or(c)
            }
            0x1fb3 | 0x1fc3 | 0x1ff3 => char::from_u32(c as u32 + 9).unwrap_or(c),
            _ => c,
        },
    }
}

/// Go's `unicode.ToLower`: the simple (one-to-one) lowercase mapping.
pub fn to_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        // U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE lowercases to 'i'.
        (Some(l), Some(_)) if c == '\u{130}' => l,
        _ => c,
    }
}

/// Go's `unicode.ToTitle`: like [`to_upper`] except for the digraphs, which
/// have a distinct title case, and Georgian, whose title case is itself.
pub fn to_title(c: char) -> char {
    match c as u32 {
        0x1c4..=0x1c6 => '\u{1c5}',
        0x1c7..=0x1c9 => '\u{1c8}',
        0x1ca..=0x1cc => '\u{1cb}',
        0x1f1..=0x1f3 => '\u{1f2}',
        0x10d0..=0x10fa | 0x10fd..=0x10ff => c,
        0x1f88..=0x1f8f | 0x1f98..=0x1f9f | 0x1fa8..=0x1faf | 0x1fbc | 0x1fcc | 0x1ffc => c,
        _ => to_upper(c),
    }
}

/// Maps every character of `s` (decoded as Go does) through `f`.
pub fn map_chars(s: &[u8], mut f: impl FnMut(usize, char) -> char) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for (n, (_, c, _)) in runes(s).enumerate() {
        push_char(&mut out, f(n, c));
    }
    out
}

/// Go's `strings.ToUpper`.
pub fn upper(s: &[u8]) -> Vec<u8> {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    map_chars(s, |_, c| to_upper(c))
}

/// Go's `strings.ToLower`.
pub fn lower(s: &[u8]) -> Vec<u8> {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    map_chars(s, |_, c| to_lower(c))
}

/// Java's `String.hashCode` of the UTF-16 encoding of `s` (invalid UTF-8
/// decoded as U+FFFD), as starlark-go's `hash` computes it.
pub fn java_string_hash(s: &[u8]) -> i32 {
    let mut h: i32 = 0;
    for (_, c, _) in runes(s) {
        let mut buf = [0u16; 2];
        for unit in c.encode_utf16(&mut buf) {
            h = h.wrapping_mul(31).wrapping_add(*unit as i32);
        }
    }
    h
}

/// The 32-bit FNV-1a hash of `b` (starlark-go's hash of bytes).
pub fn fnv32a(b: &[u8]) -> u32 {
    let mut h: u32 = 2166136261;
    for &c in b {
        h ^= c as u32;
        h = h.wrapping_mul(16777619);
    }
    h
}

/// Go's `%q` of a single byte value (as `strconv.QuoteRune` of that code point).
pub fn quote_byte(b: u8) -> String {
    match b {
        b'\'' => "'\\''".into(),
        b'\\' => "'\\\\'".into(),
        0x07 => "'\\a'".into(),
        0x08 => "'\\b'".into(),
        0x0c => "'\\f'".into(),
        b'\n' => "'\\n'".into(),
        b'\r' => "'\\r'".into(),
        b'\t' => "'\\t'".into(),
        0x0b => "'\\v'".into(),
        0x20..=0x7e => format!("'{}'", b as char),
        0x00..=0x1f | 0x7f => format!("'\\x{b:02x}'"),
        0x80..=0xa0 | 0xad => format!("'\\u{:04x}'", b as u32),
        _ => format!("'{}'", b as char),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_matches_go() {
        assert_eq!(decode_rune(b"\xe4\xb8\x96x"), ('世', 3));
        assert_eq!(decode_rune(b"\xe4\xb8"), (REPLACEMENT, 1));
        assert_eq!(decode_rune(b"\xed\xa0\x80"), (REPLACEMENT, 1)); // surrogate
        assert_eq!(decode_rune(b"\xc0\x80"), (REPLACEMENT, 1)); // overlong
        assert_eq!(decode_last_rune(b"x\xe4\xb8\x96"), ('世', 3));
        assert_eq!(decode_last_rune(b"x\xb8\x96"), (REPLACEMENT, 1));
        assert_eq!(rune_count("😿Z".as_bytes()[1..].as_ref()), 4);
    }

    #[test]
    fn case_mappings() {
        assert_eq!(to_upper('ß'), 'ß');
        assert_eq!(to_upper('ᾳ'), 'ᾼ');
        assert_eq!(to_lower('İ'), 'i');
        assert_eq!(to_title('ǉ'), 'ǈ');
        assert_eq!(to_upper('ǉ'), 'Ǉ');
        assert!(is_title('ǅ') && !is_upper('ǅ') && !is_lower('ǅ'));
        assert!(is_digit('٣') && !is_digit('²'));
    }

    #[test]
    fn hashes() {
        assert_eq!(java_string_hash(b"hello"), 99162322);
        assert_eq!(java_string_hash("Hello, 世界!".as_bytes()), 417292677);
        assert_eq!(fnv32a(b""), 2166136261);
    }
}
