//! Timestamp parsing for CSV columns: a fast path for the common
//! `YYYY-MM-DD[T ]HH:MM:SS` form, arrow's general parser for the rest.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef};
use arrow_schema::{ArrowError, TimeUnit};

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SS` (or a space for `T`),
/// read as UTC; None for anything else (including invalid dates).
fn fast_timestamp_secs(s: &[u8]) -> Option<i64> {
    if s.len() != 19
        || s[4] != b'-'
        || s[7] != b'-'
        || !(s[10] == b'T' || s[10] == b' ')
        || s[13] != b':'
        || s[16] != b':'
    {
        return None;
    }
    let num = |a: usize, b: usize| -> Option<i64> {
        let mut v = 0i64;
        for &c in &s[a..b] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d < 1 || d > dim || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + sec)
}

/// Parse a text column as timestamps of `unit` in `tz` (None: naive, as UTC),
/// as arrow-csv does. On failure: (row, message).
pub(crate) fn parse_timestamps(
    text: &arrow_array::StringArray,
    unit: TimeUnit,
    tz: Option<Arc<str>>,
) -> std::result::Result<ArrayRef, (usize, String)> {
    use arrow_array::types::{
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
        TimestampSecondType,
    };
    use arrow_array::PrimitiveArray;
    let zone: Option<arrow_array::timezone::Tz> = match &tz {
        Some(z) => Some(z.parse().map_err(|e: ArrowError| (0, e.to_string()))?),
        None => None,
    };
    let scale: i64 = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    let slow = |s: &str| -> std::result::Result<i64, String> {
        let r = match &zone {
            Some(z) => arrow_cast::parse::string_to_datetime(z, s).map(|d| d.naive_utc()),
            None => arrow_cast::parse::string_to_datetime(&chrono::Utc, s).map(|d| d.naive_utc()),
        };
        let dt = r
            .map_err(|e| format!("cannot parse '{s}' as a timestamp: {e}"))?
            .and_utc();
        let v = match unit {
            TimeUnit::Second => Some(dt.timestamp()),
            TimeUnit::Millisecond => Some(dt.timestamp_millis()),
            TimeUnit::Microsecond => Some(dt.timestamp_micros()),
            TimeUnit::Nanosecond => dt.timestamp_nanos_opt(),
        };
        v.ok_or_else(|| format!("'{s}' is out of range for a timestamp in {unit:?}s"))
    };
    let mut values = Vec::with_capacity(text.len());
    for i in 0..text.len() {
        if text.is_null(i) {
            values.push(0);
            continue;
        }
        let s = text.value(i);
        let fast = if zone.is_none() {
            fast_timestamp_secs(s.as_bytes()).and_then(|v| v.checked_mul(scale))
        } else {
            None
        };
        match fast {
            Some(v) => values.push(v),
            None => values.push(slow(s).map_err(|m| (i, m))?),
        }
    }
    let nulls = text.nulls().cloned();
    let values = arrow_buffer::ScalarBuffer::from(values);
    let arr: ArrayRef = match unit {
        TimeUnit::Second => Arc::new(
            PrimitiveArray::<TimestampSecondType>::new(values, nulls).with_timezone_opt(tz),
        ),
        TimeUnit::Millisecond => Arc::new(
            PrimitiveArray::<TimestampMillisecondType>::new(values, nulls).with_timezone_opt(tz),
        ),
        TimeUnit::Microsecond => Arc::new(
            PrimitiveArray::<TimestampMicrosecondType>::new(values, nulls).with_timezone_opt(tz),
        ),
        TimeUnit::Nanosecond => Arc::new(
            PrimitiveArray::<TimestampNanosecondType>::new(values, nulls).with_timezone_opt(tz),
        ),
    };
    Ok(arr)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast timestamp path agrees with arrow's parser wherever it answers.
    #[test]
    fn fast_timestamps_match_arrow() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut answered = 0;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let y = 1 + x % 9999;
            let mo = (x >> 14) % 14; // includes invalid 0 and 13
            let d = (x >> 18) % 33; // includes invalid days
            let h = (x >> 24) % 25;
            let mi = (x >> 30) % 61;
            let s = (x >> 36) % 61;
            let sep = if x >> 63 == 0 { 'T' } else { ' ' };
            let text = format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}");
            let arrow =
                arrow_cast::parse::string_to_datetime(&chrono::Utc, &text).map(|d| d.timestamp());
            match fast_timestamp_secs(text.as_bytes()) {
                Some(v) => {
                    answered += 1;
                    assert_eq!(arrow.ok(), Some(v), "{text}");
                }
                None => {
                    // Only declines what is invalid (or a leap second, which
                    // arrow may accept): the slow path decides those.
                    assert!(
                        arrow.is_err() || s == 60,
                        "{text} declined but arrow parsed it"
                    );
                }
            }
        }
        assert!(answered > 50_000);
        assert_eq!(fast_timestamp_secs(b"1970-01-01T00:00:00"), Some(0));
        assert_eq!(
            fast_timestamp_secs(b"2000-02-29 23:59:59"),
            Some(951_868_799)
        );
        assert_eq!(fast_timestamp_secs(b"1900-02-29T00:00:00"), None);
        assert_eq!(fast_timestamp_secs(b"2024-01-01T00:00:00Z"), None);
    }

    #[test]
    fn timestamp_column_with_odd_values_uses_the_general_parser() {
        let text = arrow_array::StringArray::from(vec![
            Some("2024-01-02T03:04:05"),
            None,
            Some("2024-01-02T03:04:05.250"),
            Some("2024-01-02T03:04:05+01:00"),
        ]);
        let arr = parse_timestamps(&text, TimeUnit::Millisecond, None).unwrap();
        let arr = arr
            .as_any()
            .downcast_ref::<arrow_array::TimestampMillisecondArray>()
            .unwrap();
        let base = 1_704_164_645_000i64;
        assert_eq!(arr.value(0), base);
        assert!(arr.is_null(1));
        assert_eq!(arr.value(2), base + 250);
        assert_eq!(arr.value(3), base - 3_600_000);
        let bad =
            arrow_array::StringArray::from(vec![Some("2024-01-02T03:04:05"), Some("yesterday")]);
        let (row, msg) = parse_timestamps(&bad, TimeUnit::Second, None).unwrap_err();
        assert_eq!(row, 1);
        assert!(msg.contains("yesterday"), "{msg}");
    }
}
