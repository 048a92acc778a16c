//! Library modules a host may offer to Starlark programs (through `load` or
//! as predeclared names): `json` and `math`, as starlark-go's
//! `go.starlark.net/lib/json` and `go.starlark.net/lib/math`.

pub mod json;
pub mod math;
