//! Fault injection: training is killed (`kill -9`) at seeded random moments, with and without
//! `--save_only_one`, runs into a full disk and a read-only or unusable save_dir, is fed data
//! and configs that disagree, and is stopped by SIGTERM. After each fault: every pass
//! directory with `done` is whole, the next start leaves no temporaries, and resuming from the
//! last whole pass reproduces an uninterrupted run (parameters and metrics.csv rows).
//!
//! Bounded for CI (`PADDLERS_FAULT_KILLS`, default 4 kills, each at most one short run). The
//! long mode is the same test with more kills:
//! `PADDLERS_FAULT_KILLS=40 cargo test -p paddlers-runtime --test train_faults -- --nocapture`;
//! it prints kills survived, files checked and bytes lost. `PADDLERS_FAULT_SEED` picks the
//! kill moments.

mod train_support;

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use train_support::*;

const NET: &str = "runtime-cli/tests/fixtures/fault_net.cfg";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small seeded generator (64-bit LCG, Knuth's constants) for the kill moments.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

fn net_args(save: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "train".to_string(),
        format!("--config={NET}"),
        format!("--save_dir={}", save.display()),
        "--log_period=100".to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run_net(save: &Path, extra: &[&str]) -> (bool, String) {
    let args = net_args(save, extra);
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn spawn_net(save: &Path, extra: &[&str], log: &Path) -> Child {
    command(&[])
        .args(net_args(save, extra))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("paddlers-runtime starts")
}

/// Names in `dir` that start with '.': our temporaries (`.pass-N.tmp-PID` and the like).
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|es| {
            es.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

/// (relative path, size) of every file under `dir`.
fn files(dir: &Path) -> Vec<(String, u64)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, u64)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, e.metadata().unwrap().len()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Checks every `pass-N` with `done` in `save` against the reference run's `pass-N`: the same
/// files with the same sizes, each parameter file readable. Returns (files checked, bytes
/// lost): bytes of reference files missing or short.
fn check_whole_passes(save: &Path, reference: &Path) -> (usize, u64) {
    let (mut checked, mut lost) = (0, 0);
    let Ok(entries) = std::fs::read_dir(save) else {
        return (0, 0);
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("pass-") || !e.path().join("done").is_file() {
            continue;
        }
        let have: std::collections::BTreeMap<String, u64> = files(&e.path()).into_iter().collect();
        for (rel, size) in files(&reference.join(&name)) {
            checked += 1;
            let got = have.get(&rel).copied().unwrap_or(0);
            lost += size.saturating_sub(got);
            if rel.ends_with(".w0") || rel.ends_with(".wbias") {
                assert_eq!(
                    read_param(&e.path().join(&rel)).len() as u64 * 4 + 16,
                    size,
                    "{name}/{rel}"
                );
            }
        }
    }
    (checked, lost)
}

fn complete_passes(save: &Path) -> Vec<i64> {
    let mut v: Vec<i64> = std::fs::read_dir(save)
        .map(|es| {
            es.flatten()
                .filter(|e| e.path().join("done").is_file())
                .filter_map(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .strip_prefix("pass-")?
                        .parse()
                        .ok()
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort_unstable();
    v
}

/// The pass column of metrics.csv.
fn metric_passes(save: &Path) -> Vec<i64> {
    let text = std::fs::read_to_string(save.join("metrics.csv")).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| l.split(',').next()?.parse().ok())
        .collect()
}

#[test]
fn kill_9_at_random_moments_loses_nothing() {
    let kills = env_number("PADDLERS_FAULT_KILLS", 4);
    let mut rng = Lcg(env_number("PADDLERS_FAULT_SEED", 11));
    let dir = tempfile::tempdir().unwrap();
    // The uninterrupted run: 4 passes, every pass kept. Its duration bounds the kill moments.
    let reference = dir.path().join("reference");
    let started = Instant::now();
    let (ok, log) = run_net(&reference, &["--num_passes=4"]);
    assert!(ok, "{log}");
    let span_ms = started.elapsed().as_millis() as u64;

    let (mut survived, mut mid_run, mut checked, mut lost) = (0, 0, 0usize, 0u64);
    for trial in 0..kills {
        let only_one = trial % 2 == 0;
        let save = dir.path().join(format!("trial-{trial}"));
        let log = dir.path().join(format!("trial-{trial}.log"));
        let mut flags = vec!["--num_passes=3"];
        if only_one {
            flags.push("--save_only_one");
        }
        let mut child = spawn_net(&save, &flags, &log);
        // Anywhere in the first half of the reference's time: a 3-pass run's start-up, its
        // passes and its saves (tests running beside this one slow runs down unevenly).
        std::thread::sleep(Duration::from_millis(rng.below(span_ms / 2)));
        let was_running = child.try_wait().unwrap().is_none();
        child.kill().unwrap();
        child.wait().unwrap();
        mid_run += usize::from(was_running);

        let (c, l) = check_whole_passes(&save, &reference);
        checked += c;
        lost += l;
        let start = complete_passes(&save).last().map_or(0, |p| p + 1);
        let start_flag = format!("--start_pass={start}");
        let mut resume = vec!["--num_passes=4", start_flag.as_str()];
        if only_one {
            resume.push("--save_only_one");
        }
        let (ok, resumed_log) = run_net(&save, &resume);
        assert!(ok, "trial {trial} (start {start}):\n{resumed_log}");
        assert_eq!(temporaries(&save), Vec::<String>::new(), "trial {trial}");
        let (c, l) = check_whole_passes(&save, &reference);
        checked += c;
        lost += l;
        let diff = max_param_diff(&reference.join("pass-00003"), &save.join("pass-00003"));
        assert!(
            diff < 1e-6,
            "trial {trial}: resumed at {start}, parameters differ by {diff} (relative)"
        );
        // Every pass has its row, once: no row lost to a kill between saving and logging.
        assert_eq!(metric_passes(&save), vec![0, 1, 2, 3], "trial {trial}");
        survived += 1;
    }
    println!(
        "fault suite: {survived} kills survived ({mid_run} while training ran), {checked} files \
         checked, {lost} bytes lost"
    );
    assert_eq!(lost, 0);
}

/// A tmpfs of `size` mounted for the life of the value, or None (with a notice) where this
/// test may not mount one.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path, options: &str) -> Option<Mount> {
        std::fs::create_dir_all(at).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            println!("SKIPPED: cannot mount a tmpfs ({options}) here; needs root or CAP_SYS_ADMIN");
            return None;
        }
        Some(Mount(at.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_fails_the_save_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let at = dir.path().join("small");
    // Room for the probe, metrics.csv and curves.png, not for a 123 KB pass directory.
    let Some(_mount) = Mount::tmpfs(&at, "size=64k") else {
        return;
    };
    let save = at.join("model");
    let (ok, log) = run_net(&save, &["--num_passes=1"]);
    assert!(!ok, "{log}");
    assert!(log.contains("No space left on device"), "{log}");
    assert!(log.contains("pass-00000"), "{log}");
    assert!(!save.join("pass-00000").exists());
    assert_eq!(temporaries(&save), Vec::<String>::new());
}

#[test]
fn a_read_only_save_dir_is_found_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let at = dir.path().join("ro");
    let Some(_mount) = Mount::tmpfs(&at, "ro,size=64k") else {
        return;
    };
    let (ok, log) = run_net(&at, &["--num_passes=1"]);
    assert!(!ok, "{log}");
    assert!(log.contains("cannot write in --save_dir"), "{log}");
    assert!(log.contains("Read-only file system"), "{log}");
    assert!(
        lines_with(&log, " Pass=0").is_empty(),
        "trained first:\n{log}"
    );
}

#[test]
fn a_save_dir_that_is_a_file_is_found_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("model");
    std::fs::write(&file, "").unwrap();
    let (ok, log) = run_net(&file, &["--num_passes=1"]);
    assert!(!ok, "{log}");
    assert!(log.contains("names a file, not a directory"), "{log}");
    assert!(
        lines_with(&log, " Pass=0").is_empty(),
        "trained first:\n{log}"
    );
}

/// A CIFAR batch file whose first record has label 12 (of 10 classes).
fn bad_test_data(dir: &Path) -> PathBuf {
    use paddlers_providers::pickle::{Dtype, Pickler, WriteValue};
    let n = 4;
    let pixels = vec![128u8; n * 3072];
    let labels = [12i64, 0, 1, 2];
    let v = WriteValue::Dict(vec![
        ("batch_label", WriteValue::Bytes(b"testing batch 1 of 1")),
        (
            "labels",
            WriteValue::List(labels.iter().map(|&l| WriteValue::Int(l)).collect()),
        ),
        (
            "data",
            WriteValue::Array {
                shape: vec![n, 3072],
                dtype: Dtype::parse("u1").unwrap(),
                data: &pixels,
            },
        ),
        (
            "filenames",
            WriteValue::List((0..n).map(|_| WriteValue::Bytes(b"x.png")).collect()),
        ),
    ]);
    let batch = dir.join("test_batch");
    std::fs::write(&batch, Pickler::dumps(&v)).unwrap();
    let txt = dir.join("test.txt");
    std::fs::write(&txt, format!("{}\n", batch.display())).unwrap();
    let list = dir.join("test.list");
    std::fs::write(&list, format!("{}\n", txt.display())).unwrap();
    list
}

#[test]
fn a_bad_test_label_is_found_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let list = bad_test_data(dir.path());
    let arg = format!("--config_args=test_list={}", list.display());
    let (ok, log) = run_net(&dir.path().join("out"), &["--num_passes=1", &arg]);
    assert!(!ok, "{log}");
    assert!(log.contains("test_batch: record 0"), "{log}");
    assert!(log.contains("label 12 out of range [0, 10)"), "{log}");
    assert!(
        lines_with(&log, " Pass=0").is_empty(),
        "trained first:\n{log}"
    );
}

#[test]
fn labels_beyond_the_output_or_label_layer_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, log) = run_net(
        &dir.path().join("a"),
        &["--num_passes=1", "--config_args=classes=7"],
    );
    assert!(!ok, "{log}");
    assert!(log.contains("label 7 ≥ output size 7"), "{log}");
    // The error names the output layer's own line.
    let fc_line = format!("fault_net.cfg:{}", fixture_line("out = fc_layer"));
    assert!(log.contains(&fc_line), "no {fc_line} in:\n{log}");
    assert!(
        !log.contains("panicked") && !log.contains("frame #"),
        "{log}"
    );
    assert!(lines_with(&log, " Pass=0").is_empty(), "{log}");

    let (ok, log) = run_net(
        &dir.path().join("b"),
        &["--num_passes=1", "--config_args=label_size=5"],
    );
    assert!(!ok, "{log}");
    assert!(
        log.contains("data_layer 'label' has size 5") && log.contains("integer_value(10)"),
        "{log}"
    );
}

/// The 1-based line of fault_net.cfg that contains `text`.
fn fixture_line(text: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fault_net.cfg");
    let cfg = std::fs::read_to_string(path).unwrap();
    1 + cfg
        .lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no '{text}' in fault_net.cfg"))
}

/// square_error's labels are one-hot rows of the output's width, which the pre-flight cannot
/// bound from the provider's slot, so a label beyond the output is found at its record in the
/// middle of a pass. The error names that record's file and number, the layer that refused
/// it and the config line that defined the layer, and ends the run without a panic.
#[test]
fn a_label_refused_mid_pass_names_its_file_record_and_config_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, log) = run_net(
        &dir.path().join("a"),
        &[
            "--num_passes=1",
            "--config_args=classes=7,cost=square_error",
        ],
    );
    assert!(!ok, "{log}");
    let error = log
        .lines()
        .skip_while(|l| !l.contains("≥ output size 7"))
        .take(3)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(error.contains("pass 0, batch "), "{log}");
    assert!(error.contains("layer '__square_error_cost_0__'"), "{log}");
    // The sample is a record of one of the training batches the list names.
    let record = error
        .lines()
        .find_map(|l| l.trim().strip_prefix("the sample is "))
        .unwrap_or_else(|| panic!("no sample origin in:\n{log}"));
    let (file, number) = record.rsplit_once(": record ").expect("file: record N");
    assert!(file.contains("data_batch_"), "{record}");
    let number: usize = number.parse().expect("a record number");
    assert!(number < 10_000, "{record}");
    let defined = error
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("layer '__square_error_cost_0__' is defined at ")
        })
        .unwrap_or_else(|| panic!("no config line in:\n{log}"));
    let want = format!(
        "fault_net.cfg:{}",
        fixture_line("outputs(square_error_cost")
    );
    assert!(defined.ends_with(&want), "{defined} is not {want}");

    // Two replicas each see half the batch; the sample is still named in the whole batch.
    // With batches of 8 the first refused sample is row 7, in the second replica's half.
    let sample_line = |trainer_count: &str, save: &str| {
        let (ok, log) = run_net(
            &dir.path().join(save),
            &[
                "--num_passes=1",
                trainer_count,
                "--config_args=classes=7,cost=square_error,batch_size=8",
            ],
        );
        assert!(!ok, "{log}");
        assert!(!log.contains("panicked"), "{log}");
        let line = log.lines().find(|l| l.contains("the sample is"));
        line.unwrap_or_else(|| panic!("no sample origin in:\n{log}"))
            .to_string()
    };
    let one = sample_line("--trainer_count=1", "b");
    assert!(!one.ends_with(": record 0"), "{one}");
    assert_eq!(sample_line("--trainer_count=2", "c"), one);
    assert!(
        !log.contains("panicked") && !log.contains("frame #"),
        "{log}"
    );
}

#[test]
fn flags_that_train_nothing_or_disagree_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, log) = run_net(dir.path(), &["--num_passes=0"]);
    assert!(!ok, "{log}");
    assert!(log.contains("--num_passes=0: must be at least 1"), "{log}");
    let init = format!("--init_model_path={}", dir.path().join("other").display());
    let (ok, log) = run_net(dir.path(), &["--start_pass=2", "--num_passes=3", &init]);
    assert!(!ok, "{log}");
    assert!(log.contains("names another model"), "{log}");
}

#[test]
fn sigterm_stops_with_a_line_naming_the_last_good_pass() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("out");
    let log_path = dir.path().join("log");
    let mut child = spawn_net(&save, &["--num_passes=50"], &log_path);
    let deadline = Instant::now() + Duration::from_secs(300);
    while !save.join("pass-00000/done").is_file() {
        assert!(Instant::now() < deadline, "pass 0 was never saved");
        assert!(child.try_wait().unwrap().is_none(), "training ended early");
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    let log = strip_ansi(&std::fs::read_to_string(&log_path).unwrap());
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(log.contains("interrupted by SIGTERM"), "{log}");
    assert!(log.contains("the last good parameters are in"), "{log}");
    assert_eq!(temporaries(&save), Vec::<String>::new());
}

#[test]
fn a_new_run_over_old_passes_says_so_and_keeps_the_old_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("out");
    let (ok, log) = run_net(&save, &["--num_passes=1"]);
    assert!(ok, "{log}");
    let first = std::fs::read_to_string(save.join("metrics.csv")).unwrap();
    let (ok, log) = run_net(&save, &["--num_passes=1", "--config_args=clases=10"]);
    assert!(ok, "{log}");
    assert!(log.contains("already holds 1 pass directory"), "{log}");
    assert!(log.contains("--start_pass=1"), "{log}");
    assert!(
        log.contains("'clases' is not read by any get_config_arg")
            && log.contains("did you mean 'classes'?"),
        "{log}"
    );
    let backups: Vec<PathBuf> = std::fs::read_dir(&save)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".bak"))
        .collect();
    assert_eq!(backups.len(), 1, "{log}");
    assert_eq!(std::fs::read_to_string(&backups[0]).unwrap(), first);
}

/// A pipe whose reading end is already closed: writing to it fails with EPIPE / SIGPIPE.
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: pipe() fills two new descriptors; we own both and close the reading end.
    unsafe {
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
        libc::close(fds[0]);
        Stdio::from(OwnedFd::from_raw_fd(fds[1]))
    }
}

#[test]
fn a_reader_that_went_away_ends_the_process_quietly() {
    let out = command(&["version"])
        .stdout(closed_pipe())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "{err}");
    assert!(
        out.status.signal() == Some(libc::SIGPIPE) || out.status.success(),
        "{:?} {err}",
        out.status
    );
    assert!(!err.contains("panicked"), "{err}");

    let out = command(&["train", "--config=no/such.cfg"])
        .stderr(closed_pipe())
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(101), "{:?}", out.status);
}

#[test]
fn a_panic_is_one_line_with_our_exit_code() {
    let out = command(&["version"])
        .env("PADDLERS_INJECT_PANIC", "boom")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(70), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("internal error") && err.contains("please report") && err.contains("boom"),
        "{err}"
    );
    assert!(
        !err.contains("frame #") && !err.contains("panicked at"),
        "{err}"
    );
    let out = command(&["-v", "version"])
        .env("PADDLERS_INJECT_PANIC", "boom")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(70), "{err}");
    assert!(
        err.contains("frame #0"),
        "-v shows the whole message:\n{err}"
    );
}
