//! Golden files: compare output with the checked-in expectation, or rewrite it on request.

use std::path::Path;

/// The variable that rewrites goldens instead of comparing them.
pub const REGENERATE_VAR: &str = "PADDLERS_REGENERATE";

/// Whether this run rewrites goldens: `PADDLERS_REGENERATE=1`, and nothing else.
pub fn regenerating() -> bool {
    std::env::var(REGENERATE_VAR).is_ok_and(|v| v == "1")
}

/// Compares `got` with the file at `path`, or writes it there when [`regenerating`]. The error
/// says how the two differ (the first differing line, with a few lines of context) and how to
/// regenerate, so a test can collect several before failing.
pub fn check(path: &Path, got: &str) -> Result<(), String> {
    if regenerating() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        return std::fs::write(path, got).map_err(|e| format!("{}: {e}", path.display()));
    }
    let want = match std::fs::read_to_string(path) {
        Ok(w) => w,
        Err(e) => {
            return Err(format!(
                "{}: {e} (run with {REGENERATE_VAR}=1 to write it, then review the diff)",
                path.display()
            ))
        }
    };
    if want == got {
        return Ok(());
    }
    Err(format!(
        "{} differs from the output ({REGENERATE_VAR}=1 rewrites it; review the diff):\n{}",
        path.display(),
        first_difference(&want, got)
    ))
}

/// Like [`check`], but panics with the difference.
pub fn assert_golden(path: &Path, got: &str) {
    if let Err(e) = check(path, got) {
        panic!("{e}");
    }
}

/// The first line where `want` and `got` differ, with up to three lines before it.
pub fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let at = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let mut out = String::new();
    for line in &w[at.saturating_sub(3)..at] {
        out.push_str(&format!("   {line}\n"));
    }
    match w.get(at) {
        Some(line) => out.push_str(&format!(" - {line}   (line {})\n", at + 1)),
        None => out.push_str(&format!(" - <end of file after line {at}>\n")),
    }
    match g.get(at) {
        Some(line) => out.push_str(&format!(" + {line}\n")),
        None => out.push_str(&format!(" + <end of output after line {at}>\n")),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_text_passes_and_a_difference_names_its_line() {
        let dir = std::env::temp_dir().join(format!("paddlers-testkit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("g.txt");
        std::fs::write(&path, "a\nb\nc\n").unwrap();
        if regenerating() {
            return; // this run rewrites files; the comparison is not what it tests
        }
        assert_eq!(check(&path, "a\nb\nc\n"), Ok(()));
        let e = check(&path, "a\nB\nc\n").unwrap_err();
        assert!(e.contains(" - b   (line 2)\n + B\n"), "{e}");
        let e = check(&path, "a\nb\n").unwrap_err();
        assert!(e.contains("<end of output after line 2>"), "{e}");
        let e = check(&dir.join("missing.txt"), "x").unwrap_err();
        assert!(e.contains("PADDLERS_REGENERATE=1"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
