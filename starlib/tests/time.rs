//! The `time` module against values Go's time package gives.

mod common;
use common::*;

#[test]
fn durations() {
    ok(
        "^1",
        r#"
load("time.star", "time")
d = time.parse_duration("1h2m3.5s")
assert_eq(str(d), "1h2m3.5s")
assert_eq(d.seconds, 3723.5)
assert_eq(d.nanoseconds, 3723500000000)
assert_eq(d.milliseconds, 3723500)
assert_eq(d.microseconds, 3723500000)
assert_eq(d.minutes, 62 + 3.5 / 60)
assert_eq(d.hours, 1.0343055555555556)
assert_eq(str(time.parse_duration("1.5us")), "1.5\u00b5s")
assert_eq(str(time.parse_duration("1.5µs")), "1.5\u00b5s")
assert_eq(str(time.parse_duration("-1.5h")), "-1h30m0s")
assert_eq(str(time.parse_duration("300ms")), "300ms")
assert_eq(str(time.parse_duration("0")), "0s")
assert_eq(str(time.minute * 2), "2m0s")
assert_eq(str(2 * time.minute), "2m0s")
assert_eq(str(time.hour - time.minute), "59m0s")
assert_eq(time.hour / time.minute, 60.0)
assert_eq(time.hour // (time.minute * 7), 8)
assert_eq(str(time.hour / 4), "15m0s")
assert_eq(str(time.second / 2.0), "500ms")
assert_eq(str(-time.second), "-1s")
assert_true(time.second < time.minute)
assert_true(time.minute == time.second * 60)
assert_eq(type(time.second), "time.duration")
assert_eq(time.parse_duration(time.second), time.second)
assert_eq(bool(time.parse_duration("0s")), False)
assert_eq({time.second: 1}[time.millisecond * 1000], 1)
"#,
    );
}

#[test]
fn duration_errors() {
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_duration("1x")"#,
        r#"parse_duration: time: unknown unit "x" in duration "1x""#,
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_duration("abc")"#,
        r#"time: invalid duration "abc""#,
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_duration("1")"#,
        r#"time: missing unit in duration "1""#,
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_duration(1)"#,
        "got int, want a duration, string, or int",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.second / 0"#,
        "time.duration division by zero",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.second < 3"#,
        "not implemented",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_duration("9999999999h")"#,
        "invalid duration",
    );
}

#[test]
fn parse_and_format() {
    ok(
        "^1",
        r#"
load("time.star", "time")
t = time.parse_time("2021-03-22T23:20:50.52Z")
assert_eq(str(t), "2021-03-22 23:20:50.52 +0000 UTC")
assert_eq(t.unix, 1616455250)
assert_eq(t.nanosecond, 520000000)
assert_eq(t.unix_nano, 1616455250520000000)
assert_eq([t.year, t.month, t.day, t.hour, t.minute, t.second], [2021, 3, 22, 23, 20, 50])
assert_eq(t.format("2006-01-02T15:04:05.000Z07:00"), "2021-03-22T23:20:50.520Z")
assert_eq(t.format("Mon Jan _2 15:04:05 2006"), "Mon Mar 22 23:20:50 2021")
assert_eq(t.format("Monday, 02-Jan-06 3:04PM"), "Monday, 22-Mar-21 11:20PM")
assert_eq(t.format("002 __2 .999 ,000000"), "081  81 .52 ,520000")
u = time.parse_time("2021-03-22T23:20:50+01:00")
assert_eq(str(u), "2021-03-22 23:20:50 +0100 +0100")
assert_eq(u.unix, 1616451650)
assert_eq(u.format(time.RFC3339 if hasattr(time, "RFC3339") else "2006-01-02T15:04:05Z07:00"), "2021-03-22T23:20:50+01:00")
b = time.parse_time("2021-07-01 12:00", format = "2006-01-02 15:04", location = "Europe/Berlin")
assert_eq(str(b), "2021-07-01 12:00:00 +0200 CEST")
assert_eq(b.unix, 1625133600)
w = time.parse_time("Jan 2, 2006 at 3:04pm (MST)", "Jan 2, 2006 at 3:04pm (MST)")
assert_eq(w.format("15:04 MST"), "15:04 MST")
c = time.parse_time("12/31/99 11:59:59.123456789 PM", "01/02/06 03:04:05 PM")
assert_eq(str(c), "1999-12-31 23:59:59.123456789 +0000 UTC")
assert_eq(time.parse_time("2020-060", "2006-002").format("2006-01-02"), "2020-02-29")
"#,
    );
}

#[test]
fn parse_errors() {
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_time("bad")"#,
        r#"parse_time: parsing time "bad" as "2006-01-02T15:04:05Z07:00": cannot parse "bad" as "2006""#,
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_time("2021-13-01", "2006-01-02")"#,
        r#"parsing time "2021-13-01": month out of range"#,
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_time("2021-02-30", "2006-01-02")"#,
        "day out of range",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_time("2021-02-03x", "2006-01-02")"#,
        r#"extra text: "x""#,
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_time("2021-02-03", "2006-01-02", "Mars/Base")"#,
        "unknown time zone Mars/Base",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_time(1)"#,
        "parse_time: for parameter x: got int, want string",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.parse_time("2021", format = 3)"#,
        "for parameter format: got int, want string",
    );
}

#[test]
fn constructors_and_arithmetic() {
    ok(
        "^1",
        r#"
load("time.star", "time")
t = time.time(year = 2009, month = 11, day = 10, hour = 23, location = "America/New_York")
assert_eq(str(t), "2009-11-10 23:00:00 -0500 EST")
assert_eq(t.unix, 1257912000)
assert_eq(str(t.in_location("UTC")), "2009-11-11 04:00:00 +0000 UTC")
assert_eq(t.in_location("UTC"), t)
assert_eq(str(time.time()), "-0001-11-30 00:00:00 +0000 UTC")
assert_eq(bool(time.time(year = 1, month = 1, day = 1)), False)
assert_eq(bool(t), True)
assert_eq(str(time.time(year = 2021, month = 14, day = 0)), "2022-01-31 00:00:00 +0000 UTC")
f = time.from_timestamp(1616455250, 5).in_location("UTC")
assert_eq(str(f), "2021-03-22 23:20:50.000000005 +0000 UTC")
assert_eq(time.from_timestamp(0).unix, 0)
later = t + time.hour * 25
assert_eq(str(later), "2009-11-12 00:00:00 -0500 EST")
assert_eq(later - t, time.hour * 25)
assert_eq(str(t - time.minute), "2009-11-10 22:59:00 -0500 EST")
assert_eq(str(time.second + t), "2009-11-10 23:00:01 -0500 EST")
assert_true(later > t)
assert_true(t < later and t <= t and not (t < t))
assert_eq({t: "x"}[t.in_location("Asia/Tokyo")], "x")
assert_eq(time.is_valid_timezone("Europe/Berlin"), True)
assert_eq(time.is_valid_timezone("Mars/Base"), False)
assert_eq(time.is_valid_timezone(""), True)
assert_eq(type(t), "time.time")
assert_true("format" in dir(t) and "unix" in dir(t))
"#,
    );
}

#[test]
fn constructor_errors() {
    fails(
        "^1",
        r#"load("time.star", "time")
time.time(2020)"#,
        "time: unexpected positional arguments",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.time(year = "x")"#,
        "time: for parameter year: got string, want int",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.time(location = "Nowhere/Land")"#,
        "unknown time zone Nowhere/Land",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.from_timestamp("x")"#,
        "from_timestamp: for parameter sec: got string, want int",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.from_timestamp(1, 2, 3)"#,
        "from_timestamp: got 3 arguments, want at most 2",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.now(1)"#,
        "now: got 1 argument",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.time().in_location("Nope")"#,
        "in_location: unknown time zone Nope",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.time().format(1)"#,
        "format: for parameter layout: got int, want string",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.time() + 1"#,
        "unknown binary op",
    );
    fails(
        "^1",
        r#"load("time.star", "time")
time.time().nope"#,
        "nope",
    );
}

#[test]
fn now_uses_host_clock() {
    use chrono::TimeZone;
    let fixed = chrono::Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap();
    let mut cfg = test_config();
    cfg.clock = Some(std::sync::Arc::new(move || fixed));
    let r = run_with(
        "^1",
        r#"load("time.star", "time")
n = time.now().unix
"#,
        cfg,
        Default::default(),
    );
    let m = r.result.unwrap();
    assert_eq!(get_str(&m, "n"), fixed.timestamp().to_string());
    // Without a clock, now() is the wall clock.
    let m = ok("^1", "load('time.star', 'time')\nn = time.now().unix");
    let n: i64 = get_str(&m, "n").parse().unwrap();
    assert!((n - chrono::Utc::now().timestamp()).abs() < 60);
}

#[test]
fn parse_never_panics_on_odd_input() {
    let layouts = [
        "2006-01-02T15:04:05Z07:00",
        "Jan _2 15:04:05.000 MST",
        "3:04PM -0700",
        "Monday 002 -07:00:00 Z0700",
        "06 1 2 .999 ,000 pm",
    ];
    let values = [
        "",
        "é",
        "aé",
        "Jé",
        "12é",
        "+0é:00",
        "2021-03-22T23:20:50+0é:00",
        "3:04PéM",
        "Jan é",
        "UTé",
        "1.é",
        "٣:04PM",
    ];
    for l in layouts {
        for v in values {
            let src = format!("load('time.star', 'time')\nx = time.parse_time({v:?}, {l:?})\n");
            // Errors are fine; a panic fails the test.
            let _ = run("^1", &src);
        }
    }
}

/// starlib 0.4's names under 1.x (Qri v0.9/v0.10 scripts), beside
/// starlark-go's: a string to `time.time`, `duration`, `fromtimestamp`,
/// `zero`, `location`, `sleep`, `struct`.
#[test]
fn starlib_04_names_under_1x() {
    ok(
        "1",
        r#"
load("time.star", "time")
t = time.time("2011-04-22T13:33:48Z")
assert_eq(t, time.parse_time("2011-04-22T13:33:48Z"))
assert_eq(time.zero, time.time("0001-01-01T00:00:00Z"))
assert_true(time.time("2010-04-22T13:33:48Z") < t)
assert_eq(time.time("2020-06-26T17:38:36Z"), time.fromtimestamp(1593193116))
assert_eq(time.zero.format("Mon Jan 2 15:04:05 -0700 MST 2006"), "Mon Jan 1 00:00:00 +0000 UTC 0001")
t2 = time.time("2000-01-02T03:04:05Z")
assert_eq(t2.year, 2000)
assert_eq(t2.in_location("US/Eastern"), time.time("2000-01-01T22:04:05-05:00"))
assert_eq(t2.in_location("US/Eastern").format("3 04 PM"), "10 04 PM")
local = time.time("2000-01-02 03:04", format = "2006-01-02 15:04", location = "US/Eastern")
assert_eq(local, time.time("2000-01-02T08:04:00Z"))
d = time.duration("1s")
assert_eq(d + d, time.duration("2s"))
assert_eq(d * 5, time.duration("5s"))
assert_eq(time.duration("10h").hours, 10.0)
assert_eq(time.location("US/Eastern"), "US/Eastern")
time.sleep(1000000)
time.sleep(time.millisecond)
assert_eq(time.struct(a = 1).a, 1)
assert_eq(time.time(year = 2000, month = 6, day = 1).year, 2000)
"#,
    );
    let e = run(
        "1",
        "load('time.star', 'time')\ntime.location('Mars/Olympus')\n",
    )
    .unwrap_err();
    assert!(
        e.contains("location: unknown time zone Mars/Olympus"),
        "{e}"
    );
    let e = run("1", "load('time.star', 'time')\ntime.sleep('1s')\n").unwrap_err();
    assert!(e.contains("sleep"), "{e}");
    // 2.x keeps starlark-go's module as it is.
    let e = run("2", "load('time.star', 'time')\ntime.duration('1s')\n").unwrap_err();
    assert!(e.contains("duration"), "{e}");
}
