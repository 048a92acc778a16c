//! The `table` module (2.x): `Table` values backed by an Arrow record
//! batch, and `Column` values backed by an Arrow array. Every operation is
//! an Arrow compute kernel (or a Rust loop over Arrow buffers); Starlark
//! code never runs per row.

mod args;
mod column_methods;
mod constructors;
pub mod convert;
pub mod io;
pub mod ops;
mod preview;
mod table_methods;
mod types;
mod value;

pub use args::table_arg;
pub use convert::cell_value;
pub use types::{Column, GroupBy, Table};

use crate::util::module as make_module;
use constructors::{column, concat, from_columns, from_rows};
use engine::values::Builtin;
use engine::Value;

/// The `table` module value.
pub fn module() -> Value {
    make_module(
        "table",
        vec![
            ("from_rows", Builtin::func("table.from_rows", from_rows)),
            (
                "from_columns",
                Builtin::func("table.from_columns", from_columns),
            ),
            ("from_csv", Builtin::func("table.from_csv", io::csv_read)),
            ("from_json", Builtin::func("table.from_json", io::json_read)),
            ("concat", Builtin::func("table.concat", concat)),
            ("column", Builtin::func("table.column", column)),
        ],
    )
}
