//! Go's reference-time layouts ("2006-01-02T15:04:05Z07:00"): tokenizing,
//! formatting and parsing, with Go's rules and error messages.

/// A layout element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    Iso8601Tz,
    Iso8601SecondsTz,
    Iso8601ShortTz,
    Iso8601ColonTz,
    Iso8601ColonSecondsTz,
    NumTz,
    NumSecondsTz,
    NumShortTz,
    NumColonTz,
    NumColonSecondsTz,
    /// Fractional seconds, fixed width (".000"), with its separator.
    Frac0(usize, u8),
    /// Fractional seconds, trailing zeros dropped (".999").
    Frac9(usize, u8),
}

impl Std {
    /// ISO 8601 zone elements print (and accept) `Z` for UTC.
    fn is_iso_zone(self) -> bool {
        matches!(
            self,
            Std::Iso8601Tz
                | Std::Iso8601ColonTz
                | Std::Iso8601SecondsTz
                | Std::Iso8601ShortTz
                | Std::Iso8601ColonSecondsTz
        )
    }
}

const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn starts(s: &[u8], i: usize, p: &str) -> bool {
    s.len() >= i + p.len() && &s[i..i + p.len()] == p.as_bytes()
}

/// Splits `layout` into (literal prefix, element, element text, rest), as Go's nextStdChunk.
pub fn next_chunk(layout: &str) -> (&str, Option<(Std, &str)>, &str) {
    let b = layout.as_bytes();
    for i in 0..b.len() {
        let found: Option<(Std, usize)> = match b[i] {
            b'J' if starts(b, i, "Jan") => Some(if starts(b, i, "January") {
                (Std::LongMonth, 7)
            } else {
                (Std::Month, 3)
            }),
            b'M' if starts(b, i, "Mon") => Some(if starts(b, i, "Monday") {
                (Std::LongWeekDay, 6)
            } else {
                (Std::WeekDay, 3)
            }),
            b'M' if starts(b, i, "MST") => Some((Std::Tz, 3)),
            b'0' if i + 1 < b.len() && (b'1'..=b'6').contains(&b[i + 1]) => Some((
                match b[i + 1] {
                    b'1' => Std::ZeroMonth,
                    b'2' => Std::ZeroDay,
                    b'3' => Std::ZeroHour12,
                    b'4' => Std::ZeroMinute,
                    b'5' => Std::ZeroSecond,
                    _ => Std::Year,
                },
                2,
            )),
            b'0' if starts(b, i, "002") => Some((Std::ZeroYearDay, 3)),
            b'1' => Some(if starts(b, i, "15") {
                (Std::Hour, 2)
            } else {
                (Std::NumMonth, 1)
            }),
            b'2' => Some(if starts(b, i, "2006") {
                (Std::LongYear, 4)
            } else {
                (Std::Day, 1)
            }),
            b'_' if starts(b, i, "_2") => {
                if starts(b, i, "_2006") {
                    // "_" is literal, then the year.
                    return (
                        &layout[..i + 1],
                        Some((Std::LongYear, &layout[i + 1..i + 5])),
                        &layout[i + 5..],
                    );
                }
                Some((Std::UnderDay, 2))
            }
            b'_' if starts(b, i, "__2") => Some((Std::UnderYearDay, 3)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if starts(b, i, "PM") => Some((Std::PM, 2)),
            b'p' if starts(b, i, "pm") => Some((Std::Pm, 2)),
            b'-' => {
                if starts(b, i, "-070000") {
                    Some((Std::NumSecondsTz, 7))
                } else if starts(b, i, "-07:00:00") {
                    Some((Std::NumColonSecondsTz, 9))
                } else if starts(b, i, "-0700") {
                    Some((Std::NumTz, 5))
                } else if starts(b, i, "-07:00") {
                    Some((Std::NumColonTz, 6))
                } else if starts(b, i, "-07") {
                    Some((Std::NumShortTz, 3))
                } else {
                    None
                }
            }
            b'Z' => {
                if starts(b, i, "Z070000") {
                    Some((Std::Iso8601SecondsTz, 7))
                } else if starts(b, i, "Z07:00:00") {
                    Some((Std::Iso8601ColonSecondsTz, 9))
                } else if starts(b, i, "Z0700") {
                    Some((Std::Iso8601Tz, 5))
                } else if starts(b, i, "Z07:00") {
                    Some((Std::Iso8601ColonTz, 6))
                } else if starts(b, i, "Z07") {
                    Some((Std::Iso8601ShortTz, 3))
                } else {
                    None
                }
            }
            b'.' | b',' if i + 1 < b.len() && (b[i + 1] == b'0' || b[i + 1] == b'9') => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == ch {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    None
                } else if ch == b'0' {
                    Some((Std::Frac0(j - i - 1, b[i]), j - i))
                } else {
                    Some((Std::Frac9(j - i - 1, b[i]), j - i))
                }
            }
            _ => None,
        };
        if let Some((std, n)) = found {
            return (
                &layout[..i],
                Some((std, &layout[i..i + n])),
                &layout[i + n..],
            );
        }
    }
    (layout, None, "")
}

/// The civil fields of a time in its zone, for formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanosecond: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    /// 1-based day of the year.
    pub yday: u32,
    /// Seconds east of UTC.
    pub offset: i32,
    /// Zone abbreviation ("" when unnamed).
    pub abbr: String,
}

fn pad(out: &mut String, v: i64, width: usize) {
    if v < 0 {
        out.push('-');
        out.push_str(&format!("{:0width$}", -v));
    } else {
        out.push_str(&format!("{v:0width$}"));
    }
}

/// Go's `Time.Format`.
pub fn format(f: &Fields, layout: &str) -> String {
    let mut out = String::new();
    let mut rest = layout;
    loop {
        let (prefix, std, suffix) = next_chunk(rest);
        out.push_str(prefix);
        let Some((std, _)) = std else { break };
        rest = suffix;
        match std {
            Std::Year => pad(&mut out, f.year.rem_euclid(100), 2),
            Std::LongYear => pad(&mut out, f.year, 4),
            Std::Month => out.push_str(&LONG_MONTHS[(f.month - 1) as usize][..3]),
            Std::LongMonth => out.push_str(LONG_MONTHS[(f.month - 1) as usize]),
            Std::NumMonth => out.push_str(&f.month.to_string()),
            Std::ZeroMonth => pad(&mut out, f.month as i64, 2),
            Std::WeekDay => out.push_str(&LONG_DAYS[f.weekday as usize][..3]),
            Std::LongWeekDay => out.push_str(LONG_DAYS[f.weekday as usize]),
            Std::Day => out.push_str(&f.day.to_string()),
            Std::UnderDay => out.push_str(&format!("{:>2}", f.day)),
            Std::ZeroDay => pad(&mut out, f.day as i64, 2),
            Std::UnderYearDay => out.push_str(&format!("{:>3}", f.yday)),
            Std::ZeroYearDay => pad(&mut out, f.yday as i64, 3),
            Std::Hour => pad(&mut out, f.hour as i64, 2),
            Std::Hour12 | Std::ZeroHour12 => {
                let h = match f.hour % 12 {
                    0 => 12,
                    h => h,
                };
                if std == Std::Hour12 {
                    out.push_str(&h.to_string())
                } else {
                    pad(&mut out, h as i64, 2)
                }
            }
            Std::Minute => out.push_str(&f.minute.to_string()),
            Std::ZeroMinute => pad(&mut out, f.minute as i64, 2),
            Std::Second => out.push_str(&f.second.to_string()),
            Std::ZeroSecond => pad(&mut out, f.second as i64, 2),
            Std::PM => out.push_str(if f.hour >= 12 { "PM" } else { "AM" }),
            Std::Pm => out.push_str(if f.hour >= 12 { "pm" } else { "am" }),
            Std::Iso8601Tz
            | Std::Iso8601ColonTz
            | Std::Iso8601SecondsTz
            | Std::Iso8601ShortTz
            | Std::Iso8601ColonSecondsTz
            | Std::NumTz
            | Std::NumColonTz
            | Std::NumSecondsTz
            | Std::NumShortTz
            | Std::NumColonSecondsTz => {
                let iso = std.is_iso_zone();
                if iso && f.offset == 0 {
                    out.push('Z');
                    continue;
                }
                let mut zone = f.offset / 60;
                let mut abs = f.offset;
                if zone < 0 {
                    out.push('-');
                    zone = -zone;
                    abs = -abs;
                } else {
                    out.push('+');
                }
                pad(&mut out, (zone / 60) as i64, 2);
                let colon = matches!(
                    std,
                    Std::Iso8601ColonTz
                        | Std::NumColonTz
                        | Std::Iso8601ColonSecondsTz
                        | Std::NumColonSecondsTz
                );
                if colon {
                    out.push(':');
                }
                if !matches!(std, Std::NumShortTz | Std::Iso8601ShortTz) {
                    pad(&mut out, (zone % 60) as i64, 2);
                }
                if matches!(
                    std,
                    Std::Iso8601SecondsTz
                        | Std::NumSecondsTz
                        | Std::NumColonSecondsTz
                        | Std::Iso8601ColonSecondsTz
                ) {
                    if colon {
                        out.push(':');
                    }
                    pad(&mut out, (abs % 60) as i64, 2);
                }
            }
            Std::Tz => {
                if !f.abbr.is_empty() {
                    out.push_str(&f.abbr);
                } else {
                    let mut zone = f.offset / 60;
                    if zone < 0 {
                        out.push('-');
                        zone = -zone;
                    } else {
                        out.push('+');
                    }
                    pad(&mut out, (zone / 60) as i64, 2);
                    pad(&mut out, (zone % 60) as i64, 2);
                }
            }
            Std::Frac0(n, sep) | Std::Frac9(n, sep) => {
                let digits = format!("{:09}", f.nanosecond);
                let mut d = &digits[..n.min(9)];
                if matches!(std, Std::Frac9(..)) {
                    d = d.trim_end_matches('0');
                    if d.is_empty() {
                        continue;
                    }
                }
                out.push(sep as char);
                out.push_str(d);
            }
        }
    }
    out
}

/// A parsed zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedZone {
    /// No zone in the input.
    None,
    /// A numeric offset (or "Z": 0), seconds east of UTC.
    Offset(i32),
    /// A zone abbreviation ("MST", "UTC").
    Abbr(String),
}

/// The result of parsing: civil fields plus what zone the text named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanosecond: u32,
    pub zone: ParsedZone,
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

fn getnum(v: &str, fixed: bool) -> Option<(u32, &str)> {
    let b = v.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() {
        return None;
    }
    if b.len() < 2 || !b[1].is_ascii_digit() {
        if fixed {
            return None;
        }
        return Some(((b[0] - b'0') as u32, &v[1..]));
    }
    Some((((b[0] - b'0') * 10 + (b[1] - b'0')) as u32, &v[2..]))
}

fn getnum3(v: &str, fixed: bool) -> Option<(u32, &str)> {
    let b = v.as_bytes();
    let mut n = 0u32;
    let mut i = 0;
    while i < 3 && i < b.len() && b[i].is_ascii_digit() {
        n = n * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &v[i..]))
}

fn lookup<'a>(names: &[&str], v: &'a str, short: bool) -> Option<(usize, &'a str)> {
    for (i, name) in names.iter().enumerate() {
        let name = if short { &name[..3] } else { name };
        if let Some(head) = v.get(..name.len()) {
            if head.eq_ignore_ascii_case(name) {
                return Some((i, &v[name.len()..]));
            }
        }
    }
    None
}

/// Go's `skip`: matches literal layout text, spaces matching runs of spaces.
fn skip<'a>(mut value: &'a str, mut prefix: &str) -> Option<&'a str> {
    while !prefix.is_empty() {
        if prefix.starts_with(' ') {
            if !value.is_empty() && !value.starts_with(' ') {
                return None;
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        let c = prefix.chars().next()?;
        if !value.starts_with(c) {
            return None;
        }
        prefix = &prefix[c.len_utf8()..];
        value = &value[c.len_utf8()..];
    }
    Some(value)
}

fn parse_frac(v: &str, n: usize) -> Option<u32> {
    // v is ".ddd" or ",ddd".
    let digits = &v[1..];
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let _ = n;
    let mut s: String = digits.chars().take(9).collect();
    while s.len() < 9 {
        s.push('0');
    }
    s.parse().ok()
}

fn zone_abbr_len(v: &str) -> Option<usize> {
    let b = v.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if v.starts_with("ChST") || v.starts_with("MeST") {
        return Some(4);
    }
    if v.starts_with("GMT") {
        // GMT+h or GMT-h.
        let mut n = 3;
        if b.len() > 3 && (b[3] == b'+' || b[3] == b'-') {
            let mut j = 4;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > 4 {
                n = j;
            }
        }
        return Some(n);
    }
    if b[0] == b'+' || b[0] == b'-' {
        // "+03"-style numeric abbreviations.
        let mut j = 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        return if j == 3 || j == 5 { Some(j) } else { None };
    }
    let mut n = 0;
    while n < b.len() && b[n].is_ascii_uppercase() {
        n += 1;
    }
    match n {
        0..=2 => None,
        3 => Some(3),
        4 if b[3] == b'T' || v.starts_with("WITA") => Some(4),
        5 if b[4] == b'T' => Some(5),
        4 | 5 => None,
        _ => None,
    }
}

/// Go's `time.Parse` of `value` against `layout` (zone resolution left to the caller).
pub fn parse(layout: &str, value: &str) -> Result<Parsed, String> {
    let (alayout, avalue) = (layout, value);
    let mut p = Parsed {
        year: 1,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanosecond: 0,
        zone: ParsedZone::None,
    };
    let mut pm_set = false;
    let mut pm = false;
    let mut yday: i64 = -1;
    let mut day_set = false;
    let mut rest_layout = layout;
    let mut value = value;
    let cannot = |v: &str, elem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            quote(avalue),
            quote(alayout),
            quote(v),
            quote(elem)
        )
    };
    let range = |what: &str| format!("parsing time {}: {what} out of range", quote(avalue));
    loop {
        let (prefix, std, suffix) = next_chunk(rest_layout);
        let std_str = std.map(|(_, s)| s).unwrap_or("");
        value = match skip(value, prefix) {
            Some(v) => v,
            None => return Err(cannot(value, prefix)),
        };
        let Some((std, _)) = std else {
            if !value.is_empty() {
                return Err(format!(
                    "parsing time {}: extra text: {}",
                    quote(avalue),
                    quote(value)
                ));
            }
            break;
        };
        rest_layout = suffix;
        let hold = value;
        let ok: Option<&str> = (|| -> Option<&str> {
            match std {
                Std::Year => {
                    let b = value.as_bytes();
                    if b.len() < 2 || !b[0].is_ascii_digit() || !b[1].is_ascii_digit() {
                        return None;
                    }
                    let y: i64 = value[..2].parse().ok()?;
                    p.year = if y >= 69 { y + 1900 } else { y + 2000 };
                    Some(&value[2..])
                }
                Std::LongYear => {
                    if value.len() < 4 || !value.as_bytes()[..4].iter().all(|c| c.is_ascii_digit())
                    {
                        return None;
                    }
                    p.year = value[..4].parse().ok()?;
                    Some(&value[4..])
                }
                Std::Month | Std::LongMonth => {
                    let (m, r) = lookup(&LONG_MONTHS, value, std == Std::Month)?;
                    p.month = m as u32 + 1;
                    Some(r)
                }
                Std::NumMonth | Std::ZeroMonth => {
                    let (m, r) = getnum(value, std == Std::ZeroMonth)?;
                    p.month = m;
                    Some(r)
                }
                Std::WeekDay | Std::LongWeekDay => {
                    lookup(&LONG_DAYS, value, std == Std::WeekDay).map(|(_, r)| r)
                }
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    let v = if std == Std::UnderDay && value.starts_with(' ') {
                        &value[1..]
                    } else {
                        value
                    };
                    let (d, r) = getnum(v, std == Std::ZeroDay)?;
                    p.day = d;
                    day_set = true;
                    Some(r)
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    let mut v = value;
                    if std == Std::UnderYearDay {
                        v = v.trim_start_matches(' ');
                    }
                    let (d, r) = getnum3(v, std == Std::ZeroYearDay)?;
                    yday = d as i64;
                    Some(r)
                }
                Std::Hour => {
                    let (h, r) = getnum(value, false)?;
                    p.hour = h;
                    Some(r)
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    let (h, r) = getnum(value, std == Std::ZeroHour12)?;
                    p.hour = h;
                    Some(r)
                }
                Std::Minute | Std::ZeroMinute => {
                    let (m, r) = getnum(value, std == Std::ZeroMinute)?;
                    p.minute = m;
                    Some(r)
                }
                Std::Second | Std::ZeroSecond => {
                    let (s, mut r) = getnum(value, std == Std::ZeroSecond)?;
                    p.second = s;
                    // Fractional seconds after seconds, even if the layout lacks them.
                    let rb = r.as_bytes();
                    if rb.len() >= 2 && (rb[0] == b'.' || rb[0] == b',') && rb[1].is_ascii_digit() {
                        let (_, nstd, _) = next_chunk(rest_layout);
                        if !matches!(nstd, Some((Std::Frac0(..) | Std::Frac9(..), _))) {
                            let mut n = 1;
                            while n < rb.len() && rb[n].is_ascii_digit() {
                                n += 1;
                            }
                            p.nanosecond = parse_frac(&r[..n], n)?;
                            r = &r[n..];
                        }
                    }
                    Some(r)
                }
                Std::PM | Std::Pm => {
                    let v = value.get(..2)?;
                    let (up, down) = if std == Std::PM {
                        ("PM", "AM")
                    } else {
                        ("pm", "am")
                    };
                    if v == up {
                        pm = true;
                    } else if v != down {
                        return None;
                    }
                    pm_set = true;
                    Some(&value[2..])
                }
                Std::Iso8601Tz
                | Std::Iso8601ColonTz
                | Std::Iso8601SecondsTz
                | Std::Iso8601ShortTz
                | Std::Iso8601ColonSecondsTz
                | Std::NumTz
                | Std::NumShortTz
                | Std::NumColonTz
                | Std::NumSecondsTz
                | Std::NumColonSecondsTz => {
                    let iso = std.is_iso_zone();
                    if iso && value.starts_with('Z') {
                        p.zone = ParsedZone::Offset(0);
                        return Some(&value[1..]);
                    }
                    // Only the ASCII prefix can hold an offset (and slicing it is safe).
                    let ascii = value.bytes().take_while(|c| c.is_ascii()).count();
                    let b = &value.as_bytes()[..ascii];
                    let digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
                    let (h, m, s, rest): (&str, &str, &str, &str) = match std {
                        Std::NumColonTz | Std::Iso8601ColonTz => {
                            if b.len() < 6 || b[3] != b':' {
                                return None;
                            }
                            (&value[1..3], &value[4..6], "00", &value[6..])
                        }
                        Std::NumShortTz | Std::Iso8601ShortTz => {
                            if b.len() < 3 {
                                return None;
                            }
                            (&value[1..3], "00", "00", &value[3..])
                        }
                        Std::NumColonSecondsTz | Std::Iso8601ColonSecondsTz => {
                            if b.len() < 9 || b[3] != b':' || b[6] != b':' {
                                return None;
                            }
                            (&value[1..3], &value[4..6], &value[7..9], &value[9..])
                        }
                        Std::Iso8601SecondsTz | Std::NumSecondsTz => {
                            if b.len() < 7 {
                                return None;
                            }
                            (&value[1..3], &value[3..5], &value[5..7], &value[7..])
                        }
                        _ => {
                            if b.len() < 5 {
                                return None;
                            }
                            (&value[1..3], &value[3..5], "00", &value[5..])
                        }
                    };
                    if !digits(h) || !digits(m) || !digits(s) {
                        return None;
                    }
                    let (hh, mm, ss): (i32, i32, i32) =
                        (h.parse().ok()?, m.parse().ok()?, s.parse().ok()?);
                    if hh > 24 || mm > 60 || ss > 60 {
                        return None;
                    }
                    let mut off = (hh * 60 + mm) * 60 + ss;
                    match b[0] {
                        b'+' => {}
                        b'-' => off = -off,
                        _ => return None,
                    }
                    p.zone = ParsedZone::Offset(off);
                    Some(rest)
                }
                Std::Tz => {
                    if let Some(rest) = value.strip_prefix("UTC") {
                        p.zone = ParsedZone::Abbr("UTC".into());
                        return Some(rest);
                    }
                    let n = zone_abbr_len(value)?;
                    p.zone = ParsedZone::Abbr(value[..n].to_string());
                    Some(&value[n..])
                }
                Std::Frac0(n, _) => {
                    let n = n + 1;
                    if value.bytes().take(n).filter(|c| c.is_ascii()).count() < n {
                        return None;
                    }
                    let b = value.as_bytes();
                    if b[0] != b'.' && b[0] != b',' {
                        return None;
                    }
                    p.nanosecond = parse_frac(&value[..n], n)?;
                    Some(&value[n..])
                }
                Std::Frac9(..) => {
                    let b = value.as_bytes();
                    if b.len() < 2 || !(b[0] == b'.' || b[0] == b',') || !b[1].is_ascii_digit() {
                        // Fractional second omitted.
                        return Some(value);
                    }
                    let mut i = 1;
                    while i < b.len() && i < 10 && b[i].is_ascii_digit() {
                        i += 1;
                    }
                    p.nanosecond = parse_frac(&value[..i], i)?;
                    Some(&value[i..])
                }
            }
        })();
        match ok {
            Some(r) => value = r,
            None => return Err(cannot(hold, std_str)),
        }
        // Range checks as Go makes them while parsing.
        match std {
            Std::NumMonth | Std::ZeroMonth if p.month < 1 || p.month > 12 => {
                return Err(range("month"))
            }
            Std::Day | Std::UnderDay | Std::ZeroDay if p.day < 1 || p.day > 31 => {
                return Err(range("day"))
            }
            Std::UnderYearDay | Std::ZeroYearDay if !(1..=366).contains(&yday) => {
                return Err(range("day-of-year"))
            }
            Std::Hour if p.hour > 23 => return Err(range("hour")),
            Std::Hour12 | Std::ZeroHour12 if p.hour > 12 => return Err(range("hour")),
            Std::Minute | Std::ZeroMinute if p.minute > 59 => return Err(range("minute")),
            Std::Second | Std::ZeroSecond if p.second > 59 => return Err(range("second")),
            _ => {}
        }
    }
    if pm_set {
        if pm && p.hour < 12 {
            p.hour += 12;
        } else if !pm && p.hour == 12 {
            p.hour = 0;
        }
    }
    let leap = |y: i64| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    if yday >= 0 {
        let mut d = yday as u32;
        let mut m = 1u32;
        if leap(p.year) && d == 60 {
            m = 2;
            d = 29;
        } else {
            if leap(p.year) && d > 60 {
                d -= 1;
            }
            let days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            while m <= 12 && d > days[(m - 1) as usize] {
                d -= days[(m - 1) as usize];
                m += 1;
            }
            if m > 12 {
                return Err(range("day-of-year"));
            }
        }
        if (day_set && p.day != d) || (p.month != 1 && p.month != m) {
            return Err(format!(
                "parsing time {}: day-of-year does not match",
                quote(avalue)
            ));
        }
        p.month = m;
        p.day = d;
    }
    let dim = match p.month {
        2 if leap(p.year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if p.day > dim {
        return Err(range("day"));
    }
    Ok(p)
}
