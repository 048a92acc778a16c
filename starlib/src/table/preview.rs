//! The aligned text preview a table's or column's repr ends with.

use super::convert::{cell_value, type_name};
use arrow_array::ArrayRef;
use engine::Value;

fn cell_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_str_lossy().into_owned(),
        other => engine::values::to_str(other),
    }
}

fn truncate(s: String, w: usize) -> String {
    if s.chars().count() <= w {
        s
    } else {
        let mut t: String = s.chars().take(w - 1).collect();
        t.push('~');
        t
    }
}

/// Writes an aligned preview: header, types, up to 10 rows (first and last five).
pub(super) fn preview(
    out: &mut String,
    names: &[String],
    cols: &[ArrayRef],
    n: usize,
    title: &str,
) {
    out.push_str(title);
    if cols.is_empty() {
        return;
    }
    let rows: Vec<usize> = if n <= 10 {
        (0..n).collect()
    } else {
        (0..5).chain(n - 5..n).collect()
    };
    let mut grid: Vec<Vec<String>> = Vec::new();
    grid.push(names.to_vec());
    grid.push(cols.iter().map(|c| type_name(c.data_type())).collect());
    for (k, &i) in rows.iter().enumerate() {
        if n > 10 && k == 5 {
            grid.push(cols.iter().map(|_| "...".to_string()).collect());
        }
        grid.push(
            cols.iter()
                .map(|c| truncate(cell_text(&cell_value(c.as_ref(), i)), 24))
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..cols.len())
        .map(|j| grid.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &grid {
        out.push('\n');
        let line: Vec<String> = r
            .iter()
            .zip(widths.iter())
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
    }
}
