//! The `time` module, as starlark-go's `go.starlark.net/lib/time`, on chrono
//! and chrono-tz: `now`, `parse_time` (Go layouts), `time(...)`,
//! `from_timestamp`, `parse_duration`, `is_valid_timezone`, the duration
//! constants, and `time.time` / `time.duration` values with their
//! attributes, methods, arithmetic and comparisons.

pub mod duration;
mod layout;

use super::module_value as make_module;
use crate::args::type_error;
use crate::args::{name_err as err, required};
use crate::error::{EvalError, Result};
use crate::syntax::ast::{BinaryOp, UnaryOp};
use crate::values::{Builtin, NativeValue};
use crate::{Args, Thread, Value};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use chrono_tz::{OffsetName, Tz};
use std::any::Any;
use std::cmp::Ordering;
use std::sync::Arc;

/// A time zone: UTC, an IANA zone, or a fixed offset (from parsed text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// UTC.
    Utc,
    /// An IANA zone.
    Zone(Tz),
    /// A fixed offset, seconds east of UTC, with its (possibly empty) name.
    Fixed(i32, String),
}

impl Location {
    /// Go's `time.LoadLocation`: "" and "UTC" are UTC, "Local" the host's zone.
    pub fn load(name: &str) -> std::result::Result<Location, String> {
        match name {
            "" | "UTC" => Ok(Location::Utc),
            "Local" => Ok(local_location()),
            _ => name
                .parse::<Tz>()
                .map(Location::Zone)
                .map_err(|_| format!("unknown time zone {name}")),
        }
    }

    /// The offset (seconds east of UTC) and abbreviation in effect at `utc`.
    pub fn offset_at(&self, utc: &NaiveDateTime) -> (i32, String) {
        match self {
            Location::Utc => (0, "UTC".into()),
            Location::Zone(tz) => {
                let o = tz.offset_from_utc_datetime(utc);
                (
                    o.fix().local_minus_utc(),
                    o.abbreviation().unwrap_or("").to_string(),
                )
            }
            Location::Fixed(off, name) => (*off, name.clone()),
        }
    }

    /// The offset to use for civil time `local` in this zone.
    fn offset_for_local(&self, local: &NaiveDateTime) -> i32 {
        match self {
            Location::Utc => 0,
            Location::Fixed(off, _) => *off,
            Location::Zone(tz) => match tz.offset_from_local_datetime(local) {
                chrono::LocalResult::Single(o) => o.fix().local_minus_utc(),
                chrono::LocalResult::Ambiguous(a, _) => a.fix().local_minus_utc(),
                chrono::LocalResult::None => {
                    tz.offset_from_utc_datetime(local).fix().local_minus_utc()
                }
            },
        }
    }

    /// The zone's name as Go's `Location.String` gives it.
    pub fn name(&self) -> String {
        match self {
            Location::Utc => "UTC".into(),
            Location::Zone(tz) => tz.name().to_string(),
            Location::Fixed(_, n) => n.clone(),
        }
    }
}

/// The host's zone: `$TZ`, else `/etc/localtime`'s zone name, else UTC.
fn local_location() -> Location {
    if let Ok(tz) = std::env::var("TZ") {
        if let Ok(z) = tz.trim_start_matches(':').parse::<Tz>() {
            return Location::Zone(z);
        }
    }
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        let s = target.to_string_lossy();
        if let Some(i) = s.find("zoneinfo/") {
            if let Ok(z) = s[i + 9..].parse::<Tz>() {
                return Location::Zone(z);
            }
        }
    }
    Location::Utc
}

/// A `time.time` value: an instant (Unix seconds and nanoseconds) in a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Time {
    /// Seconds since the Unix epoch.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nsec: u32,
    /// The zone used for its civil fields.
    pub loc: Location,
}

const NANOS: i64 = 1_000_000_000;

impl Time {
    /// The instant `secs`+`nsec` after the epoch (nsec may be any value).
    pub fn from_unix(secs: i64, nsec: i64, loc: Location) -> Option<Time> {
        let secs = secs.checked_add(nsec.div_euclid(NANOS))?;
        let t = Time {
            secs,
            nsec: nsec.rem_euclid(NANOS) as u32,
            loc,
        };
        t.naive_utc().map(|_| t)
    }

    fn naive_utc(&self) -> Option<NaiveDateTime> {
        DateTime::from_timestamp(self.secs, self.nsec).map(|d| d.naive_utc())
    }

    /// Civil fields in the time's zone.
    pub fn fields(&self) -> layout::Fields {
        let utc = self.naive_utc().unwrap_or_default();
        let (offset, abbr) = self.loc.offset_at(&utc);
        let local = utc + chrono::Duration::seconds(offset as i64);
        layout::Fields {
            year: local.year() as i64,
            month: local.month(),
            day: local.day(),
            hour: local.hour(),
            minute: local.minute(),
            second: local.second(),
            nanosecond: self.nsec,
            weekday: local.weekday().num_days_from_sunday(),
            yday: local.ordinal(),
            offset,
            abbr,
        }
    }

    /// Go's `Time.Format`.
    pub fn format(&self, layout: &str) -> String {
        layout::format(&self.fields(), layout)
    }

    /// Nanoseconds since the epoch (saturating, like Go's UnixNano).
    pub fn unix_nano(&self) -> i64 {
        (self.secs as i128 * NANOS as i128 + self.nsec as i128)
            .clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }

    fn total_nanos(&self) -> i128 {
        self.secs as i128 * NANOS as i128 + self.nsec as i128
    }

    fn add_nanos(&self, d: i64) -> Result<Time> {
        let total = self.total_nanos() + d as i128;
        let secs = total.div_euclid(NANOS as i128);
        let nsec = total.rem_euclid(NANOS as i128) as i64;
        i64::try_from(secs)
            .ok()
            .and_then(|s| Time::from_unix(s, nsec, self.loc.clone()))
            .ok_or_else(|| EvalError::new("time.time: result out of range"))
    }

    /// Civil time `year-month-day hour:min:sec + nsec` in `loc`, normalising
    /// out-of-range fields as Go's `time.Date` does.
    #[allow(clippy::too_many_arguments)]
    pub fn date(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        min: i64,
        sec: i64,
        nsec: i64,
        loc: Location,
    ) -> Option<Time> {
        let m0 = month.checked_sub(1)?;
        let year = year.checked_add(m0.div_euclid(12))?;
        let month = (m0.rem_euclid(12) + 1) as u32;
        let first = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, 1)?;
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
        let days = (first - epoch)
            .num_days()
            .checked_add(day.checked_sub(1)?)?;
        let local_secs = days
            .checked_mul(86_400)?
            .checked_add(hour.checked_mul(3600)?)?
            .checked_add(min.checked_mul(60)?)?
            .checked_add(sec)?
            .checked_add(nsec.div_euclid(NANOS))?;
        let nsec = nsec.rem_euclid(NANOS);
        let local = DateTime::from_timestamp(local_secs, 0)?.naive_utc();
        let off = loc.offset_for_local(&local);
        Time::from_unix(local_secs.checked_sub(off as i64)?, nsec, loc)
    }
}

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.format("2006-01-02 15:04:05.999999999 -0700 MST"))
    }
}

/// A `time.duration` value: signed nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub i64);

fn as_time(v: &Value) -> Option<&Time> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<Time>(),
        _ => None,
    }
}

fn as_duration(v: &Value) -> Option<Duration> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<Duration>().copied(),
        _ => None,
    }
}

fn mix(x: i64) -> u64 {
    let x = x as u64;
    (x ^ (x >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl NativeValue for Duration {
    fn type_name(&self) -> &str {
        "time.duration"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&duration::format(self.0));
    }
    fn truth(&self) -> bool {
        self.0 != 0
    }
    fn hash(&self) -> Result<u64> {
        Ok(mix(self.0))
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Result<Option<Value>> {
        let d = self.0;
        Ok(Some(match name {
            "hours" => Value::Float(
                (d / 3_600_000_000_000) as f64 + (d % 3_600_000_000_000) as f64 / 3.6e12,
            ),
            "minutes" => {
                Value::Float((d / 60_000_000_000) as f64 + (d % 60_000_000_000) as f64 / 6e10)
            }
            "seconds" => Value::Float((d / NANOS) as f64 + (d % NANOS) as f64 / 1e9),
            "milliseconds" => Value::Int(d / 1_000_000),
            "microseconds" => Value::Int(d / 1_000),
            "nanoseconds" => Value::Int(d),
            _ => return Ok(None),
        }))
    }
    fn attr_names(&self) -> Vec<String> {
        [
            "hours",
            "microseconds",
            "milliseconds",
            "minutes",
            "nanoseconds",
            "seconds",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }
    fn binary(&self, op: BinaryOp, other: &Value, left: bool) -> Result<Option<Value>> {
        let x = self.0;
        let div0 = || EvalError::new("time.duration division by zero");
        let overflow = || EvalError::new("time.duration overflow");
        Ok(Some(match op {
            BinaryOp::Add => {
                if let Some(y) = as_duration(other) {
                    Value::native(Duration(x.checked_add(y.0).ok_or_else(overflow)?))
                } else if let Some(t) = as_time(other) {
                    Value::native(t.add_nanos(x)?)
                } else {
                    return Ok(None);
                }
            }
            BinaryOp::Sub => match as_duration(other) {
                Some(y) => {
                    let (a, b) = if left { (x, y.0) } else { (y.0, x) };
                    Value::native(Duration(a.checked_sub(b).ok_or_else(overflow)?))
                }
                None => return Ok(None),
            },
            BinaryOp::Div => {
                if let Some(y) = as_duration(other) {
                    let (a, b) = if left { (x, y.0) } else { (y.0, x) };
                    if b == 0 {
                        return Err(div0());
                    }
                    Value::Float(a as f64 / b as f64)
                } else if !left {
                    return Err(EvalError::new(format!(
                        "unsupported operation: {} / time.duration",
                        other.type_name()
                    )));
                } else if let Value::Int(i) = other {
                    if *i == 0 {
                        return Err(div0());
                    }
                    Value::native(Duration(x.wrapping_div(*i)))
                } else if let Value::Float(f) = other {
                    if *f == 0.0 {
                        return Err(div0());
                    }
                    Value::native(Duration((x as f64 / f) as i64))
                } else {
                    return Ok(None);
                }
            }
            BinaryOp::FloorDiv => match as_duration(other) {
                Some(y) => {
                    let (a, b) = if left { (x, y.0) } else { (y.0, x) };
                    if b == 0 {
                        return Err(div0());
                    }
                    Value::Int(a.wrapping_div(b))
                }
                None => return Ok(None),
            },
            BinaryOp::Mul => match other {
                Value::Int(i) => Value::native(Duration(x.checked_mul(*i).ok_or_else(overflow)?)),
                _ => return Ok(None),
            },
            _ => return Ok(None),
        }))
    }
    fn unary(&self, op: UnaryOp) -> Result<Option<Value>> {
        Ok(match op {
            UnaryOp::Minus => Some(Value::native(Duration(self.0.wrapping_neg()))),
            UnaryOp::Plus => Some(Value::native(*self)),
            _ => None,
        })
    }
    fn equals(&self, other: &Value) -> Result<bool> {
        Ok(as_duration(other) == Some(*self))
    }
    fn compare(&self, other: &Value) -> Result<Option<Ordering>> {
        Ok(as_duration(other).map(|o| self.0.cmp(&o.0)))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl NativeValue for Time {
    fn type_name(&self) -> &str {
        "time.time"
    }
    fn repr(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
    fn truth(&self) -> bool {
        // Go's zero time: January 1, year 1, 00:00:00 UTC.
        !(self.secs == -62_135_596_800 && self.nsec == 0)
    }
    fn hash(&self) -> Result<u64> {
        Ok(mix(self.unix_nano()))
    }
    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        let f = || self.fields();
        Ok(Some(match name {
            "year" => Value::Int(f().year),
            "month" => Value::Int(f().month as i64),
            "day" => Value::Int(f().day as i64),
            "hour" => Value::Int(f().hour as i64),
            "minute" => Value::Int(f().minute as i64),
            "second" => Value::Int(f().second as i64),
            "nanosecond" => Value::Int(self.nsec as i64),
            "unix" => Value::Int(self.secs),
            "unix_nano" => Value::Int(self.unix_nano()),
            "format" => Builtin::method("format", this.clone(), time_format),
            "in_location" => Builtin::method("in_location", this.clone(), time_in_location),
            _ => return Ok(None),
        }))
    }
    fn attr_names(&self) -> Vec<String> {
        [
            "day",
            "format",
            "hour",
            "in_location",
            "minute",
            "month",
            "nanosecond",
            "second",
            "unix",
            "unix_nano",
            "year",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }
    fn binary(&self, op: BinaryOp, other: &Value, left: bool) -> Result<Option<Value>> {
        Ok(Some(match op {
            BinaryOp::Add => match as_duration(other) {
                Some(d) => Value::native(self.add_nanos(d.0)?),
                None => return Ok(None),
            },
            BinaryOp::Sub if left => {
                if let Some(d) = as_duration(other) {
                    Value::native(
                        self.add_nanos(
                            d.0.checked_neg()
                                .ok_or_else(|| EvalError::new("time.duration overflow"))?,
                        )?,
                    )
                } else if let Some(t) = as_time(other) {
                    let diff = self.total_nanos() - t.total_nanos();
                    Value::native(Duration(
                        diff.clamp(i64::MIN as i128, i64::MAX as i128) as i64
                    ))
                } else {
                    return Ok(None);
                }
            }
            _ => return Ok(None),
        }))
    }
    fn equals(&self, other: &Value) -> Result<bool> {
        Ok(as_time(other).is_some_and(|o| o.total_nanos() == self.total_nanos()))
    }
    fn compare(&self, other: &Value) -> Result<Option<Ordering>> {
        Ok(as_time(other).map(|o| self.total_nanos().cmp(&o.total_nanos())))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn recv_time(recv: &Value) -> Result<&Time> {
    as_time(recv).ok_or_else(|| EvalError::new("method called on a value that is not a time.time"))
}

fn time_format(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = args.positional_only("format", 1, 1)?;
    let layout = crate::args::convert::<String>("format", "layout", &a[0])?;
    Ok(Value::from(recv_time(recv)?.format(&layout)))
}

fn time_in_location(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let a = args.positional_only("in_location", 1, 1)?;
    let name = crate::args::convert::<String>("in_location", "location", &a[0])?;
    let loc = Location::load(&name).map_err(|e| err("in_location", e))?;
    let t = recv_time(recv)?;
    Ok(Value::native(Time { loc, ..t.clone() }))
}

/// A clock a host may substitute for `time.now()` (deterministic runs).
pub type Clock = Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>;

/// The `time` module value; `now()` reads `clock`, or the system clock.
pub fn module(clock: Option<Clock>) -> Value {
    let now = Builtin::host("now", move |_t, args| {
        args.none("now")?;
        let now = match &clock {
            Some(c) => c(),
            None => chrono::Utc::now(),
        };
        let t = Time::from_unix(
            now.timestamp(),
            now.timestamp_subsec_nanos() as i64,
            local_location(),
        )
        .ok_or_else(|| EvalError::new("now: clock out of range"))?;
        Ok(Value::native(t))
    });
    let d = |n: i64| Value::native(Duration(n));
    make_module(
        "time",
        vec![
            (
                "from_timestamp",
                Builtin::func("from_timestamp", from_timestamp),
            ),
            (
                "is_valid_timezone",
                Builtin::func("is_valid_timezone", is_valid_timezone),
            ),
            ("now", now),
            (
                "parse_duration",
                Builtin::func("parse_duration", parse_duration),
            ),
            ("parse_time", Builtin::func("parse_time", parse_time)),
            ("time", Builtin::func("time", new_time)),
            ("nanosecond", d(1)),
            ("microsecond", d(1_000)),
            ("millisecond", d(1_000_000)),
            ("second", d(NANOS)),
            ("minute", d(60 * NANOS)),
            ("hour", d(3600 * NANOS)),
        ],
    )
}

fn parse_duration(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = args.positional_only("parse_duration", 1, 1)?;
    if let Some(d) = as_duration(&a[0]) {
        return Ok(Value::native(d));
    }
    match &a[0] {
        Value::Str(s) => duration::parse(&s.to_str_lossy())
            .map(|d| Value::native(Duration(d)))
            .map_err(|e| err("parse_duration", e)),
        v => Err(err(
            "parse_duration",
            format!(
                "for parameter 1: got {}, want a duration, string, or int",
                v.type_name()
            ),
        )),
    }
}

fn is_valid_timezone(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = args.positional_only("is_valid_timezone", 1, 1)?;
    let s = crate::args::convert::<String>("is_valid_timezone", "loc", &a[0])?;
    Ok(Value::Bool(Location::load(&s).is_ok()))
}

fn from_timestamp(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "from_timestamp";
    let a = args.positional_only(F, 1, 2)?;
    let sec = crate::args::convert::<i64>(F, "sec", &a[0])?;
    let nsec = match a.get(1) {
        Some(v) => crate::args::convert::<i64>(F, "nsec", v)?,
        None => 0,
    };
    Time::from_unix(sec, nsec, local_location())
        .map(Value::native)
        .ok_or_else(|| err(F, "timestamp out of range"))
}

/// Turns parsed fields into a time, resolving the zone as Go's
/// `ParseInLocation` does.
pub fn resolve_parsed(p: &layout::Parsed, loc: &Location) -> Option<Time> {
    let civil = |l: Location| {
        Time::date(
            p.year,
            p.month as i64,
            p.day as i64,
            p.hour as i64,
            p.minute as i64,
            p.second as i64,
            p.nanosecond as i64,
            l,
        )
    };
    match &p.zone {
        layout::ParsedZone::None => civil(loc.clone()),
        layout::ParsedZone::Offset(off) => {
            let t = civil(Location::Fixed(*off, String::new()))?;
            // Use the requested location if it has this offset at that instant.
            let (loc_off, _) = loc.offset_at(&t.naive_utc()?);
            if loc_off == *off {
                return Some(Time {
                    loc: loc.clone(),
                    ..t
                });
            }
            if *off == 0 && *loc == Location::Utc {
                return Some(Time {
                    loc: Location::Utc,
                    ..t
                });
            }
            Some(t)
        }
        layout::ParsedZone::Abbr(name) => {
            let t = civil(loc.clone())?;
            let (_, abbr) = loc.offset_at(&t.naive_utc()?);
            if &abbr == name {
                return Some(t);
            }
            if name == "UTC" {
                return civil(Location::Utc);
            }
            if let Some(rest) = name.strip_prefix("GMT") {
                let off: i32 = if rest.is_empty() {
                    0
                } else {
                    rest.parse().ok()?
                };
                return civil(Location::Fixed(off * 3600, name.clone()));
            }
            civil(Location::Fixed(0, name.clone()))
        }
    }
}

fn parse_time(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "parse_time";
    let [x, format, location] = args.bind(F, &["x", "format?", "location?"])?;
    let x = required::<String>(F, "x", &x)?;
    let format = crate::args::optional(
        F,
        "format",
        &format,
        "2006-01-02T15:04:05Z07:00".to_string(),
    )?;
    let location = crate::args::optional(F, "location", &location, "UTC".to_string())?;
    let loc = Location::load(&location).map_err(|e| err(F, e))?;
    let p = layout::parse(&format, &x).map_err(|e| err(F, e))?;
    resolve_parsed(&p, &loc)
        .map(Value::native)
        .ok_or_else(|| err(F, format!("parsing time {x:?}: out of range")))
}

fn new_time(_t: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "time";
    if !args.positional.is_empty() {
        return Err(err(F, "unexpected positional arguments"));
    }
    let [year, month, day, hour, minute, second, nanosecond, location] = args.bind(
        F,
        &[
            "year?",
            "month?",
            "day?",
            "hour?",
            "minute?",
            "second?",
            "nanosecond?",
            "location?",
        ],
    )?;
    let i = |p: &str, v: &Option<Value>| crate::args::optional(F, p, v, 0i64);
    let loc = match &location {
        None | Some(Value::None) => Location::Utc,
        Some(Value::Str(s)) => Location::load(&s.to_str_lossy()).map_err(|e| err(F, e))?,
        Some(v) => return Err(type_error(F, "location", v, "string")),
    };
    Time::date(
        i("year", &year)?,
        i("month", &month)?,
        i("day", &day)?,
        i("hour", &hour)?,
        i("minute", &minute)?,
        i("second", &second)?,
        i("nanosecond", &nanosecond)?,
        loc,
    )
    .map(Value::native)
    .ok_or_else(|| err(F, "date out of range"))
}
