//! The runtime half of the command line: `version`, and `--use_gpu` without a usable GPU.

use std::path::PathBuf;
use std::process::{Command, Output};

fn runtime_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_paddlers-runtime"))
}

/// The front end, when the workspace was built (`cargo build --workspace`, as scripts/test.sh
/// does); the tests then go through the hand-off exactly as a user's command does.
fn binaries() -> Vec<PathBuf> {
    let mut bins = vec![runtime_bin()];
    let front = runtime_bin().with_file_name("paddlers");
    if front.is_file() {
        bins.push(front);
    }
    bins
}

fn run(bin: &PathBuf, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().expect("start binary")
}

#[test]
fn version_reports_libtorch_cuda_and_gpus() {
    for bin in binaries() {
        let out = run(&bin, &["version"]);
        assert!(out.status.success(), "{bin:?}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("paddlers: {}", env!("CARGO_PKG_VERSION"))),
            "{text}"
        );
        assert!(text.contains("libtorch: 2.11.0"), "{text}");
        let gpus: i64 = text
            .lines()
            .find_map(|l| l.strip_prefix("gpu_count: "))
            .expect("gpu_count line")
            .parse()
            .expect("gpu_count is a number");
        let cuda = text
            .lines()
            .find_map(|l| l.strip_prefix("cuda: "))
            .expect("cuda line");
        assert_eq!(cuda.starts_with("yes"), gpus > 0, "{text}");
        assert!(
            text.lines().any(|l| l == "cudnn: yes" || l == "cudnn: no"),
            "{text}"
        );
    }
}

#[test]
fn use_gpu_without_cuda_is_a_clear_error() {
    paddlers_runtime::cuda::load_cuda_backend();
    if paddlers_runtime::cuda::device_count() > 0 {
        eprintln!("notice: a CUDA device is present; the no-GPU error cannot be exercised here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("never_read.cfg");
    for bin in binaries() {
        for form in [&["--use_gpu=true"][..], &["--use_gpu"], &["--use_gpu", "1"]] {
            let mut args = vec!["train", "--config", cfg.to_str().unwrap()];
            args.extend_from_slice(form);
            let out = run(&bin, &args);
            assert_eq!(out.status.code(), Some(1), "{bin:?} {args:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("--use_gpu=true, but no usable GPU was found"),
                "{err}"
            );
            assert!(
                err.contains("libtorch_cuda.so"),
                "names what was looked for: {err}"
            );
            assert!(err.contains("--use_gpu=false"), "says how to go on: {err}");
        }
    }
}
