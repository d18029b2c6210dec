//! `paddlers launch`: starts the ranks of a distributed run on this machine, as torchrun does
//! (and with its environment convention: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
//! MASTER_PORT), each running `paddlers-runtime` with the training command. Each rank's output
//! goes to `<log_dir>/rank-<r>.log` (log_dir defaults to the command's --save_dir), rank 0's
//! also to the terminal; when one rank fails, the others are stopped and the launcher exits
//! with the failed rank's code.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};

use super::args::{parse_from, Command as Sub, LaunchArgs};

/// Paddle's save_dir when the command names none (the runtime's `DEFAULT_SAVE_DIR`); a
/// config's own save_dir is not read here, so give --save_dir or --log_dir with such configs.
const DEFAULT_SAVE_DIR: &str = "./output/model";

/// How long the other ranks get to stop after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(10);

/// What to start: the training command, checked, and where the logs go.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub command: Vec<String>,
    pub log_dir: PathBuf,
    /// Global ranks started on this node.
    pub ranks: Vec<usize>,
    pub world_size: usize,
}

pub fn plan(args: &LaunchArgs) -> anyhow::Result<Plan> {
    if args.nnodes == 0 || args.nproc_per_node == 0 {
        bail!("--nnodes and --nproc_per_node must be at least 1");
    }
    if args.node_rank >= args.nnodes {
        bail!(
            "--node_rank={} must be below --nnodes={}",
            args.node_rank,
            args.nnodes
        );
    }
    let mut argv = vec!["paddlers".to_string()];
    argv.extend(args.command.iter().cloned());
    let parsed = parse_from(argv).map_err(|e| {
        anyhow!(
            "the command to launch is not a valid paddlers command:\n{}",
            e.render()
        )
    })?;
    let train = match &parsed.command {
        Sub::Train(t) => t,
        _ => bail!(
            "paddlers launch starts `train` commands (paddlers launch --nproc_per_node=2 train \
             --config=...), not `{}`",
            args.command.first().map_or("", String::as_str)
        ),
    };
    if train.cluster.num_gradient_servers != 1 || train.cluster.trainer_id != 0 {
        bail!(
            "--trainer_id and --num_gradient_servers are set by paddlers launch (from \
             --nproc_per_node, --nnodes and --node_rank); leave them out of the train command"
        );
    }
    let log_dir = match (&args.log_dir, train.save_dir.as_str()) {
        (d, _) if !d.is_empty() => PathBuf::from(d),
        (_, s) if !s.is_empty() => PathBuf::from(s),
        _ => PathBuf::from(DEFAULT_SAVE_DIR),
    };
    let per = args.nproc_per_node as usize;
    let first = args.node_rank as usize * per;
    Ok(Plan {
        command: args.command.clone(),
        log_dir,
        ranks: (first..first + per).collect(),
        world_size: per * args.nnodes as usize,
    })
}

/// Runs the plan with `runtime` (the paddlers-runtime binary); the exit code is 0 when every
/// rank succeeded, else the first failed rank's.
pub fn run(args: &LaunchArgs, runtime: &Path) -> anyhow::Result<ExitCode> {
    let plan = plan(args)?;
    std::fs::create_dir_all(&plan.log_dir)
        .with_context(|| format!("creating the log directory {}", plan.log_dir.display()))?;
    let mut children: Vec<(usize, Child)> = Vec::new();
    let mut pumps = Vec::new();
    for (local, &rank) in plan.ranks.iter().enumerate() {
        let path = plan.log_dir.join(format!("rank-{rank}.log"));
        let log =
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let spawned = Command::new(runtime)
            .args(&plan.command)
            .env("RANK", rank.to_string())
            .env("WORLD_SIZE", plan.world_size.to_string())
            .env("LOCAL_RANK", local.to_string())
            .env("LOCAL_WORLD_SIZE", plan.ranks.len().to_string())
            .env("MASTER_ADDR", &args.master_addr)
            .env("MASTER_PORT", args.master_port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                stop(&mut children);
                bail!("could not start {}: {e}", runtime.display());
            }
        };
        let echo = rank == 0;
        let out = child.stdout.take().expect("piped");
        let err = child.stderr.take().expect("piped");
        let log2 = log.try_clone()?;
        pumps.push(std::thread::spawn(move || pump(out, log, echo, false)));
        pumps.push(std::thread::spawn(move || pump(err, log2, echo, true)));
        children.push((rank, child));
    }
    let code = supervise(&mut children, &plan.log_dir);
    for p in pumps {
        let _ = p.join();
    }
    Ok(code)
}

/// Copies a rank's output into its log, and to the terminal for rank 0, line by line.
fn pump(from: impl Read, mut log: std::fs::File, echo: bool, to_stderr: bool) {
    let mut reader = BufReader::new(from);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
        let _ = log.write_all(&line);
        if echo {
            let _ = if to_stderr {
                std::io::stderr().write_all(&line)
            } else {
                std::io::stdout().write_all(&line)
            };
        }
        line.clear();
    }
}

/// Waits for every rank; the first failure stops the rest.
fn supervise(children: &mut Vec<(usize, Child)>, log_dir: &Path) -> ExitCode {
    loop {
        let mut running = 0;
        for i in 0..children.len() {
            let (rank, child) = &mut children[i];
            match child.try_wait() {
                Ok(None) => running += 1,
                Ok(Some(s)) if s.success() => {}
                Ok(Some(s)) => {
                    let rank = *rank;
                    let code = s.code().unwrap_or(1).clamp(1, 255) as u8;
                    children.remove(i);
                    tracing::error!(
                        "rank {rank} failed ({s}): stopping the other ranks; its log is {}",
                        log_dir.join(format!("rank-{rank}.log")).display()
                    );
                    stop(children);
                    return ExitCode::from(code);
                }
                Err(e) => {
                    tracing::error!("waiting for rank {rank}: {e}");
                    stop(children);
                    return ExitCode::from(1);
                }
            }
        }
        if running == 0 {
            return ExitCode::SUCCESS;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// SIGTERM to every rank left (the trainer stops after its batch), SIGKILL after the grace.
fn stop(children: &mut [(usize, Child)]) {
    for (_, c) in children.iter() {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(c.id() as libc::pid_t, libc::SIGTERM) };
    }
    let started = Instant::now();
    for (_, c) in children.iter_mut() {
        loop {
            match c.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if started.elapsed() > GRACE => {
                    let _ = c.kill();
                    let _ = c.wait();
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
}
