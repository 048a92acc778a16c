//! The `rand` module (2.x): a seeded generator (ChaCha12, rand's `StdRng`)
//! kept on the thread, so a run can be repeated exactly from its seed.
//!
//! `rand.int(n)` / `rand.int(lo, hi)`, `rand.float()` / `rand.float(lo, hi)`,
//! `rand.choice(seq)`, `rand.shuffle(list)`, `rand.sample(seq, k)`,
//! `rand.seed(n)`. The host sets the seed through
//! [`crate::HostConfig::rand_seed`] (or [`set_seed`]) and reads back the seed
//! a run used with [`seed_used`].

use crate::util::{err, module as make_module};
use engine::args::type_error;
use engine::args::{convert, required};
use engine::error::Result;
use engine::values::Builtin;
use engine::{Args, Thread, Value};
use rand::rngs::StdRng;
use rand::seq::{index, SliceRandom};
use rand::{RngExt, SeedableRng};
use std::hash::{BuildHasher, Hasher};

const KEY: &str = "starlib.rand";

struct RandState {
    seed: u64,
    rng: StdRng,
}

/// A random u64 from the operating system's entropy (for seeds and boundaries).
pub fn fresh_seed_u64() -> u64 {
    fresh_seed()
}

fn fresh_seed() -> u64 {
    // RandomState is keyed from the operating system's random source.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

/// Sets up the generator on `thread` (with `seed`, or a fresh random seed),
/// unless the thread already has one.
pub fn install(thread: &mut Thread, seed: Option<u64>) {
    if thread.local::<RandState>(KEY).is_none() {
        set_seed(thread, seed.unwrap_or_else(fresh_seed));
    }
}

/// Re-seeds the thread's generator.
pub fn set_seed(thread: &mut Thread, seed: u64) {
    thread.set_local(
        KEY,
        RandState {
            seed,
            rng: StdRng::seed_from_u64(seed),
        },
    );
}

/// The seed the thread's generator was last seeded with, if `rand` was used.
pub fn seed_used(thread: &Thread) -> Option<u64> {
    thread.local::<RandState>(KEY).map(|s| s.seed)
}

fn rng(thread: &mut Thread) -> &mut StdRng {
    install(thread, None);
    // install guarantees the state exists.
    &mut thread
        .local_mut::<RandState>(KEY)
        .expect("rand state installed above")
        .rng
}

/// The `rand` module value.
pub fn module() -> Value {
    make_module(
        "rand",
        vec![
            ("int", Builtin::func("rand.int", rand_int)),
            ("float", Builtin::func("rand.float", rand_float)),
            ("choice", Builtin::func("rand.choice", choice)),
            ("shuffle", Builtin::func("rand.shuffle", shuffle)),
            ("sample", Builtin::func("rand.sample", sample)),
            ("seed", Builtin::func("rand.seed", seed)),
        ],
    )
}

fn int_arg(fname: &str, pname: &str, v: &Value) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        _ => Err(type_error(fname, pname, v, "int")),
    }
}

fn rand_int(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "rand.int";
    let [a, b] = args.bind(F, &["a", "b?"])?;
    let a = int_arg(F, "a", a.as_ref().unwrap_or(&Value::None))?;
    let (lo, hi) = match b {
        None | Some(Value::None) => (0, a),
        Some(b) => (a, int_arg(F, "b", &b)?),
    };
    if lo >= hi {
        return Err(err(F, format!("empty range [{lo}, {hi})")));
    }
    Ok(Value::Int(rng(thread).random_range(lo..hi)))
}

fn rand_float(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "rand.float";
    let [a, b] = args.bind(F, &["lo?", "hi?"])?;
    let num = |p: &str, v: &Value| convert::<f64>(F, p, v);
    let (lo, hi) = match (a, b) {
        (None, None) => (0.0, 1.0),
        (Some(a), Some(b)) => (num("lo", &a)?, num("hi", &b)?),
        _ => return Err(err(F, "want no arguments or both lo and hi")),
    };
    if lo >= hi || lo.is_nan() || hi.is_nan() || !lo.is_finite() || !hi.is_finite() {
        return Err(err(F, format!("empty or invalid range [{lo}, {hi})")));
    }
    let x: f64 = rng(thread).random();
    Ok(Value::Float(lo + (hi - lo) * x))
}

fn choice(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "rand.choice";
    let [seq] = args.bind(F, &["seq"])?;
    let items = required::<Vec<Value>>(F, "seq", &seq)?;
    if items.is_empty() {
        return Err(err(F, "cannot choose from an empty sequence"));
    }
    let i = rng(thread).random_range(0..items.len());
    Ok(items[i].clone())
}

fn shuffle(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "rand.shuffle";
    let [list] = args.bind(F, &["list"])?;
    let list = list.unwrap_or(Value::None);
    let Value::List(l) = &list else {
        return Err(type_error(F, "list", &list, "list"));
    };
    let mut items = l.items().clone();
    items.shuffle(rng(thread));
    *l.items_mut("shuffle")? = items;
    Ok(Value::None)
}

fn sample(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "rand.sample";
    let [seq, k] = args.bind(F, &["seq", "k"])?;
    let items = required::<Vec<Value>>(F, "seq", &seq)?;
    let k = int_arg(F, "k", k.as_ref().unwrap_or(&Value::None))?;
    if k < 0 || k as usize > items.len() {
        return Err(err(
            F,
            format!(
                "sample size {k} out of range for a sequence of {} elements",
                items.len()
            ),
        ));
    }
    let idx = index::sample(rng(thread), items.len(), k as usize);
    Ok(Value::list(idx.iter().map(|i| items[i].clone()).collect()))
}

fn seed(thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "rand.seed";
    let [s] = args.bind(F, &["seed"])?;
    let s = int_arg(F, "seed", s.as_ref().unwrap_or(&Value::None))?;
    set_seed(thread, s as u64);
    Ok(Value::None)
}
