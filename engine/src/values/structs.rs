//! Structs (`struct(a=1)`) and modules (named, immutable bags of members).

use super::Value;
use std::collections::BTreeMap;

/// A struct: immutable named fields, printed in name order.
#[derive(Default)]
pub struct Struct {
    /// The constructor's name as printed by repr (`struct` for plain structs).
    pub constructor: Option<String>,
    /// Fields by name.
    pub fields: BTreeMap<String, Value>,
}

impl Struct {
    /// A plain struct of the given fields.
    pub fn new(fields: BTreeMap<String, Value>) -> Struct {
        Struct {
            constructor: None,
            fields,
        }
    }

    /// The name repr prints before the fields.
    pub fn constructor_name(&self) -> String {
        self.constructor.clone().unwrap_or_else(|| "struct".into())
    }
}

/// A module value: a name and its members (e.g. `json`, `math`).
pub struct Module {
    /// The module's name, printed as `<module "name">`.
    pub name: String,
    /// Members by name.
    pub members: BTreeMap<String, Value>,
}

impl Module {
    /// A module of the given members.
    pub fn new(name: impl Into<String>, members: BTreeMap<String, Value>) -> Module {
        Module {
            name: name.into(),
            members,
        }
    }
}
