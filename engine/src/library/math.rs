//! The `math` module, as starlark-go's `go.starlark.net/lib/math`: `ceil`,
//! `copysign`, `fabs`, `floor`, `mod`, `pow`, `remainder`, `round`, `exp`,
//! `sqrt`, `acos`, `asin`, `atan`, `atan2`, `cos`, `hypot`, `sin`, `tan`,
//! `degrees`, `radians`, `acosh`, `asinh`, `atanh`, `cosh`, `sinh`, `tanh`,
//! `log`, `gamma`, and the constants `e` and `pi`. Every function accepts
//! ints and floats.

// The coefficients are Go's (after Cephes), digit for digit.
#![allow(clippy::excessive_precision)]

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
    ("cos", |_t, a| unary("cos", a, cos)),
    ("cosh", |_t, a| unary("cosh", a, f64::cosh)),
    ("degrees", |_t, a| {
        unary("degrees", a, |x| 360.0 * x / (2.0 * PI))
    }),
    ("exp", |_t, a| unary("exp", a, f64::exp)),
    ("fabs", |_t, a| unary("fabs", a, f64::abs)),
    ("floor", |_t, a| ceil_floor("floor", a, f64::floor)),
    ("gamma", |_t, a| unary("gamma", a, gamma)),
    ("hypot", |_t, a| binary("hypot", a, f64::hypot)),
    ("log", log),
    ("mod", |_t, a| binary("mod", a, |x, y| x % y)),
    ("pow", |_t, a| binary("pow", a, f64::powf)),
    ("radians", |_t, a| {
        unary("radians", a, |x| 2.0 * PI * x / 360.0)
    }),
    ("remainder", |_t, a| binary("remainder", a, remainder)),
    ("round", |_t, a| unary("round", a, f64::round)),
    ("sin", |_t, a| unary("sin", a, sin)),
    ("sinh", |_t, a| unary("sinh", a, f64::sinh)),
    ("sqrt", |_t, a| unary("sqrt", a, f64::sqrt)),
    ("tan", |_t, a| unary("tan", a, tan)),
    ("tanh", |_t, a| unary("tanh", a, f64::tanh)),
];

/// An int or float argument as a float ("got T, want float or int" otherwise).
fn float_arg(fname: &str, i: usize, v: &Value) -> Result<f64> {
    as_float(v).ok_or_else(|| {
        param_err(
            fname,
            i,
            format!("got {}, want float or int", v.type_name()),
        )
    })
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
        x => Err(EvalError::new(format!(
            "got {}, want float or int",
            x.type_name()
        ))),
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
        z = q * sin(PI * z);
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
    let p = (((((x * GAM_P[0] + GAM_P[1]) * x + GAM_P[2]) * x + GAM_P[3]) * x + GAM_P[4]) * x
        + GAM_P[5])
        * x
        + GAM_P[6];
    let q = ((((((x * GAM_Q[0] + GAM_Q[1]) * x + GAM_Q[2]) * x + GAM_Q[3]) * x + GAM_Q[4]) * x
        + GAM_Q[5])
        * x
        + GAM_Q[6])
        * x
        + GAM_Q[7];
    z * p / q
}

// ---- Go's sin, cos and tan (after Cephes), so that results match
// starlark-go's to the last bit (C's libm differs, e.g. tan(pi/4)). ----

const PI4A: f64 = 7.853_981_256_484_985_351_56e-1;
const PI4B: f64 = 3.774_894_707_930_798_176_68e-8;
const PI4C: f64 = 2.695_151_429_079_059_526_45e-15;
const REDUCE_THRESHOLD: f64 = (1u64 << 29) as f64;

const SIN: [f64; 6] = [
    1.589_623_015_765_465_680_60e-10,
    -2.505_074_776_285_780_728_66e-8,
    2.755_731_362_138_572_452_13e-6,
    -1.984_126_982_958_953_859_96e-4,
    8.333_333_333_322_118_588_78e-3,
    -1.666_666_666_666_663_072_95e-1,
];
const COS: [f64; 6] = [
    -1.135_853_652_138_768_173_00e-11,
    2.087_570_084_197_473_167_78e-9,
    -2.755_731_417_929_673_881_12e-7,
    2.480_158_728_885_170_453_48e-5,
    -1.388_888_888_887_305_641_16e-3,
    4.166_666_666_666_659_292_18e-2,
];
const TAN_P: [f64; 3] = [
    -1.309_369_391_813_837_776_46e4,
    1.153_516_648_385_874_161_40e6,
    -1.795_652_519_764_848_779_88e7,
];
const TAN_Q: [f64; 5] = [
    1.0,
    1.368_129_634_706_929_546_78e4,
    -1.320_892_344_402_109_674_47e6,
    2.500_838_018_233_579_158_39e7,
    -5.386_957_559_294_546_298_81e7,
];

/// Bits of 4/pi, for the Payne-Hanek reduction of huge arguments.
const M_PI4: [u64; 20] = [
    0x0000000000000001,
    0x45f306dc9c882a53,
    0xf84eafa3ea69bb81,
    0xb6c52b3278872083,
    0xfca2c757bd778ac3,
    0x6e48dc74849ba5c0,
    0x0c925dd413a32439,
    0xfc3bd63962534e7d,
    0xd1046bea5d768909,
    0xd338e04d68befc82,
    0x7323ac7306a673e9,
    0x3908bf177bf25076,
    0x3ff12fffbc0b301f,
    0xde5e2316b414da3e,
    0xda6cfd9e4f96136e,
    0x9e8c7ecd3cbfd45a,
    0xea4f758fd7cbe2f6,
    0x7a0e73ef14a525d4,
    0xd7f6bf623f1aba10,
    0xac06608df8f6d757,
];

fn shr(x: u64, n: u32) -> u64 {
    x.checked_shr(n).unwrap_or(0)
}

fn shl(x: u64, n: u32) -> u64 {
    x.checked_shl(n).unwrap_or(0)
}

/// Go's `trigReduce`: x (>= 2^29) as an octant j and a remainder z in [0, pi/4).
fn trig_reduce(x: f64) -> (u64, f64) {
    const PI4: f64 = PI / 4.0;
    if x < PI4 {
        return (0, x);
    }
    let mut ix = x.to_bits();
    let exp = ((ix >> 52) & 0x7ff) as i64 - 1023 - 52;
    ix &= !(0x7ff << 52);
    ix |= 1 << 52;
    let (digit, bitshift) = (((exp + 61) / 64) as usize, ((exp + 61) % 64) as u32);
    let m = |i: usize| M_PI4.get(digit + i).copied().unwrap_or(0);
    let z0 = shl(m(0), bitshift) | shr(m(1), 64 - bitshift);
    let z1 = shl(m(1), bitshift) | shr(m(2), 64 - bitshift);
    let z2 = shl(m(2), bitshift) | shr(m(3), 64 - bitshift);
    let z2hi = ((z2 as u128 * ix as u128) >> 64) as u64;
    let p1 = z1 as u128 * ix as u128;
    let (z1hi, z1lo) = ((p1 >> 64) as u64, p1 as u64);
    let z0lo = z0.wrapping_mul(ix);
    let (lo, c) = z1lo.overflowing_add(z2hi);
    let hi = z0lo.wrapping_add(z1hi).wrapping_add(c as u64);
    let mut j = hi >> 61;
    let mut hi = hi << 3 | lo >> 61;
    let lz = hi.leading_zeros();
    let e = 1023u64.wrapping_sub(lz as u64 + 1) & 0x7ff;
    hi = shl(hi, lz + 1) | shr(lo, 64u32.wrapping_sub(lz + 1));
    hi >>= 64 - 52;
    hi |= e << 52;
    let mut z = f64::from_bits(hi);
    if j & 1 == 1 {
        j += 1;
        j &= 7;
        z -= 1.0;
    }
    (j, z * PI4)
}

/// The octant of `x >= 0` and the remainder, as Go's sin, cos and tan compute them.
fn reduce(x: f64, fold: bool) -> (u64, f64) {
    if x >= REDUCE_THRESHOLD {
        return trig_reduce(x);
    }
    let mut j = (x * (4.0 / PI)) as u64;
    let mut y = j as f64;
    if j & 1 == 1 {
        j += 1;
        y += 1.0;
    }
    if fold {
        j &= 7;
    }
    (j, ((x - y * PI4A) - y * PI4B) - y * PI4C)
}

fn sin_poly(z: f64, zz: f64) -> f64 {
    z + z
        * zz
        * (((((SIN[0] * zz + SIN[1]) * zz + SIN[2]) * zz + SIN[3]) * zz + SIN[4]) * zz + SIN[5])
}

fn cos_poly(zz: f64) -> f64 {
    1.0 - 0.5 * zz
        + zz * zz
            * (((((COS[0] * zz + COS[1]) * zz + COS[2]) * zz + COS[3]) * zz + COS[4]) * zz + COS[5])
}

/// Go's `math.Sin`.
fn sin(x: f64) -> f64 {
    if x == 0.0 || x.is_nan() {
        return x;
    }
    if x.is_infinite() {
        return f64::NAN;
    }
    let mut sign = x < 0.0;
    let (mut j, z) = reduce(x.abs(), true);
    if j > 3 {
        sign = !sign;
        j -= 4;
    }
    let zz = z * z;
    let y = if j == 1 || j == 2 {
        cos_poly(zz)
    } else {
        sin_poly(z, zz)
    };
    if sign {
        -y
    } else {
        y
    }
}

/// Go's `math.Cos`.
fn cos(x: f64) -> f64 {
    if x.is_nan() || x.is_infinite() {
        return f64::NAN;
    }
    let mut sign = false;
    let (mut j, z) = reduce(x.abs(), true);
    if j > 3 {
        j -= 4;
        sign = !sign;
    }
    if j > 1 {
        sign = !sign;
    }
    let zz = z * z;
    let y = if j == 1 || j == 2 {
        sin_poly(z, zz)
    } else {
        cos_poly(zz)
    };
    if sign {
        -y
    } else {
        y
    }
}

/// Go's `math.Tan`.
fn tan(x: f64) -> f64 {
    if x == 0.0 || x.is_nan() {
        return x;
    }
    if x.is_infinite() {
        return f64::NAN;
    }
    let sign = x < 0.0;
    let (j, z) = reduce(x.abs(), false);
    let zz = z * z;
    let mut y = if zz > 1e-14 {
        z + z
            * (zz * ((TAN_P[0] * zz + TAN_P[1]) * zz + TAN_P[2])
                / ((((zz + TAN_Q[1]) * zz + TAN_Q[2]) * zz + TAN_Q[3]) * zz + TAN_Q[4]))
    } else {
        z
    };
    if j & 2 == 2 {
        y = -1.0 / y;
    }
    if sign {
        -y
    } else {
        y
    }
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
