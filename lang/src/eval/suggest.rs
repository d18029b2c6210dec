//! "did you mean" suggestions for misspelled names.

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = strsim::levenshtein(word, c);
        let limit = (word.len().max(c.len()) / 3).max(1);
        let jw = strsim::jaro_winkler(word, c);
        if d <= limit || jw >= 0.88 {
            let score = jw - d as f64 * 0.01;
            if best.as_ref().map_or(true, |&(s, _)| score > s) {
                best = Some((score, c));
            }
        }
    }
    best.map(|(_, c)| c.to_string())
}
