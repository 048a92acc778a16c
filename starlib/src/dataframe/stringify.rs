//! Printing frames and series exactly as Qri prints them: right-aligned
//! cells padded to the widest text of each column, labels on the left, and
//! (for frames larger than the 80x24 output area) the middle rows and
//! columns elided with `...`.

use super::frame::Frame;
use super::series::Series;

/// The output area a frame is printed into.
#[derive(Clone, Copy, Debug)]
pub struct OutputArea {
    /// Characters per line.
    pub width: usize,
    /// Lines.
    pub height: usize,
}

impl Default for OutputArea {
    fn default() -> Self {
        OutputArea {
            width: 80,
            height: 24,
        }
    }
}

const ROWS_AT_BOTTOM: usize = 3;
const BLANK_ROWS: usize = 4;
const COLS_AT_RIGHT: usize = 2;
const HORIZONTAL_ALLOWANCE: usize = 12;

fn pad(s: &str, w: usize) -> String {
    format!("{s:>w$}")
}

/// A frame's text in `area`.
pub fn frame_text(f: &Frame, area: OutputArea) -> String {
    let n = f.nrows;
    // Rows: elide the middle when the frame is taller than the area.
    let stop_line = area.height.saturating_sub(ROWS_AT_BOTTOM + BLANK_ROWS + 2) as i64;
    let renew_line = n as i64 - ROWS_AT_BOTTOM as i64;
    let (stop_row, renew_row) = if stop_line >= renew_line {
        (-1i64, -1i64)
    } else {
        (stop_line, renew_line)
    };

    // Widths: labels, then each column (its name and every cell).
    let mut label_width = if f.index.is_range() {
        n.to_string().len()
    } else {
        (0..n).map(|i| f.index.text(i).len()).max().unwrap_or(0)
    };
    if stop_row >= 0 && label_width < 3 {
        label_width = 3;
    }
    let names = f.names.clone();
    let mut widths: Vec<usize> = vec![0; f.cols.len()];
    if let Some(names) = &names {
        for (j, name) in names.iter().enumerate() {
            widths[j] = widths[j].max(name.len());
        }
    }
    let cells: Vec<Vec<String>> = f
        .cols
        .iter()
        .map(|c| (0..n).map(|i| c.str_at(i)).collect())
        .collect();
    for (j, col) in cells.iter().enumerate() {
        for s in col {
            widths[j] = widths[j].max(s.len());
        }
    }

    // Columns: elide the middle when the frame is wider than the area.
    let (stop_col, renew_col) = cols_to_show(area, &widths);
    let shown = |j: usize| stop_col < 0 || (j as i64) < stop_col || (j as i64) >= renew_col;

    let mut header: Vec<String> = Vec::new();
    for j in 0..f.cols.len() {
        let text = match &names {
            Some(names) => names[j].clone(),
            None => j.to_string(),
        };
        if names.is_none() || shown(j) {
            header.push(pad(&text, widths[j]));
        } else if j as i64 == stop_col {
            header.push("...".into());
        }
    }
    let mut out = format!("{}    {}\n", " ".repeat(label_width), header.join("  "));

    let mut lines: Vec<String> = Vec::new();
    for i in 0..n {
        if i as i64 == stop_row {
            let mut render = vec![format!("{}  ", pad("...", label_width))];
            for (j, w) in widths.iter().enumerate() {
                if shown(j) {
                    render.push(pad("...", *w));
                } else if j as i64 == stop_col {
                    render.push("...".into());
                }
            }
            lines.push(render.join("  "));
            continue;
        }
        if stop_row > 0 && (i as i64) > stop_row && (i as i64) < renew_row {
            continue;
        }
        let mut render = vec![format!("{}  ", pad(&f.index.text(i), label_width))];
        for (j, col) in cells.iter().enumerate() {
            if shown(j) {
                render.push(pad(&col[i], widths[j]));
            } else if j as i64 == stop_col {
                render.push("...".into());
            }
        }
        lines.push(render.join("  "));
    }
    out.push_str(&lines.join("\n"));
    out
}

fn cols_to_show(area: OutputArea, widths: &[usize]) -> (i64, i64) {
    if widths.len() < 2 {
        return (-1, -1);
    }
    let end: usize = widths.iter().rev().take(COLS_AT_RIGHT).sum();
    let limit = area.width as i64 - end as i64 - HORIZONTAL_ALLOWANCE as i64;
    let mut running = 4i64;
    let mut stop = -1i64;
    for (i, w) in widths.iter().enumerate() {
        let sum = running + *w as i64 + 2;
        if sum > limit {
            stop = i as i64;
            break;
        }
        running = sum;
    }
    if stop == -1 {
        return (-1, -1);
    }
    (stop, widths.len() as i64 - COLS_AT_RIGHT as i64)
}

/// A series' text: labels left-aligned, values right-aligned, then the
/// name and dtype.
pub fn series_text(s: &Series) -> String {
    let n = s.len();
    let labels: Vec<String> = (0..n).map(|i| s.index.text(i)).collect();
    let label_width = if s.index.is_range() {
        n.saturating_sub(1).to_string().len()
    } else {
        labels.iter().map(String::len).max().unwrap_or(0)
    };
    let values: Vec<String> = (0..n).map(|i| s.col.str_at(i)).collect();
    let width = values.iter().map(String::len).max().unwrap_or(0);
    let mut lines: Vec<String> = Vec::with_capacity(n + 2);
    if !s.index.name.is_empty() {
        lines.push(s.index.name.clone());
    }
    for (l, v) in labels.iter().zip(&values) {
        lines.push(format!("{l:<label_width$}    {v:>width$}"));
    }
    let mut epilogue = format!("dtype: {}", s.col.dtype());
    if !s.name.is_empty() {
        epilogue = format!("Name: {}, {epilogue}", s.name);
    }
    lines.push(epilogue);
    lines.join("\n")
}
