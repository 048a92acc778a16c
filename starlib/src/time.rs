//! `time` for starlib 1.x: starlark-go's time module (what Qri's starlib
//! 0.5 offered) plus the names of Qri's starlib 0.4, which the scripts of
//! Qri v0.9 and v0.10 call:
//!
//! - `time.time("2011-04-22T13:33:48Z", format=RFC3339, location="")`: a
//!   string parses (starlark-go's `time.time` takes keywords only, so the two
//!   never meet);
//! - `time.duration("1m30s")`, `time.fromtimestamp(sec)`, `time.zero`;
//! - `time.location(name)`: the zone's name, checked;
//! - `time.sleep(d)`: nanoseconds or a duration, ended early by the run's
//!   cancellation or deadline (an error then);
//! - `time.struct(**kwargs)`.
//!
//! starlib 0.4's accessors were methods (`t.year()`, `d.hours()`); here
//! they are starlark-go's attributes (`t.year`, `d.hours`), as in 0.5.

use crate::budget::Interrupt;
use crate::util::err;
use engine::args::type_error;
use engine::error::Result;
use engine::library::time::{Clock, Duration, Location, Time};
use engine::values::{Builtin, Module};
use engine::{Args, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Seconds from the Unix epoch to Go's zero time, 0001-01-01T00:00:00Z.
const GO_ZERO_UNIX: i64 = -62_135_596_800;

/// The 1.x `time` module value; `now()` reads `clock`, or the system clock.
pub fn module(clock: Option<Clock>) -> Value {
    let base = engine::library::time::module(clock);
    let Value::Module(m) = &base else {
        return base;
    };
    let mut members: BTreeMap<String, Value> = m.members.clone();
    let member = |name: &str| members.get(name).cloned().unwrap_or(Value::None);
    let (make_time, parse_time) = (member("time"), member("parse_time"));
    let time = Builtin::host("time", move |thread, args| match args.positional.first() {
        Some(Value::Str(_)) => thread.call(&parse_time, args),
        _ => thread.call(&make_time, args),
    });
    let valid = member("is_valid_timezone");
    let location = Builtin::host("location", move |thread, args| {
        const F: &str = "location";
        let a = args.positional_only(F, 1, 1)?;
        if a[0].as_str().is_none() {
            return Err(type_error(F, "x", &a[0], "string"));
        }
        if !thread.call(&valid, args)?.truth() {
            return Err(err(F, format!("unknown time zone {}", a[0])));
        }
        Ok(a[0].clone())
    });
    let zero = Time::from_unix(GO_ZERO_UNIX, 0, Location::Utc).map_or(Value::None, Value::native);
    let added = [
        ("time", time),
        ("duration", member("parse_duration")),
        ("fromtimestamp", member("from_timestamp")),
        ("location", location),
        ("zero", zero),
        ("sleep", Builtin::host("sleep", sleep)),
        ("struct", Builtin::func("struct", engine::make_struct)),
    ];
    for (name, value) in added {
        members.insert(name.to_string(), value);
    }
    Value::Module(Rc::new(Module::new("time", members)))
}

/// `time.sleep(d)`: `d` nanoseconds (an int, as starlib 0.4 took it) or a
/// duration; sleeps in short slices so that cancellation and the run's
/// deadline end it.
fn sleep(thread: &mut engine::Thread, args: &Args) -> Result<Value> {
    const F: &str = "sleep";
    let a = args.positional_only(F, 1, 1)?;
    let nanos = match &a[0] {
        Value::Native(n) => match n.as_any().downcast_ref::<Duration>() {
            Some(d) => d.0,
            None => return Err(type_error(F, "x", &a[0], "int or duration")),
        },
        v => v
            .as_i64()
            .ok_or_else(|| type_error(F, "x", v, "int or duration"))?,
    };
    let total = std::time::Duration::from_nanos(u64::try_from(nanos).unwrap_or(0));
    let stop = Interrupt::of(thread);
    let end = std::time::Instant::now() + total;
    loop {
        stop.check()?;
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Ok(Value::None);
        }
        std::thread::sleep(left.min(std::time::Duration::from_millis(20)));
    }
}
