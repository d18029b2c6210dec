//! The evaluators' inputs of every rank, on every rank: each rank encodes its copies' layer
//! outputs as float64 (exact for float32 values and for ids below 2^53), the lengths and then
//! the payloads are summed into zero buffers where each rank owns a slice, and each rank
//! decodes the concatenation. Rank 0's evaluators then see the global batch in rank order,
//! as one process's evaluators see its copies in order.

use std::collections::HashMap;

use tch::Tensor;

use super::ProcessGroup;
use crate::train::error::TrainError;
use crate::train::evaluators::{Dense, EvalArg};

type CopyInputs = HashMap<String, EvalArg>;

pub fn all_eval_inputs(
    group: &dyn ProcessGroup,
    layers: &[String],
    mine: Vec<CopyInputs>,
) -> Result<Vec<CopyInputs>, TrainError> {
    if group.world_size() <= 1 || layers.is_empty() {
        return Ok(mine);
    }
    let (world, rank) = (group.world_size(), group.rank());
    let encoded = encode(layers, &mine);
    let mut lengths = vec![0f64; world];
    lengths[rank] = encoded.len() as f64;
    let mut t = Tensor::from_slice(&lengths);
    group.allreduce_sum(&mut t, "the evaluator inputs' sizes")?;
    let lengths: Vec<usize> = Vec::<f64>::try_from(&t)?
        .into_iter()
        .map(|l| l as usize)
        .collect();
    let offset: usize = lengths[..rank].iter().sum();
    let mut all = vec![0f64; lengths.iter().sum()];
    all[offset..offset + encoded.len()].copy_from_slice(&encoded);
    let mut t = Tensor::from_slice(&all);
    group.allreduce_sum(&mut t, "the evaluator inputs")?;
    let all = Vec::<f64>::try_from(&t)?;
    let mut out = Vec::new();
    let mut at = 0;
    for len in lengths {
        out.extend(decode(layers, &all[at..at + len])?);
        at += len;
    }
    Ok(out)
}

fn encode(layers: &[String], copies: &[CopyInputs]) -> Vec<f64> {
    let mut v = vec![copies.len() as f64];
    for copy in copies {
        for name in layers {
            let Some(arg) = copy.get(name) else {
                v.push(0.0);
                continue;
            };
            v.push(1.0);
            match &arg.value {
                Some(d) => {
                    v.extend([1.0, d.rows as f64, d.cols as f64, d.data.len() as f64]);
                    v.extend(d.data.iter().map(|&x| f64::from(x)));
                }
                None => v.push(0.0),
            }
            for list in [&arg.ids, &arg.seq_starts] {
                match list {
                    Some(xs) => {
                        v.extend([1.0, xs.len() as f64]);
                        v.extend(xs.iter().map(|&x| x as f64));
                    }
                    None => v.push(0.0),
                }
            }
        }
    }
    v
}

fn decode(layers: &[String], v: &[f64]) -> Result<Vec<CopyInputs>, TrainError> {
    let bad = || TrainError::Distributed("the evaluator inputs of a rank arrived garbled".into());
    let mut it = v.iter().copied();
    let mut next = || it.next().ok_or_else(bad);
    let copies = next()? as usize;
    let mut out = Vec::with_capacity(copies);
    for _ in 0..copies {
        let mut map = CopyInputs::new();
        for name in layers {
            if next()? == 0.0 {
                continue;
            }
            let value = if next()? == 1.0 {
                let (rows, cols, n) = (next()? as usize, next()? as usize, next()? as usize);
                let data = (0..n)
                    .map(|_| next().map(|x| x as f32))
                    .collect::<Result<_, _>>()?;
                Some(Dense { rows, cols, data })
            } else {
                None
            };
            let mut lists = [None, None];
            for l in &mut lists {
                if next()? == 1.0 {
                    let n = next()? as usize;
                    *l = Some(
                        (0..n)
                            .map(|_| next().map(|x| x as i64))
                            .collect::<Result<_, _>>()?,
                    );
                }
            }
            let [ids, seq_starts] = lists;
            map.insert(
                name.clone(),
                EvalArg {
                    value,
                    ids,
                    seq_starts,
                },
            );
        }
        out.push(map);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_survive_the_round_trip() {
        let layers = vec!["out".to_string(), "label".to_string()];
        let mut a = CopyInputs::new();
        a.insert(
            "out".into(),
            EvalArg {
                value: Some(Dense {
                    rows: 2,
                    cols: 2,
                    data: vec![0.1, 0.9, 0.7, 0.3],
                }),
                ids: None,
                seq_starts: Some(vec![0, 2]),
            },
        );
        a.insert(
            "label".into(),
            EvalArg {
                value: None,
                ids: Some(vec![1, 0]),
                seq_starts: None,
            },
        );
        let mut b = CopyInputs::new();
        b.insert("label".into(), a["label"].clone());
        let copies = vec![a, b];
        let back = decode(&layers, &encode(&layers, &copies)).unwrap();
        assert_eq!(back, copies);
        assert!(decode(&layers, &encode(&layers, &copies)[..5]).is_err());
    }
}
