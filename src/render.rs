//! Text rendering for terminals: aligned tables, sizes, short ids, times.

use chrono::{DateTime, Utc};

/// Renders rows under a header as left-aligned columns separated by two
/// spaces, with trailing spaces trimmed. Cells are shown on one line
/// (newlines and tabs escaped) and cut at 60 characters.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let clean = |s: &str| -> String {
        let one_line = s.replace('\n', "\\n").replace('\t', "\\t");
        if one_line.chars().count() > 60 {
            let cut: String = one_line.chars().take(59).collect();
            format!("{cut}…")
        } else {
            one_line
        }
    };
    let header: Vec<String> = header.iter().map(|h| clean(h)).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| clean(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
    }
    let line = |cells: &[String]| -> String {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(c);
            let pad = widths.get(i).copied().unwrap_or(0);
            for _ in c.chars().count()..pad {
                out.push(' ');
            }
        }
        let mut t = out.trim_end().to_string();
        t.push('\n');
        t
    };
    let mut out = line(&header);
    for r in &rows {
        out.push_str(&line(r));
    }
    out
}

/// A schema as a `column  type  nullable` table.
pub fn schema<'a>(columns: impl Iterator<Item = (&'a str, &'a str, bool)>) -> String {
    let rows: Vec<Vec<String>> = columns
        .map(|(name, ty, nullable)| {
            vec![
                name.to_string(),
                ty.to_string(),
                if nullable { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    table(&["column", "type", "nullable"], &rows)
}

/// Bytes in a human unit: `512 B`, `1.5 KiB`, `3.2 MiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
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
    fn sizes_use_binary_units() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(3 << 20), "3.0 MiB");
    }
}
