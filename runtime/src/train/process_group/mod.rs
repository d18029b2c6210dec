//! How the trainer's copies agree on one update: one [`ProcessGroup`] trait for the gradient
//! sum, the aggregated cost and the checkpoint barrier.
//!
//! - [`InProcess`]: one process. Its `--trainer_count` copies are summed in memory by
//!   `Replicas` (Paddle's MultiGradientMachine), so the group's collectives have nothing to do.
//! - `Gloo` (cargo feature `distributed`): several processes, each with its own copies, over
//!   libtorch's c10d ProcessGroupGloo through the C++ shim in `runtime/csrc/`. Without the
//!   feature, [`connect`] says the build lacks it.
//!
//! Every collective first exchanges the shape and type of what each rank sends and refuses a
//! mismatch with an error naming the ranks: gloo itself aborts the process on one.

mod gather;
#[cfg(paddlers_c10d)]
mod gloo;

pub use gather::all_eval_inputs;

use std::time::Duration;

use tch::{Device, Kind, Tensor};

use super::error::TrainError;

/// Where this process sits in a multi-process run (torchrun's environment convention).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSpec {
    pub rank: usize,
    pub world_size: usize,
    pub local_rank: usize,
    pub master_addr: String,
    pub master_port: u16,
    /// How long any rendezvous or collective may wait for the other ranks.
    pub timeout: Duration,
    /// torchrun's agent serves the store (`TORCHELASTIC_USE_AGENT_STORE=True`), so rank 0
    /// connects as a client like the others.
    pub agent_store: bool,
}

/// The default of `--dist_timeout`: long enough for a test pass on one rank while the others
/// wait at the next collective, short enough that a dead peer is reported within minutes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

pub trait ProcessGroup: Send {
    fn rank(&self) -> usize;
    fn world_size(&self) -> usize;
    /// Sums a contiguous CPU tensor over all ranks, in place. `what` names it in errors.
    fn allreduce_sum(&self, t: &mut Tensor, what: &str) -> Result<(), TrainError>;
    /// Replaces a contiguous CPU tensor by rank `root`'s, in place.
    fn broadcast(&self, t: &mut Tensor, root: usize, what: &str) -> Result<(), TrainError>;
    /// Returns once every rank has called it with the same `what`.
    fn barrier(&self, what: &str) -> Result<(), TrainError>;
}

/// One process: nothing to exchange.
pub struct InProcess;

impl ProcessGroup for InProcess {
    fn rank(&self) -> usize {
        0
    }
    fn world_size(&self) -> usize {
        1
    }
    fn allreduce_sum(&self, _: &mut Tensor, _: &str) -> Result<(), TrainError> {
        Ok(())
    }
    fn broadcast(&self, _: &mut Tensor, _: usize, _: &str) -> Result<(), TrainError> {
        Ok(())
    }
    fn barrier(&self, _: &str) -> Result<(), TrainError> {
        Ok(())
    }
}

/// Whether this build can train on several processes.
pub const AVAILABLE: bool = cfg!(paddlers_c10d);

/// The group for `spec`: [`InProcess`] without one (or with a world of 1), else the c10d
/// rendezvous at `master_addr:master_port`.
pub fn connect(spec: Option<&ClusterSpec>) -> Result<Box<dyn ProcessGroup>, TrainError> {
    match spec {
        None => Ok(Box::new(InProcess)),
        Some(s) if s.world_size <= 1 => Ok(Box::new(InProcess)),
        Some(s) => connect_c10d(s),
    }
}

#[cfg(paddlers_c10d)]
fn connect_c10d(spec: &ClusterSpec) -> Result<Box<dyn ProcessGroup>, TrainError> {
    Ok(Box::new(gloo::Gloo::connect(spec)?))
}

#[cfg(not(paddlers_c10d))]
fn connect_c10d(spec: &ClusterSpec) -> Result<Box<dyn ProcessGroup>, TrainError> {
    Err(unsupported(spec.world_size))
}

/// The error of every distributed flag in a build without the feature.
pub fn unsupported(world_size: usize) -> TrainError {
    TrainError::Distributed(format!(
        "a run of {world_size} ranks needs distributed support, and paddlers was built without \
         distributed support: install the gloo headers (apt-get install libgloo-dev) and \
         rebuild with scripts/setup.sh, or `cargo build --features distributed`"
    ))
}

/// The sum of `tensors` over all ranks as one flat buffer (one collective for the whole set),
/// written back into each tensor's storage shape; float32 on the CPU in between.
pub fn allreduce_all(
    group: &dyn ProcessGroup,
    tensors: &mut [Tensor],
    what: &str,
) -> Result<(), TrainError> {
    if group.world_size() <= 1 || tensors.is_empty() {
        return Ok(());
    }
    let flat: Vec<Tensor> = tensors
        .iter()
        .map(|t| t.to_device(Device::Cpu).to_kind(Kind::Float).reshape([-1]))
        .collect();
    let mut buffer = Tensor::cat(&flat, 0).contiguous();
    group.allreduce_sum(&mut buffer, what)?;
    let mut offset = 0;
    for t in tensors.iter_mut() {
        let n = t.numel() as i64;
        let part = buffer
            .narrow(0, offset, n)
            .view(t.size().as_slice())
            .to_kind(t.kind())
            .to_device(t.device());
        *t = part;
        offset += n;
    }
    Ok(())
}

/// Rank 0's values of `tensors`, on every rank (in place, through one flat buffer).
pub fn broadcast_all(
    group: &dyn ProcessGroup,
    tensors: &[&Tensor],
    what: &str,
) -> Result<(), TrainError> {
    if group.world_size() <= 1 || tensors.is_empty() {
        return Ok(());
    }
    let flat: Vec<Tensor> = tensors
        .iter()
        .map(|t| {
            t.detach()
                .to_device(Device::Cpu)
                .to_kind(Kind::Float)
                .reshape([-1])
        })
        .collect();
    let mut buffer = Tensor::cat(&flat, 0).contiguous();
    group.broadcast(&mut buffer, 0, what)?;
    let mut offset = 0;
    for t in tensors {
        let n = t.numel() as i64;
        let part = buffer.narrow(0, offset, n).view(t.size().as_slice());
        tch::no_grad(|| {
            let mut dst = t.shallow_clone();
            dst.copy_(&part);
        });
        offset += n;
    }
    Ok(())
}

/// Sums a few numbers over all ranks (costs, sample counts), in float64.
pub fn allreduce_f64(
    group: &dyn ProcessGroup,
    values: &mut [f64],
    what: &str,
) -> Result<(), TrainError> {
    if group.world_size() <= 1 || values.is_empty() {
        return Ok(());
    }
    let mut t = Tensor::from_slice(values);
    group.allreduce_sum(&mut t, what)?;
    let summed = Vec::<f64>::try_from(&t)?;
    values.copy_from_slice(&summed);
    Ok(())
}

/// The shape check before a collective: every rank contributes (element count, type code)
/// at its own slot of a zero buffer, the sum shows each rank all of them, and a mismatch is
/// an error naming the ranks before gloo sees it.
pub fn describe_mismatch(rank: usize, mine: (i64, i64), all: &[(i64, i64)]) -> Option<String> {
    let (n, kind) = mine;
    let others: Vec<String> = all
        .iter()
        .enumerate()
        .filter(|(r, d)| *r != rank && **d != (n, kind))
        .map(|(r, (m, k))| format!("rank {r} sends {m} values of type {}", kind_name(*k)))
        .collect();
    if others.is_empty() {
        return None;
    }
    Some(format!(
        "rank {rank} sends {n} values of type {}, but {}: the ranks run different configs \
         or code versions",
        kind_name(kind),
        others.join(", ")
    ))
}

pub fn kind_code(kind: Kind) -> i64 {
    match kind {
        Kind::Float => 1,
        Kind::Double => 2,
        Kind::Int64 => 3,
        Kind::Int => 4,
        _ => 0,
    }
}

fn kind_name(code: i64) -> &'static str {
    match code {
        1 => "float32",
        2 => "float64",
        3 => "int64",
        4 => "int32",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mismatch_names_the_ranks_and_agreement_passes() {
        let all = [(10, 1), (10, 1), (12, 1)];
        assert_eq!(describe_mismatch(0, all[0], &all[..2]), None);
        let msg = describe_mismatch(0, all[0], &all).unwrap();
        assert!(msg.contains("rank 2 sends 12 values"), "{msg}");
        let msg = describe_mismatch(1, (10, 2), &[(10, 1), (10, 2)]).unwrap();
        assert!(msg.contains("float64") && msg.contains("rank 0"), "{msg}");
    }

    #[test]
    fn one_process_needs_no_collective() {
        let g = InProcess;
        let mut ts = vec![Tensor::from_slice(&[1f32, 2.0])];
        allreduce_all(&g, &mut ts, "test").unwrap();
        assert_eq!(Vec::<f32>::try_from(&ts[0]).unwrap(), vec![1.0, 2.0]);
        let mut v = [3.0];
        allreduce_f64(&g, &mut v, "test").unwrap();
        assert_eq!(v, [3.0]);
    }
}
