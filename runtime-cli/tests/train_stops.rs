//! Training stops cleanly: on a NaN or infinite cost (naming the pass and batch, the last good
//! pass left on disk) and on Ctrl-C.

mod train_support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use train_support::*;

#[test]
fn a_non_finite_cost_stops_with_the_pass_and_batch_and_keeps_the_last_good_pass() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("out");
    train(
        &save,
        &[
            "--num_passes=1",
            "--config_args=batch_size=100",
            "--log_period=100",
        ],
    );
    let before = read_param(&save.join("pass-00000/___fc_layer_0__.w0"));

    // A learning rate of 1e30 overflows within a batch or two of pass 1.
    let config = format!("--config={CONFIG}");
    let save_flag = format!("--save_dir={}", save.display());
    let (ok, log) = run(&[
        "train",
        config.as_str(),
        save_flag.as_str(),
        "--config_args=batch_size=100,lr=1e30",
        "--start_pass=1",
        "--num_passes=3",
    ]);
    assert!(!ok, "{log}");
    let re = regex(r"the cost became (NaN|inf|-inf) in pass 1, batch [0-9]+: training stopped");
    assert!(re.is_match(&log), "{log}");
    assert!(log.contains("the last good parameters are in"), "{log}");
    assert!(log.contains("pass-00000"), "{log}");
    assert!(!save.join("pass-00001").exists());
    assert_eq!(
        read_param(&save.join("pass-00000/___fc_layer_0__.w0")),
        before
    );
}

#[test]
fn ctrl_c_stops_after_the_batch_and_leaves_saved_passes_whole() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("out");
    let config = format!("--config={CONFIG}");
    let save_flag = format!("--save_dir={}", save.display());
    let mut child = command(&[
        "train",
        config.as_str(),
        save_flag.as_str(),
        "--config_args=batch_size=100",
        "--num_passes=50",
        "--log_period=1",
    ])
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut log = String::new();
    // Wait until pass 0 is saved and pass 1 is under way, then press Ctrl-C.
    for line in lines.by_ref() {
        let line = strip_ansi(&line.unwrap());
        log.push_str(&line);
        log.push('\n');
        if line.contains(" Pass=1 ")
            || (line.contains(" Batch=2 ") && save.join("pass-00000/done").exists())
        {
            break;
        }
    }
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    for line in lines {
        log.push_str(&strip_ansi(&line.unwrap()));
        log.push('\n');
    }
    let status = child.wait().unwrap();
    assert!(!status.success(), "{log}");
    assert!(log.contains("interrupted by Ctrl-C in pass"), "{log}");
    assert!(save.join("pass-00000/done").is_file(), "{log}");
    // Every pass directory that exists is complete, and no temporary one is left.
    for entry in std::fs::read_dir(&save).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("pass-") {
            assert!(
                save.join(&name).join("done").is_file(),
                "{name} is incomplete"
            );
        }
        assert!(!name.starts_with('.'), "left behind: {name}");
    }
}
