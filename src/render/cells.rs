//! What `quarry apply --cells` shows on a terminal: each cell's heading
//! (index, title, line, time or status), what it printed, and its value (a
//! table as rows with its row count).

use transforms::cells::{CellReport, CellStatus, CellValue};

/// Renders one cell's report; `limit` rows of a table value are shown.
pub fn show_cell(r: &CellReport, total: usize, limit: usize) -> String {
    let mut out = String::new();
    let name = if r.index < total {
        format!("cell {} of {total}", r.index + 1)
    } else {
        // The final step: what decided the result.
        r.title
            .clone()
            .unwrap_or_else(|| "transform(ds)".to_string())
    };
    let mut heading = format!("── {name}");
    if let Some(t) = r.title.as_ref().filter(|_| r.index < total) {
        heading.push_str(&format!(": {t}"));
    }
    if r.line > 0 {
        heading.push_str(&format!(" (line {})", r.line));
    }
    heading.push_str(&match r.status {
        CellStatus::Ok => format!(" · {}", elapsed(r.elapsed)),
        CellStatus::Failed => format!(" · failed after {}", elapsed(r.elapsed)),
        CellStatus::Skipped => " · skipped".to_string(),
        CellStatus::Reused => " · reused".to_string(),
    });
    out.push_str(&heading);
    out.push('\n');
    for line in r.output.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    match &r.value {
        Some(CellValue::Text(t)) => out.push_str(&format!("  => {t}\n")),
        Some(CellValue::Table(body)) => {
            let rows = body.num_rows();
            let header: Vec<&str> = body
                .schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            let head = transforms::preview::head_rows(body, limit).unwrap_or_default();
            if head.len() == rows {
                out.push_str(&format!("  => table, {rows} rows\n"));
            } else {
                out.push_str(&format!(
                    "  => table, first {} of {rows} rows\n",
                    head.len()
                ));
            }
            for line in super::table(&header, &head).lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
        None => {}
    }
    if let Some(e) = &r.error {
        let first = e.lines().next().unwrap_or_default();
        out.push_str(&format!("  error: {first}\n"));
    }
    out
}

/// `12 ms`, `1.25 s`.
pub fn elapsed(d: std::time::Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}
