//! Durations as Go's `time.Duration`: signed nanoseconds, printed and parsed
//! as Go prints and parses them ("1h2m3.5s", "300ms", "-1.5h").

/// Nanoseconds per unit.
const UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("\u{00b5}s", 1_000),
    ("\u{03bc}s", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Go's `Duration.String`.
pub fn format(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut s = String::new();
    if u < 1_000_000_000 {
        if u < 1_000 {
            s = format!("{u}ns");
        } else if u < 1_000_000 {
            s = format!("{}{}\u{00b5}s", u / 1_000, frac(u % 1_000, 3));
        } else {
            s = format!("{}{}ms", u / 1_000_000, frac(u % 1_000_000, 6));
        }
    } else {
        let secs = u / 1_000_000_000;
        s.push_str(&format!("{}{}s", secs % 60, frac(u % 1_000_000_000, 9)));
        let mins = secs / 60;
        if mins > 0 {
            s = format!("{}m{s}", mins % 60);
            let hours = mins / 60;
            if hours > 0 {
                s = format!("{hours}h{s}");
            }
        }
    }
    if neg {
        s.insert(0, '-');
    }
    s
}

/// ".ddd" with trailing zeros removed (empty when zero), `digits` wide.
fn frac(v: u64, digits: usize) -> String {
    if v == 0 {
        return String::new();
    }
    let s = format!("{v:0digits$}");
    format!(".{}", s.trim_end_matches('0'))
}

/// Go's `time.ParseDuration`, with its error messages.
pub fn parse(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {orig:?}");
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            neg = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // Integer part.
        let mut i = 0;
        let mut v: u64 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add((b[i] - b'0') as u64))
                .filter(|v| *v <= 1 << 63)
                .ok_or_else(invalid)?;
            i += 1;
        }
        let pre = i > 0;
        // Fraction.
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let start = i;
            let mut overflow = false;
            while i < b.len() && b[i].is_ascii_digit() {
                if !overflow {
                    match f
                        .checked_mul(10)
                        .and_then(|x| x.checked_add((b[i] - b'0') as u64))
                    {
                        Some(x) if x <= 1 << 63 => {
                            f = x;
                            scale *= 10.0;
                        }
                        _ => overflow = true,
                    }
                }
                i += 1;
            }
            post = i > start;
        }
        if !pre && !post {
            return Err(invalid());
        }
        s = &s[i..];
        // Unit.
        let end = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map(|(j, _)| j)
            .unwrap_or(s.len());
        if end == 0 {
            return Err(format!("time: missing unit in duration {orig:?}"));
        }
        let unit_name = &s[..end];
        s = &s[end..];
        let unit = UNITS
            .iter()
            .find(|(n, _)| *n == unit_name)
            .map(|(_, u)| *u)
            .ok_or_else(|| format!("time: unknown unit {unit_name:?} in duration {orig:?}"))?;
        if v > (1u64 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v = v
                .checked_add((f as f64 * (unit as f64 / scale)) as u64)
                .ok_or_else(invalid)?;
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        total = total
            .checked_add(v)
            .filter(|t| *t <= 1 << 63)
            .ok_or_else(invalid)?;
    }
    if neg {
        return Ok((total as i128).wrapping_neg() as i64);
    }
    if total > i64::MAX as u64 {
        return Err(invalid());
    }
    Ok(total as i64)
}
