//! "Did you mean ...?" hints for misspelled names, attributes and keywords.

/// Returns `" (did you mean NAME?)"` for the closest candidate within a small
/// edit distance, or an empty string.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    match closest(name, candidates) {
        Some(c) => format!(" (did you mean {c}?)"),
        None => String::new(),
    }
}

/// The candidate closest to `name`, if any is close enough (as starlark-go's spell package).
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let max = 1 + name.len() / 4;
    let lname = name.to_lowercase();
    let mut best: Option<(&str, usize)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let lc = c.to_lowercase();
        let d = if lc == lname {
            0
        } else {
            levenshtein(&lname, &lc)
        };
        if d <= max && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((c, d));
        }
    }
    best.map(|(c, _)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
