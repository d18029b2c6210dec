//! `--trainer_count=N`: N copies of the network, each batch split N ways in order, gradients
//! summed into the first copy before one update, then the new values copied back out, as
//! Paddle's MultiGradientMachine does. On CPU the copies run on threads; with `--use_gpu`
//! copy i runs on GPU `gpu_id + i` (wrapping around when there are fewer GPUs).
//!
//! Copies other than the first hold their own batch-norm moving statistics during a batch;
//! the first copy's are the model's and are copied out with the weights after every update.

use std::collections::HashMap;

use tch::{Device, Kind, Tensor};

use crate::runtime::{Arg, Feed, Mode, Network};

use super::error::TrainError;
use super::evaluators::{Dense, EvalArg};
use super::optimizer::Optimizer;

pub struct Replicas {
    nets: Vec<Network>,
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
        Ok(Replicas { nets })
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
        let parts = split_feed(feed, samples, self.nets.len())?;
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
        let results: Vec<Result<CopyOutcome, TrainError>> = if parts.len() == 1 {
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
        for r in results {
            let (c, e) = r?;
            cost += c;
            eval_inputs.push(e);
        }
        Ok(BatchOutcome {
            samples,
            cost,
            eval_inputs,
        })
    }

    /// Sums each trainable parameter's gradient over the copies into one update of the first
    /// copy, clears the gradients, and copies the new values to the other copies.
    pub fn update(&mut self, optimizer: &mut Optimizer) -> Result<(), TrainError> {
        let (main, others) = self.nets.split_first().expect("at least one copy");
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
            optimizer.update(name, &p.value, &grad)?;
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

    /// Copies the first copy's values (after loading a model) to the others.
    pub fn sync(&self) -> Result<(), TrainError> {
        let (main, others) = self.nets.split_first().expect("at least one copy");
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
/// `n`): share i holds samples `[samples * i / n, samples * (i + 1) / n)`.
pub fn split_feed(feed: &Feed, samples: i64, n: usize) -> Result<Vec<Feed>, TrainError> {
    if n <= 1 {
        return Ok(vec![feed.clone()]);
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
        parts.push(part);
    }
    Ok(parts)
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
        let parts = split_feed(&feed, 5, 2).unwrap();
        assert_eq!(parts.len(), 2);
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
