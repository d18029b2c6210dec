//! Several processes on 127.0.0.1 through c10d Gloo (torchrun's environment: RANK,
//! WORLD_SIZE, MASTER_ADDR, MASTER_PORT). R ranks split each global batch R ways and sum their
//! gradients, so their step is the step of one process with `--trainer_count=R`; a rank that
//! dies ends the others with an error, not a hang, and leaves no partial pass.
//!
//! In a build without distributed support (no gloo headers: see scripts/setup.sh) each test
//! checks the "built without distributed support" error and says it skipped the rest.

mod train_support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use train_support::*;

/// A port nobody listens on now (the OS picks it; the tiny race with another process taking
/// it before rank 0 binds is acceptable on a test machine).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn rank_command(rank: usize, world: usize, port: u16, save: &Path, extra: &[&str]) -> Command {
    let config = format!("--config={CONFIG}");
    let save = format!("--save_dir={}", save.display());
    let mut args = vec!["train", config.as_str(), save.as_str()];
    args.extend_from_slice(extra);
    let mut c = command(&args);
    c.env("RANK", rank.to_string())
        .env("WORLD_SIZE", world.to_string())
        .env("LOCAL_RANK", rank.to_string())
        .env("MASTER_ADDR", "127.0.0.1")
        .env("MASTER_PORT", port.to_string());
    c
}

fn spawn_ranks(world: usize, save: &Path, logs: &Path, extra: &[&str]) -> Vec<Child> {
    let port = free_port();
    (0..world)
        .map(|r| {
            let log = std::fs::File::create(logs.join(format!("rank-{r}.log"))).unwrap();
            rank_command(r, world, port, save, extra)
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("paddlers-runtime starts")
        })
        .collect()
}

fn log_of(logs: &Path, rank: usize) -> String {
    strip_ansi(&std::fs::read_to_string(logs.join(format!("rank-{rank}.log"))).unwrap_or_default())
}

/// True when this build has distributed support; otherwise checks the error a distributed
/// run gets, prints a notice and returns false.
fn distributed_build() -> bool {
    let dir = tempfile::tempdir().unwrap();
    let save = format!("--save_dir={}", dir.path().display());
    let config = format!("--config={CONFIG}");
    // Rank 1 alone: with support it looks for a master that is not there.
    let out = command(&[
        "train",
        &config,
        &save,
        "--num_passes=1",
        "--dist_timeout=1",
    ])
    .env("WORLD_SIZE", "2")
    .env("RANK", "1")
    .env("MASTER_ADDR", "127.0.0.1")
    .env("MASTER_PORT", free_port().to_string())
    .output()
    .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    if log.contains("built without distributed support") {
        assert!(!out.status.success());
        eprintln!("SKIPPED: this paddlers-runtime was built without distributed support");
        return false;
    }
    assert!(!out.status.success(), "{log}");
    assert!(
        log.contains("could not meet the other ranks at 127.0.0.1:"),
        "{log}"
    );
    true
}

/// One batch of the whole sample (1,000 images): R ranks of 1000/R images each against one
/// process with trainer_count=R, compared on the update as train_trainer_count.rs does, with
/// its tolerance and for its reasons: 1e-2 of the largest update. The runs sum the same
/// float32 terms in other orders (the gloo ring adds the ranks' sums in its own order, the
/// trainer the copies' in theirs); a rank's half missing or counted twice is off by 0.5 or 1.
fn ranks_step_as_trainer_count(world: usize) {
    if !distributed_build() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let args = |lr: &str| format!("--config_args=batch_size=1000,batch_norm=0,l2=0,lr={lr}");
    let (frozen, step) = (args("0"), args("0.01"));
    let count = format!("--trainer_count={world}");
    train(&p("init"), &["--num_passes=1", &frozen]);
    let local_log = train(&p("local"), &["--num_passes=1", &count, &step]);
    std::fs::create_dir_all(p("logs")).unwrap();
    let ranks = spawn_ranks(world, &p("dist"), &p("logs"), &["--num_passes=1", &step]);
    for (r, mut child) in ranks.into_iter().enumerate() {
        let status = child.wait().unwrap();
        assert!(status.success(), "rank {r}:\n{}", log_of(&p("logs"), r));
    }
    let pass = |n: &str| p(n).join("pass-00000");
    let (diff, moved) = max_update_diff(&pass("init"), &pass("local"), &pass("dist"));
    eprintln!("{world} ranks: largest update {moved:e}; updates differ by {diff:e} of it");
    assert!(moved > 1e-6, "the step moved no parameter ({moved})");
    assert!(
        diff < 1e-2,
        "{world} ranks and trainer_count={world} differ by {diff}"
    );
    // Rank 0 prints what the one process prints: the global batch's cost (float32 sums in
    // other orders, hence 1e-4 relative) and the evaluator over every rank's share (gathered
    // to each rank), over the same 1000 samples with the same parameters: equal but for a
    // float tie (one sample).
    let local = lines_with(&local_log, " Pass=0 ")[0];
    let log0 = log_of(&p("logs"), 0);
    let dist = lines_with(&log0, " Pass=0 ")[0];
    let (c1, c2) = (field(local, "AvgCost"), field(dist, "AvgCost"));
    assert!((c1 - c2).abs() < 1e-4 * c1.abs(), "{local}\n{dist}");
    let key = "classification_error_evaluator";
    let (e1, e2) = (field(local, key), field(dist, key));
    assert!((e1 - e2).abs() <= 0.001 + 1e-9, "{local}\n{dist}");
    // Only rank 0 wrote the save_dir: one pass, whole.
    assert!(pass("dist").join("done").is_file());
}

#[test]
fn two_ranks_step_as_trainer_count_two() {
    ranks_step_as_trainer_count(2);
}

#[test]
fn three_ranks_step_as_trainer_count_three() {
    ranks_step_as_trainer_count(3);
}

/// Rank 1 is killed (SIGKILL) in the middle of the second pass; rank 0 must stop with an
/// error naming the failed collective well before its 60 s timeout (gloo sees the closed
/// connection), and every pass directory with `done` must be whole.
#[test]
fn a_killed_rank_ends_the_others_with_an_error() {
    if !distributed_build() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (save, logs) = (dir.path().join("save"), dir.path().join("logs"));
    std::fs::create_dir_all(&logs).unwrap();
    let extra = [
        "--num_passes=50",
        "--config_args=batch_size=20,batch_norm=0",
        "--dist_timeout=60",
    ];
    let mut ranks = spawn_ranks(2, &save, &logs, &extra);
    // Wait for pass 0 to be saved, then kill rank 1 while pass 1 trains.
    let started = Instant::now();
    while !save.join("pass-00000").join("done").is_file() {
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "pass 0 never saved:\n{}",
            log_of(&logs, 0)
        );
        if let Ok(Some(s)) = ranks[0].try_wait() {
            panic!("rank 0 ended early ({s}):\n{}", log_of(&logs, 0));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    ranks[1].kill().unwrap();
    ranks[1].wait().unwrap();
    let killed = Instant::now();
    let status = loop {
        if let Some(s) = ranks[0].try_wait().unwrap() {
            break s;
        }
        if killed.elapsed() > Duration::from_secs(90) {
            ranks[0].kill().unwrap();
            panic!(
                "rank 0 still runs 90 s after rank 1 died:\n{}",
                log_of(&logs, 0)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log0 = log_of(&logs, 0);
    eprintln!(
        "rank 0 ended {:.1} s after rank 1 died",
        killed.elapsed().as_secs_f64()
    );
    assert!(!status.success(), "{log0}");
    assert!(log0.contains("distributed: rank 0 of 2:"), "{log0}");
    assert!(log0.contains("failed"), "{log0}");
    assert!(!log0.contains("panicked"), "{log0}");
    // Every pass directory is whole: the saved ones have each parameter at full size, and
    // nothing half-written is left under a pass name.
    let mut whole = 0;
    for e in std::fs::read_dir(&save).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("pass-") {
            continue;
        }
        assert!(e.path().join("done").is_file(), "{name} has no 'done'");
        for f in param_files(&e.path()) {
            let values = read_param(&e.path().join(&f));
            let reference = read_param(&save.join("pass-00000").join(&f));
            assert_eq!(values.len(), reference.len(), "{name}/{f}");
        }
        whole += 1;
    }
    assert!(whole >= 1);
}

/// A master that never comes: a lone rank 1 gives up after --dist_timeout with an error
/// naming the address, instead of waiting forever.
#[test]
fn a_master_that_never_comes_is_an_error_after_the_timeout() {
    if !distributed_build() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = rank_command(
        1,
        2,
        free_port(),
        dir.path(),
        &["--num_passes=1", "--dist_timeout=3"],
    )
    .output()
    .unwrap();
    let log = strip_ansi(&String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "{log}");
    assert!(
        log.contains("rank 1 of 2 could not meet the other ranks"),
        "{log}"
    );
    eprintln!("gave up after {:.1} s", started.elapsed().as_secs_f64());
}

fn launch_args(extra: &[&str]) -> paddlers::cli::args::LaunchArgs {
    let mut argv = vec!["paddlers", "launch"];
    argv.extend_from_slice(extra);
    let parsed = paddlers::cli::parse_from(argv.iter().map(|s| s.to_string()).collect())
        .expect("launch arguments parse");
    match parsed.command {
        paddlers::cli::Command::Launch(a) => a,
        other => panic!("parsed as {other:?}"),
    }
}

/// `paddlers launch --nproc_per_node=2 train ...` starts both ranks with torchrun's
/// environment, writes rank-0.log and rank-1.log under --log_dir, and trains what two ranks
/// train by hand (the same parameters: the same processes with the same environment).
#[test]
fn launch_starts_the_ranks_and_logs_each() {
    let dir = tempfile::tempdir().unwrap();
    let (save, logs) = (dir.path().join("save"), dir.path().join("logs"));
    let save_flag = format!("--save_dir={}", save.display());
    let log_flag = format!("--log_dir={}", logs.display());
    let port = format!("--master_port={}", free_port());
    let config = format!("--config={CONFIG}");
    let args = launch_args(&[
        "--nproc_per_node=2",
        &port,
        &log_flag,
        "train",
        &config,
        &save_flag,
        "--num_passes=1",
        "--config_args=batch_size=500,batch_norm=0",
    ]);
    let plan = paddlers::cli::launch::plan(&args).unwrap();
    assert_eq!((plan.ranks.clone(), plan.world_size), (vec![0, 1], 2));
    std::env::set_current_dir(repo_root()).unwrap();
    let runtime = Path::new(env!("CARGO_BIN_EXE_paddlers-runtime"));
    let code = paddlers::cli::launch::run(&args, runtime).unwrap();
    let log0 = log_of(&logs, 0);
    if !distributed_build() {
        assert_ne!(code, std::process::ExitCode::SUCCESS);
        assert!(log0.contains("built without distributed support"), "{log0}");
        return;
    }
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{log0}");
    assert!(log0.contains("rank 0 of 2"), "{log0}");
    assert!(log_of(&logs, 1).contains("rank 1 of 2"));
    assert_eq!(lines_with(&log0, " Pass=0 ").len(), 1, "{log0}");
    assert!(save.join("pass-00000").join("done").is_file());
}

/// The launcher refuses what it cannot start, before starting anything.
#[test]
fn launch_refuses_commands_it_cannot_start() {
    let config = format!("--config={CONFIG}");
    let cases: [(&[&str], &str); 3] = [
        (
            &["--nproc_per_node=2", "dump_config", "x.cfg"],
            "starts `train` commands",
        ),
        (
            &["--nproc_per_node=2", "train", &config, "--trainer_id=1"],
            "set by paddlers launch",
        ),
        (
            &["--nnodes=2", "--node_rank=2", "train", &config],
            "below --nnodes=2",
        ),
    ];
    for (extra, want) in cases {
        let e = paddlers::cli::launch::plan(&launch_args(extra)).unwrap_err();
        assert!(format!("{e:#}").contains(want), "{extra:?}: {e:#}");
    }
}

fn run_ranks(world: usize, save: &Path, logs: &Path, extra: &[&str]) {
    std::fs::create_dir_all(logs).unwrap();
    for (r, mut child) in spawn_ranks(world, save, logs, extra)
        .into_iter()
        .enumerate()
    {
        let status = child.wait().unwrap();
        assert!(status.success(), "rank {r}:\n{}", log_of(logs, r));
    }
}

/// Resuming with the same world size: two passes on 2 ranks give the parameters of one pass
/// plus `--start_pass=1`, as on one machine (train_resume.rs, with its tolerance: both runs
/// do the same operations in the same order, so only the 1e-6 relative of libtorch's threads).
#[test]
fn two_ranks_resume_where_they_stopped() {
    if !distributed_build() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let common = ["--config_args=batch_size=100,batch_norm=0", "--seed=7"];
    let with = |more: &[&'static str]| -> Vec<&str> {
        let mut v: Vec<&str> = more.to_vec();
        v.extend_from_slice(&common);
        v
    };
    run_ranks(2, &p("straight"), &p("l1"), &with(&["--num_passes=2"]));
    run_ranks(2, &p("resumed"), &p("l2"), &with(&["--num_passes=1"]));
    run_ranks(
        2,
        &p("resumed"),
        &p("l3"),
        &with(&["--num_passes=2", "--start_pass=1"]),
    );
    assert!(log_of(&p("l3"), 0).contains("resuming at pass 1"));
    let diff = max_param_diff(
        &p("straight").join("pass-00001"),
        &p("resumed").join("pass-00001"),
    );
    assert!(diff < 1e-6, "parameters differ by {diff} (relative)");
}
