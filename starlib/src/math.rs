//! The `math` module per release: starlark-go's (the engine's), and in
//! 1.x also the constants older Qri scripts used (starlib v0.4):
//! `math.tau` (2π), `math.phi` (the golden ratio), `math.inf` and
//! `math.nan`.

use engine::values::Module;
use engine::Value;
use std::rc::Rc;

/// The `math` module for a major release.
pub fn module(major: u64) -> Value {
    let base = engine::library::math::module();
    if major >= 2 {
        return base;
    }
    let Value::Module(m) = &base else { return base };
    let mut members = m.members.clone();
    for (name, v) in [
        ("tau", std::f64::consts::TAU),
        ("phi", 1.618_033_988_749_895_f64),
        ("inf", f64::INFINITY),
        ("nan", f64::NAN),
    ] {
        members.entry(name.to_string()).or_insert(Value::Float(v));
    }
    Value::Module(Rc::new(Module::new("math", members)))
}
