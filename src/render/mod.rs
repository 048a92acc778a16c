//! Text rendering for terminals: aligned tables, sizes, short ids, times
//! ([`preview`]: what a dry run shows; [`failure`]: errors with carets).

pub mod cells;
pub mod failure;
pub mod preview;

use chrono::{DateTime, Utc};

/// Renders rows under a header as left-aligned columns separated by two
/// spaces, with trailing spaces trimmed. Cells are shown on one line
/// (newlines and tabs escaped) and cut at 60 characters; widths count
/// display columns, so wide (CJK) characters align. On a terminal the
/// table is fitted to its width.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    use comfy_table::{presets, ContentArrangement, Table};
    let clean = |s: &str| -> String {
        let one_line = s.replace('\n', "\\n").replace('\t', "\\t");
        if one_line.chars().count() > 60 {
            let cut: String = one_line.chars().take(59).collect();
            format!("{cut}…")
        } else {
            one_line
        }
    };
    let mut t = Table::new();
    t.load_preset(presets::NOTHING);
    t.set_header(header.iter().map(|h| clean(h)));
    for r in rows {
        t.add_row(r.iter().map(|c| clean(c)));
    }
    for c in t.column_iter_mut() {
        c.set_padding((0, 2));
    }
    if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
        t.set_content_arrangement(ContentArrangement::Dynamic);
        t.set_width(w);
    }
    let mut out = String::new();
    for line in t.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A schema as a `column  type  nullable` table.
pub fn schema<'a>(columns: impl Iterator<Item = (&'a str, &'a str, bool)>) -> String {
    let rows: Vec<Vec<String>> = columns
        .map(|(name, ty, nullable)| {
            vec![
                name.to_string(),
                tabular::type_name_of(ty),
                if nullable { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    table(&["column", "type", "nullable"], &rows)
}

/// Bytes in a human unit: `512 B`, `1.5 KiB`, `3.2 MiB`.
pub fn size(bytes: u64) -> String {
    bytesize::ByteSize(bytes).to_string()
}

/// A time as `2026-11-22 14:03:05 UTC`.
pub fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The short form of a version id used in tables and references.
pub fn short_id(id: &datasets::VersionId) -> String {
    id.short(12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns_and_trims() {
        let t = table(
            &["name", "n"],
            &[
                vec!["oslo".into(), "1".into()],
                vec!["a".into(), "22".into()],
            ],
        );
        assert_eq!(t, "name  n\noslo  1\na     22\n");
    }

    #[test]
    fn table_aligns_wide_characters() {
        let t = table(
            &["city", "n"],
            &[
                vec!["東京".into(), "1".into()],
                vec!["oslo".into(), "2".into()],
            ],
        );
        assert_eq!(t, "city  n\n東京  1\noslo  2\n");
    }

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(3 << 20), "3.0 MiB");
    }
}
