//! Shared by the trainer's integration tests: run `paddlers-runtime` from the repository root
//! (where the tutorial's relative data paths resolve) and read what it logged and saved.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regex_automata::meta::Regex;

pub const CONFIG: &str = "runtime/tests/fixtures/small_cnn.cfg";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the runtime crate sits in the workspace")
        .to_path_buf()
}

pub fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_paddlers-runtime"));
    c.current_dir(repo_root()).args(args);
    c
}

/// Runs the runtime; returns (success, stderr without terminal colours).
pub fn run(args: &[&str]) -> (bool, String) {
    let out: Output = command(args).output().expect("paddlers-runtime starts");
    (
        out.status.success(),
        strip_ansi(&String::from_utf8_lossy(&out.stderr)),
    )
}

/// `train` with the small CNN, `--save_dir=save_dir`, and `extra` flags; panics on failure.
pub fn train(save_dir: &Path, extra: &[&str]) -> String {
    let config = format!("--config={CONFIG}");
    let save = format!("--save_dir={}", save_dir.display());
    let mut args = vec!["train", config.as_str(), save.as_str()];
    args.extend_from_slice(extra);
    let (ok, log) = run(&args);
    assert!(ok, "training failed:\n{log}");
    log
}

pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ ... final byte in @..~
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The messages of info log lines that start with `prefix`. Every such line must carry glog's
/// prefix, as Paddle's did: `I1128 17:37:34.123456  4242 trainer.rs:119] `.
pub fn lines_with<'a>(log: &'a str, prefix: &str) -> Vec<&'a str> {
    let glog =
        regex(r"^I[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} +[0-9]+ [A-Za-z0-9_.]+:[0-9]+\] ");
    log.lines()
        .filter_map(|l| l.find("] ").map(|i| (l, &l[i + 2..])))
        .filter(|(_, m)| m.starts_with(prefix))
        .map(|(l, m)| {
            assert_matches(&glog, l);
            m
        })
        .collect()
}

pub fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid pattern")
}

pub fn assert_matches(re: &Regex, line: &str) {
    assert!(re.is_match(line), "{line:?} does not match {re:?}");
}

/// The number after `key=` in a log line.
pub fn field(line: &str, key: &str) -> f64 {
    let at = line
        .find(&format!("{key}="))
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"));
    let rest = &line[at + key.len() + 1..];
    let end = rest.find(' ').unwrap_or(rest.len());
    rest[..end]
        .parse()
        .unwrap_or_else(|_| panic!("{key}= is not a number in {line:?}"))
}

/// A saved parameter file's values (Paddle's 16-byte header, then float32).
pub fn read_param(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[0..8],
        &[0, 0, 0, 0, 4, 0, 0, 0],
        "{}",
        path.display()
    );
    let n = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
    assert_eq!(bytes.len(), 16 + 4 * n, "{}", path.display());
    bytes[16..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Parameter file names in a pass directory (not done, config, path.txt, optimizer_state).
pub fn param_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('_'))
        .collect();
    names.sort();
    names
}

/// The largest difference between two passes' parameters, relative to the values' scale.
pub fn max_param_diff(a: &Path, b: &Path) -> f64 {
    let names = param_files(a);
    assert_eq!(names, param_files(b), "the same parameters were saved");
    let mut worst = 0f64;
    for n in &names {
        let (x, y) = (read_param(&a.join(n)), read_param(&b.join(n)));
        assert_eq!(x.len(), y.len(), "{n}");
        let scale = x.iter().map(|v| v.abs()).fold(1e-6f32, f32::max) as f64;
        for (p, q) in x.iter().zip(&y) {
            worst = worst.max((p - q).abs() as f64 / scale);
        }
    }
    worst
}

/// How far two runs' updates from the same starting point disagree: for each parameter, the
/// largest element-wise difference of `a - init` and `b - init`, relative to the largest
/// element of `a - init`; the worst parameter wins. Unlike [`max_param_diff`], this does not
/// shrink as the update does: a gradient that is missing half its batch gives 0.5, one summed
/// twice gives 1.0, while float32 reordering gives about 1e-6. Also returns the largest update
/// seen, so a test can prove the runs moved at all.
pub fn max_update_diff(init: &Path, a: &Path, b: &Path) -> (f64, f64) {
    let names = param_files(init);
    assert_eq!(names, param_files(a), "the same parameters were saved");
    assert_eq!(names, param_files(b), "the same parameters were saved");
    let (mut worst, mut moved) = (0f64, 0f64);
    for n in &names {
        let p0 = read_param(&init.join(n));
        let (pa, pb) = (read_param(&a.join(n)), read_param(&b.join(n)));
        assert!(p0.len() == pa.len() && p0.len() == pb.len(), "{n}");
        let da: Vec<f64> = pa
            .iter()
            .zip(&p0)
            .map(|(x, y)| (*x as f64) - (*y as f64))
            .collect();
        let db: Vec<f64> = pb
            .iter()
            .zip(&p0)
            .map(|(x, y)| (*x as f64) - (*y as f64))
            .collect();
        let scale = da.iter().map(|v| v.abs()).fold(0f64, f64::max);
        moved = moved.max(scale);
        if scale == 0.0 {
            continue;
        }
        for (x, y) in da.iter().zip(&db) {
            worst = worst.max((x - y).abs() / scale);
        }
    }
    (worst, moved)
}
