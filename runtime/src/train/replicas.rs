//! `--trainer_count=N`: N copies of the network, each batch split N ways in order, gradients
//! summed into the first copy before one update, then the new values copied back out, as
//! Paddle's MultiGradientMachine does. On CPU the copies run on threads; with `--use_gpu`
//! copy i runs on GPU `gpu_id + i` (wrapping around when there are fewer GPUs).
//!
//! Copies other than the first hold their own batch-norm moving statistics during a batch;
//! the first copy's are the model's and are copied out with the weights after every update.
//!
//! With several processes (`process_group`), each batch is the global batch: rank r takes the
//! r-th of `world_size` contiguous shares and splits it among its own copies, and the sum over
//! copies is then summed over the ranks, so R ranks of T copies compute what one process with
//! `--trainer_count=R*T` computes.

use std::collections::HashMap;

use tch::{Device, Kind, Tensor};

use crate::runtime::{Arg, Feed, Mode, Network, RuntimeError};

use super::error::TrainError;
use super::evaluators::{Dense, EvalArg};
use super::optimizer::Optimizer;
use super::process_group::{self, InProcess, ProcessGroup};

pub struct Replicas {
    nets: Vec<Network>,
    group: Box<dyn ProcessGroup>,
}

/// One copy's cost and evaluator inputs.
type CopyOutcome = (f64, HashMap<String, EvalArg>);

/// What one batch produced: Paddle's summed cost and the evaluators' inputs per copy.
pub struct BatchOutcome {
    pub samples: i64,
    pub cost: f64,
    pub eval_inputs: Vec<HashMap<String, EvalArg>>,
}

impl Replicas {
    /// `main` plus `devices.len()` more copies (one per extra device), with main's values.
    pub fn new(main: Network, extra: &[Device]) -> Result<Replicas, TrainError> {
        let mut nets = vec![main];
        for &d in extra {
            let copy = nets[0].replica(d)?;
            nets.push(copy);
        }
        Ok(Replicas {
            nets,
            group: Box::new(InProcess),
        })
    }

    /// Reduces over `group`'s ranks too, after the copies' own sum.
    pub fn set_group(&mut self, group: Box<dyn ProcessGroup>) {
        self.group = group;
    }

    pub fn group(&self) -> &dyn ProcessGroup {
        self.group.as_ref()
    }

    pub fn main(&self) -> &Network {
        &self.nets[0]
    }

    pub fn main_mut(&mut self) -> &mut Network {
        &mut self.nets[0]
    }

    pub fn count(&self) -> usize {
        self.nets.len()
    }

    /// Forward and backward on every copy's share of `feed`; gradients stay on each copy.
    pub fn forward_backward(
        &mut self,
        feed: &Feed,
        samples: i64,
        eval_layers: &[String],
    ) -> Result<BatchOutcome, TrainError> {
        let (world, rank) = (self.group.world_size() as i64, self.group.rank() as i64);
        let (from, to) = (samples * rank / world, samples * (rank + 1) / world);
        let shares = if world <= 1 {
            split_feed(feed, samples, self.nets.len())?
        } else if to > from {
            let share = slice_feed(feed, from, to)?;
            split_feed(&share, to - from, self.nets.len())?
                .into_iter()
                .map(|(first, part)| (first + from as usize, part))
                .collect()
        } else {
            // A global batch smaller than the ranks: this rank adds zero gradients.
            Vec::new()
        };
        // Where each copy's samples start in the whole batch, to name a refused sample.
        let (offsets, parts): (Vec<usize>, Vec<Feed>) = shares.into_iter().unzip();
        let run =
            |net: &Network, part: Feed| -> Result<(f64, HashMap<String, EvalArg>), TrainError> {
                let part = to_device(&part, net.device());
                let fwd = net.forward(&part, Mode::Train)?;
                let loss = fwd.loss.as_ref().ok_or_else(|| {
                    TrainError::Network("the network has no cost layer to train".into())
                })?;
                loss.backward();
                let cost = fwd.cost.as_ref().map_or(0.0, |c| c.double_value(&[]));
                let mut eval = HashMap::new();
                for name in eval_layers {
                    if let Some(arg) = fwd.output(name) {
                        eval.insert(name.clone(), eval_arg(arg)?);
                    }
                }
                Ok((cost, eval))
            };
        let results: Vec<Result<CopyOutcome, TrainError>> = if parts.len() <= 1 {
            parts.into_iter().map(|p| run(&self.nets[0], p)).collect()
        } else {
            let run = &run;
            // Each copy's operations use its share of the cores, so the copies' thread pools
            // do not oversubscribe the machine.
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let per_copy = (cores / parts.len()).max(1) as i32;
            let before = tch::get_num_threads();
            let results = std::thread::scope(|s| {
                let handles: Vec<_> = self
                    .nets
                    .iter_mut()
                    .zip(parts)
                    .map(|(net, part)| {
                        s.spawn(move || {
                            if net.device() == Device::Cpu {
                                tch::set_num_threads(per_copy);
                            }
                            run(net, part)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(TrainError::Network("a trainer thread panicked".into()))
                        })
                    })
                    .collect()
            });
            // The update and the tests run on the main thread with every core again.
            tch::set_num_threads(before);
            results
        };
        let mut cost = 0.0;
        let mut eval_inputs = Vec::with_capacity(results.len());
        for (r, offset) in results.into_iter().zip(offsets) {
            let (c, e) = r.map_err(|e| match e {
                TrainError::Runtime(RuntimeError::BadRecord {
                    layer,
                    layer_type,
                    msg,
                    sample,
                }) => TrainError::Runtime(RuntimeError::BadRecord {
                    layer,
                    layer_type,
                    msg,
                    sample: sample + offset,
                }),
                e => e,
            })?;
            cost += c;
            eval_inputs.push(e);
        }
        // Paddle's cost of the batch is the sum over every sample of the global batch.
        let mut sum = [cost];
        process_group::allreduce_f64(self.group.as_ref(), &mut sum, "the batch cost")?;
        let cost = sum[0];
        let eval_inputs =
            process_group::all_eval_inputs(self.group.as_ref(), eval_layers, eval_inputs)?;
        Ok(BatchOutcome {
            samples,
            cost,
            eval_inputs,
        })
    }

    /// Sums each trainable parameter's gradient over the copies (and then over the ranks, in
    /// one collective for the whole set) into one update of the first copy, clears the
    /// gradients, and copies the new values to the other copies.
    pub fn update(&mut self, optimizer: &mut Optimizer) -> Result<(), TrainError> {
        let (main, others) = self.nets.split_first().expect("at least one copy");
        let mut grads = Vec::new();
        for p in main.params().trainable() {
            let name = p.name();
            let mut grad = match p.grad() {
                Some(g) => g.detach(),
                None => p.value.zeros_like(),
            };
            for other in others {
                if let Some(g) = other.params().get(name).and_then(|q| q.grad()) {
                    grad += g.to_device(main.device());
                }
            }
            grads.push(grad);
        }
        if self.group.world_size() > 1 {
            let started = std::time::Instant::now();
            process_group::allreduce_all(self.group.as_ref(), &mut grads, "the gradient sum")?;
            let values: i64 = grads.iter().map(|g| g.numel() as i64).sum();
            tracing::debug!(
                "gradient allreduce of {values} values: {:.2} ms",
                started.elapsed().as_secs_f64() * 1e3
            );
        }
        for (p, grad) in main.params().trainable().zip(&grads) {
            optimizer.update(p.name(), &p.value, grad)?;
        }
        for net in &self.nets {
            net.params().zero_grad();
        }
        for other in others {
            other.params().copy_values_from(main.params())?;
        }
        Ok(())
    }

    /// Drops the gradients of a batch that is not applied.
    pub fn zero_grad(&self) {
        for net in &self.nets {
            net.params().zero_grad();
        }
    }

    /// Copies the first copy's values (after loading a model) to the others; with several
    /// ranks, rank 0's values to every rank first.
    pub fn sync(&self) -> Result<(), TrainError> {
        let (main, others) = self.nets.split_first().expect("at least one copy");
        let values: Vec<&Tensor> = main.params().iter().map(|p| &p.value).collect();
        process_group::broadcast_all(self.group.as_ref(), &values, "rank 0's parameters")?;
        for other in others {
            other.params().copy_values_from(main.params())?;
        }
        Ok(())
    }
}

/// A host copy of a layer output for the evaluators.
pub fn eval_arg(arg: &Arg) -> Result<EvalArg, TrainError> {
    let value = match &arg.value {
        Some(v) => {
            let v = v.detach().to_device(Device::Cpu).to_kind(Kind::Float);
            let size = v.size();
            let rows = size.first().copied().unwrap_or(0) as usize;
            let cols = v.numel().checked_div(rows).unwrap_or(0);
            let data = Vec::<f32>::try_from(&v.reshape([-1]))?;
            Some(Dense { rows, cols, data })
        }
        None => None,
    };
    let ids = match &arg.ids {
        Some(i) => Some(Vec::<i64>::try_from(
            &i.to_device(Device::Cpu).to_kind(Kind::Int64).reshape([-1]),
        )?),
        None => None,
    };
    Ok(EvalArg {
        value,
        ids,
        seq_starts: arg.seq_starts.clone(),
    })
}

fn to_device(feed: &Feed, device: Device) -> Feed {
    feed.iter()
        .map(|(k, a)| {
            let mut a = a.clone();
            a.value = a.value.map(|v| v.to_device(device));
            a.ids = a.ids.map(|v| v.to_device(device));
            a.logits = a.logits.map(|v| v.to_device(device));
            (k.clone(), a)
        })
        .collect()
}

/// Splits `samples` samples into `n` contiguous shares (fewer when the batch is smaller than
/// `n`): share i holds samples `[samples * i / n, samples * (i + 1) / n)`. Each comes with the
/// index of its first sample.
pub fn split_feed(feed: &Feed, samples: i64, n: usize) -> Result<Vec<(usize, Feed)>, TrainError> {
    if n <= 1 {
        return Ok(vec![(0, feed.clone())]);
    }
    let n = n as i64;
    let mut parts = Vec::new();
    for i in 0..n {
        let (from, to) = (samples * i / n, samples * (i + 1) / n);
        if to == from {
            continue;
        }
        let mut part = Feed::with_capacity(feed.len());
        for (name, arg) in feed {
            part.insert(name.clone(), slice_arg(name, arg, from, to)?);
        }
        parts.push((from as usize, part));
    }
    Ok(parts)
}

/// Samples `[from, to)` of every argument.
fn slice_feed(feed: &Feed, from: i64, to: i64) -> Result<Feed, TrainError> {
    feed.iter()
        .map(|(name, arg)| Ok((name.clone(), slice_arg(name, arg, from, to)?)))
        .collect()
}

/// Samples `[from, to)` of one argument: rows for plain data, whole sequences otherwise.
fn slice_arg(name: &str, arg: &Arg, from: i64, to: i64) -> Result<Arg, TrainError> {
    if arg.subseq_starts.is_some() {
        return Err(TrainError::Flag(format!(
            "data layer '{name}' holds nested sequences, which --trainer_count > 1 cannot split yet"
        )));
    }
    let (row_from, row_to, seq_starts) = match &arg.seq_starts {
        None => (from, to, None),
        Some(starts) => {
            let (a, b) = (starts[from as usize], starts[to as usize]);
            let shifted = starts[from as usize..=to as usize]
                .iter()
                .map(|s| s - a)
                .collect();
            (a, b, Some(shifted))
        }
    };
    let take = |t: &Tensor| t.narrow(0, row_from, row_to - row_from);
    Ok(Arg {
        value: arg.value.as_ref().map(take),
        ids: arg.ids.as_ref().map(take),
        seq_starts,
        subseq_starts: None,
        logits: arg.logits.as_ref().map(take),
        others: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_rows_and_sequences_in_order() {
        let mut feed = Feed::new();
        feed.insert(
            "x".into(),
            Arg::dense(Tensor::arange(10, (Kind::Float, Device::Cpu)).view([5, 2])),
        );
        let mut seq = Arg::ids(Tensor::arange(7, (Kind::Int64, Device::Cpu)));
        seq.seq_starts = Some(vec![0, 2, 3, 3, 6, 7]);
        feed.insert("w".into(), seq);
        let (firsts, parts): (Vec<usize>, Vec<Feed>) =
            split_feed(&feed, 5, 2).unwrap().into_iter().unzip();
        assert_eq!(parts.len(), 2);
        assert_eq!(firsts, vec![0, 2]);
        // Samples [0, 2) and [2, 5).
        assert_eq!(parts[0]["x"].value.as_ref().unwrap().size(), vec![2, 2]);
        assert_eq!(parts[1]["x"].value.as_ref().unwrap().size(), vec![3, 2]);
        assert_eq!(parts[0]["w"].seq_starts, Some(vec![0, 2, 3]));
        assert_eq!(parts[1]["w"].seq_starts, Some(vec![0, 0, 3, 4]));
        let ids = Vec::<i64>::try_from(parts[1]["w"].ids.as_ref().unwrap()).unwrap();
        assert_eq!(ids, vec![3, 4, 5, 6]);
        // A batch smaller than the copy count uses fewer copies.
        assert_eq!(split_feed(&feed, 1, 4).unwrap().len(), 1);
    }
}
