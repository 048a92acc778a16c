//! The `math` module, as starlark-go's `go.starlark.net/lib/math`: `ceil`,
//! `copysign`, `fabs`, `floor`, `mod`, `pow`, `remainder`, `round`, `exp`,
//! `sqrt`, `acos`, `asin`, `atan`, `atan2`, `cos`, `hypot`, `sin`, `tan`,
//! `degrees`, `radians`, `acosh`, `asinh`, `atanh`, `cosh`, `sinh`, `tanh`,
//! `log`, `gamma`, and the constants `e` and `pi`. Every function accepts
//! ints and floats.

use crate::args::Args;
use crate::builtins::format::{as_float, float_to_int};
use crate::builtins::unpack::{param_err, positional};
use crate::error::{EvalError, Result};
use crate::eval::Thread;
use crate::values::{Builtin, BuiltinFn, Module, Value};
use std::collections::BTreeMap;
use std::f64::consts::{E, PI};
use std::rc::Rc;

/// The `math` module value.
pub fn module() -> Value {
    let mut members = BTreeMap::new();
    for (name, f) in FUNCTIONS {
        members.insert(name.to_string(), Builtin::func(name, *f));
    }
    members.insert("e".to_string(), Value::Float(E));
    members.insert("pi".to_string(), Value::Float(PI));
    Value::Module(Rc::new(Module::new("math", members)))
}

/// The module's functions, by name.
const FUNCTIONS: &[(&str, BuiltinFn)] = &[
    ("acos", |_t, a| unary("acos", a, f64::acos)),
    ("acosh", |_t, a| unary("acosh", a, f64::acosh)),
    ("asin", |_t, a| unary("asin", a, f64::asin)),
    ("asinh", |_t, a| unary("asinh", a, f64::asinh)),
    ("atan", |_t, a| unary("atan", a, f64::atan)),
    ("atan2", |_t, a| binary("atan2", a, f64::atan2)),
    ("atanh", |_t, a| unary("atanh", a, f64::atanh)),
    ("ceil", |_t, a| ceil_floor("ceil", a, f64::ceil)),
    ("copysign", |_t, a| binary("copysign", a, f64::copysign)),
    ("cos", |_t, a| unary("cos", a, f64::cos)),
    ("cosh", |_t, a| unary("cosh", a, f64::cosh)),
    ("degrees", |_t, a| unary("degrees", a, |x| 360.0 * x / (2.0 * PI))),
    ("exp", |_t, a| unary("exp", a, f64::exp)),
    ("fabs", |_t, a| unary("fabs", a, f64::abs)),
    ("floor", |_t, a| ceil_floor("floor", a, f64::floor)),
    ("gamma", |_t, a| unary("gamma", a, gamma)),
    ("hypot", |_t, a| binary("hypot", a, f64::hypot)),
    ("log", log),
    ("mod", |_t, a| binary("mod", a, |x, y| x % y)),
    ("pow", |_t, a| binary("pow", a, f64::powf)),
    ("radians", |_t, a| unary("radians", a, |x| 2.0 * PI * x / 360.0)),
    ("remainder", |_t, a| binary("remainder", a, remainder)),
    ("round", |_t, a| unary("round", a, f64::round)),
    ("sin", |_t, a| unary("sin", a, f64::sin)),
    ("sinh", |_t, a| unary("sinh", a, f64::sinh)),
    ("sqrt", |_t, a| unary("sqrt", a, f64::sqrt)),
    ("tan", |_t, a| unary("tan", a, f64::tan)),
    ("tanh", |_t, a| unary("tanh", a, f64::tanh)),
];

/// An int or float argument as a float ("got T, want float or int" otherwise).
fn float_arg(fname: &str, i: usize, v: &Value) -> Result<f64> {
    as_float(v).ok_or_else(|| param_err(fname, i, format!("got {}, want float or int", v.type_name())))
}

fn unary(fname: &str, args: &Args, f: impl Fn(f64) -> f64) -> Result<Value> {
    let a = positional(fname, args, 1, 1)?;
    Ok(Value::Float(f(float_arg(fname, 1, &a[0])?)))
}

fn binary(fname: &str, args: &Args, f: impl Fn(f64, f64) -> f64) -> Result<Value> {
    let a = positional(fname, args, 2, 2)?;
    let x = float_arg(fname, 1, &a[0])?;
    let y = float_arg(fname, 2, &a[1])?;
    Ok(Value::Float(f(x, y)))
}

/// `ceil` and `floor` return ints: an int argument unchanged, a float rounded.
fn ceil_floor(fname: &str, args: &Args, f: impl Fn(f64) -> f64) -> Result<Value> {
    let a = positional(fname, args, 1, 1)?;
    match &a[0] {
        Value::Int(_) | Value::BigInt(_) => Ok(a[0].clone()),
        Value::Float(x) => float_to_int(f(*x)).map_err(EvalError::new),
        x => Err(EvalError::new(format!("got {}, want float or int", x.type_name()))),
    }
}

fn log(_t: &mut Thread, args: &Args) -> Result<Value> {
    let a = positional("log", args, 1, 2)?;
    let x = float_arg("log", 1, &a[0])?;
    let base = match a.get(1) {
        Some(b) => float_arg("log", 2, b)?,
        None => E,
    };
    if base == 1.0 {
        return Err(EvalError::new("division by zero"));
    }
    Ok(Value::Float(x.ln() / base.ln()))
}

/// The IEEE 754 remainder of x/y (Go's `math.Remainder`).
fn remainder(x: f64, y: f64) -> f64 {
    const TINY: f64 = 4.450_147_717_014_402_766_18e-308;
    const HALF_MAX: f64 = f64::MAX / 2.0;
    if x.is_nan() || y.is_nan() || x.is_infinite() || y == 0.0 {
        return f64::NAN;
    }
    if y.is_infinite() {
        return x;
    }
    let (mut x, mut y) = (x, y);
    let sign = x < 0.0;
    if sign {
        x = -x;
    }
    if y < 0.0 {
        y = -y;
    }
    if x == y {
        return if sign { -0.0 } else { 0.0 };
    }
    if y <= HALF_MAX {
        x %= y + y;
    }
    if y < TINY {
        if x + x > y {
            x -= y;
            if x + x >= y {
                x -= y;
            }
        }
    } else {
        let half = 0.5 * y;
        if x > half {
            x -= y;
            if x >= half {
                x -= y;
            }
        }
    }
    if sign {
        -x
    } else {
        x
    }
}

const GAM_P: [f64; 7] = [
    1.601_195_224_767_518_614_07e-04,
    1.191_351_470_065_863_849_13e-03,
    1.042_137_975_617_615_699_35e-02,
    4.763_678_004_571_372_314_64e-02,
    2.074_482_276_484_359_751_50e-01,
    4.942_148_268_014_971_007_53e-01,
    9.999_999_999_999_999_967_96e-01,
];
const GAM_Q: [f64; 8] = [
    -2.315_818_733_241_201_298_19e-05,
    5.396_055_804_933_033_978_42e-04,
    -4.456_419_138_517_972_404_94e-03,
    1.181_397_852_220_604_355_52e-02,
    3.582_363_986_054_986_533_73e-02,
    -2.345_917_957_182_433_485_68e-01,
    7.143_049_170_302_730_740_85e-02,
    1.000_000_000_000_000_003_20e+00,
];
const GAM_S: [f64; 5] = [
    7.873_113_957_930_936_283_97e-04,
    -2.295_499_616_133_781_263_80e-04,
    -2.681_326_178_057_812_328_25e-03,
    3.472_222_216_054_586_673_10e-03,
    8.333_333_333_334_822_571_26e-02,
];

/// Stirling's formula, as a pair whose product is Gamma(x) (Go's `stirling`).
fn stirling(x: f64) -> (f64, f64) {
    if x > 200.0 {
        return (f64::INFINITY, 1.0);
    }
    const SQRT_TWO_PI: f64 = 2.506_628_274_631_000_502_417;
    const MAX_STIRLING: f64 = 143.01608;
    let mut w = 1.0 / x;
    w = 1.0 + w * ((((GAM_S[0] * w + GAM_S[1]) * w + GAM_S[2]) * w + GAM_S[3]) * w + GAM_S[4]);
    let mut y1 = x.exp();
    let mut y2 = 1.0;
    if x > MAX_STIRLING {
        let v = x.powf(0.5 * x - 0.25);
        y2 = v / y1;
        y1 = v;
    } else {
        y1 = x.powf(x - 0.5) / y1;
    }
    (y1, SQRT_TWO_PI * w * y2)
}

/// The Gamma function (Go's `math.Gamma`, after Cephes).
fn gamma(x: f64) -> f64 {
    const EULER: f64 = 0.577_215_664_901_532_860_606_512_090_082_402_431_042_159_335_939_92;
    let is_neg_int = x < 0.0 && x.fract() == 0.0;
    if is_neg_int || x == f64::NEG_INFINITY || x.is_nan() {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return f64::INFINITY;
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let q = x.abs();
    let mut p = q.floor();
    if q > 33.0 {
        if x >= 0.0 {
            let (y1, y2) = stirling(x);
            return y1 * y2;
        }
        let signgam = if (p as i64) & 1 == 0 { -1.0 } else { 1.0 };
        let mut z = q - p;
        if z > 0.5 {
            p += 1.0;
            z = q - p;
        }
        z = q * (PI * z).sin();
        if z == 0.0 {
            return signgam * f64::INFINITY;
        }
        let (sq1, sq2) = stirling(q);
        let absz = z.abs();
        let d = absz * sq1 * sq2;
        z = if d.is_infinite() {
            PI / absz / sq1 / sq2
        } else {
            PI / d
        };
        return signgam * z;
    }
    let mut x = x;
    let mut z = 1.0;
    while x >= 3.0 {
        x -= 1.0;
        z *= x;
    }
    let small = |x: f64, z: f64| {
        if x == 0.0 {
            f64::INFINITY
        } else {
            z / ((1.0 + EULER * x) * x)
        }
    };
    while x < 0.0 {
        if x > -1e-09 {
            return small(x, z);
        }
        z /= x;
        x += 1.0;
    }
    while x < 2.0 {
        if x < 1e-09 {
            return small(x, z);
        }
        z /= x;
        x += 1.0;
    }
    if x == 2.0 {
        return z;
    }
    x -= 2.0;
    let p = (((((x * GAM_P[0] + GAM_P[1]) * x + GAM_P[2]) * x + GAM_P[3]) * x + GAM_P[4]) * x + GAM_P[5]) * x
        + GAM_P[6];
    let q = ((((((x * GAM_Q[0] + GAM_Q[1]) * x + GAM_Q[2]) * x + GAM_Q[3]) * x + GAM_Q[4]) * x + GAM_Q[5]) * x
        + GAM_Q[6])
        * x
        + GAM_Q[7];
    z * p / q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_values() {
        assert_eq!(gamma(5.0), 24.0);
        assert_eq!(gamma(1.0), 1.0);
        assert!((gamma(0.5) - PI.sqrt()).abs() < 1e-15);
        assert!(gamma(-1.0).is_nan());
        assert_eq!(gamma(-0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn remainder_values() {
        assert_eq!(remainder(5.0, 3.0), -1.0);
        assert_eq!(remainder(7.0, 2.0), -1.0);
        assert_eq!(remainder(-5.0, 3.0), 1.0);
        assert!(remainder(1.0, 0.0).is_nan());
    }
}
