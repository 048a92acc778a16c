//! "Did you mean ...?" hints for misspelled names, attributes and keyword
//! arguments, chosen as starlark-go's `spell.Nearest` chooses them.

use crate::builtins::text;

/// Returns `" (did you mean NAME?)"` for the candidate nearest to `name`,
/// or an empty string.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    match nearest(name, candidates) {
        Some(c) => format!(" (did you mean {c}?)"),
        None => String::new(),
    }
}

/// The candidate nearest to `x` (starlark-go's `spell.Nearest`): case and
/// underscores are ignored, and fewer than half the characters may differ.
pub fn nearest<'a>(x: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let fold = |s: &str| -> Vec<u8> {
        s.chars()
            .filter(|&c| c != '_')
            .map(text::to_lower)
            .collect::<String>()
            .into_bytes()
    };
    let x = fold(x);
    let mut best = None;
    let mut best_d = x.len().div_ceil(2);
    for c in candidates {
        let d = levenshtein(&x, &fold(c), best_d);
        if d < best_d {
            best_d = d;
            best = Some(c);
        }
    }
    best
}

/// Edit distance between byte strings, giving up early past `max` (as spell.levenshtein).
fn levenshtein(x: &[u8], y: &[u8], max: usize) -> usize {
    let (mut x, mut y) = if x.len() > y.len() { (y, x) } else { (x, y) };
    if let Some(i) = x.iter().zip(y.iter()).position(|(a, b)| a != b) {
        x = &x[i..];
        y = &y[i..];
    }
    if x.is_empty() {
        return y.len();
    }
    let d = x.len().abs_diff(y.len());
    if d > max {
        return d;
    }
    let mut row: Vec<usize> = (0..=y.len()).collect();
    for i in 1..=x.len() {
        row[0] = i;
        let mut best = i;
        let mut prev = i - 1;
        for j in 1..=y.len() {
            let a = prev + usize::from(x[i - 1] != y[j - 1]);
            let b = 1 + row[j - 1];
            let c = 1 + row[j];
            let k = a.min(b).min(c);
            prev = row[j];
            row[j] = k;
            best = best.min(k);
        }
        if best > max {
            return best;
        }
    }
    row[y.len()]
}
