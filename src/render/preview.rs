//! What a dry run shows on a terminal: the preview of a result (schema,
//! first rows, diff summary) and one-line summaries of body and column changes.

use transforms::preview::Preview;

/// Renders a preview for a terminal.
pub fn show_preview(p: &Preview, target: Option<&str>) -> String {
    let mut out = String::new();
    out.push_str(&format!("{} columns, {} rows\n", p.columns.len(), p.rows));
    if !p.columns.is_empty() {
        out.push_str(&indent(&super::schema(
            p.columns
                .iter()
                .map(|c| (c.name.as_str(), c.type_name.as_str(), c.nullable)),
        )));
        out.push('\n');
        let header: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
        if p.head.len() as u64 == p.rows {
            out.push_str(&format!("rows ({}):\n", p.rows));
        } else {
            out.push_str(&format!("first {} of {} rows:\n", p.head.len(), p.rows));
        }
        out.push_str(&indent(&super::table(&header, &p.head)));
    }
    out.push('\n');
    match (&p.against, target) {
        (None, _) => {
            out.push_str(&format!("new dataset: all {} rows are new\n", p.rows));
            return out;
        }
        (Some(id), Some(t)) => out.push_str(&format!(
            "against {}@{}: ",
            t.split('@').next().unwrap_or(t),
            super::short_id(id)
        )),
        (Some(id), None) => out.push_str(&format!("against {}: ", super::short_id(id))),
    }
    out.push_str(&diff_line(&p.body));
    out.push('\n');
    out.push_str(&structure_lines(&p.structure));
    if !p.meta.is_empty() {
        let fields: Vec<&str> = p.meta.iter().map(|c| c.field.as_str()).collect();
        out.push_str(&format!("  meta changed: {}\n", fields.join(", ")));
    }
    out
}

/// `+3 added, -1 removed, ~2 changed, 10 unchanged rows`.
pub fn diff_line(b: &datasets::BodyDiff) -> String {
    if b.is_empty() {
        return format!("no row changes ({} rows unchanged)", b.unchanged);
    }
    format!(
        "+{} added, -{} removed, ~{} changed, {} unchanged rows",
        b.added, b.removed, b.changed, b.unchanged
    )
}

/// One line per kind of column change.
pub fn structure_lines(s: &datasets::StructureDiff) -> String {
    let mut out = String::new();
    if !s.columns_added.is_empty() {
        let names: Vec<String> = s
            .columns_added
            .iter()
            .map(|c| format!("{} ({})", c.name, tabular::type_name_of(&c.data_type)))
            .collect();
        out.push_str(&format!("  columns added: {}\n", names.join(", ")));
    }
    if !s.columns_removed.is_empty() {
        let names: Vec<&str> = s.columns_removed.iter().map(|c| c.name.as_str()).collect();
        out.push_str(&format!("  columns removed: {}\n", names.join(", ")));
    }
    for r in &s.columns_retyped {
        let (from, to) = (tabular::type_name_of(&r.from), tabular::type_name_of(&r.to));
        // Within one family (Int32 -> Int64) the user's names are equal:
        // show the exact types then.
        let (from, to) = if from == to {
            (r.from.clone(), r.to.clone())
        } else {
            (from, to)
        };
        out.push_str(&format!("  column {} retyped: {from} -> {to}\n", r.name));
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
