//! What flows between layers: Paddle's `Argument`. A dense value [batch, size], integer ids
//! [batch], or both, plus sequence start positions for sequence data (kept so sequence layers
//! can be added without changing the interface).

use std::collections::HashMap;

use paddlers_providers::batch::{Batch, SlotData};
use tch::{Device, Kind, Tensor};

use super::error::{Result, RuntimeError};

#[derive(Debug, Default)]
pub struct Arg {
    /// Dense values, [rows, size], rows = samples (or time steps for sequence data).
    pub value: Option<Tensor>,
    /// Integer ids, [rows], int64 (labels, word ids).
    pub ids: Option<Tensor>,
    /// Paddle's sequenceStartPositions: `num_sequences + 1` row offsets.
    pub seq_starts: Option<Vec<i64>>,
    /// Paddle's subSequenceStartPositions, for nested sequences.
    pub subseq_starts: Option<Vec<i64>>,
    /// For a layer whose activation is softmax: the values before it, so a following
    /// cross-entropy cost can use log_softmax (same gradient, no log of a rounded zero).
    pub logits: Option<Tensor>,
    /// Paddle's named extra outputs (`Layer::getOutput(name)`): lstm_step's "state", and a
    /// recurrent layer group's out links under their gather agents' names.
    pub others: Vec<(String, Arg)>,
}

impl Clone for Arg {
    fn clone(&self) -> Self {
        Arg {
            value: self.value.as_ref().map(Tensor::shallow_clone),
            ids: self.ids.as_ref().map(Tensor::shallow_clone),
            seq_starts: self.seq_starts.clone(),
            subseq_starts: self.subseq_starts.clone(),
            logits: self.logits.as_ref().map(Tensor::shallow_clone),
            others: self.others.clone(),
        }
    }
}

impl Arg {
    pub fn dense(value: Tensor) -> Self {
        Arg {
            value: Some(value),
            ..Default::default()
        }
    }

    pub fn ids(ids: Tensor) -> Self {
        Arg {
            ids: Some(ids),
            ..Default::default()
        }
    }

    /// Number of rows (samples, or time steps of sequences).
    pub fn rows(&self) -> i64 {
        match (&self.value, &self.ids) {
            (Some(v), _) => v.size()[0],
            (None, Some(i)) => i.size()[0],
            (None, None) => 0,
        }
    }
}

/// The input of one forward pass: data layer name → its argument.
pub type Feed = HashMap<String, Arg>;

/// Turns a provider batch into a feed, one tensor copy per slot. Slot names are the data
/// layers' names. Sparse slots become dense rows (the runtime has no sparse layers yet).
pub fn feed_from_batch(batch: &Batch, device: Device, kind: Kind) -> Result<Feed> {
    let mut feed = Feed::with_capacity(batch.slots.len());
    for slot in &batch.slots {
        let bad = |msg: String| RuntimeError::BadFeed {
            layer: slot.name.clone(),
            msg,
        };
        let mut arg = match &slot.data {
            SlotData::Dense(a) => {
                let (rows, cols) = (a.nrows() as i64, a.ncols() as i64);
                let data = a
                    .as_slice()
                    .ok_or_else(|| bad("dense rows are not contiguous".into()))?;
                let t = Tensor::from_slice(data).view([rows, cols]);
                Arg::dense(t.to_device(device).to_kind(kind))
            }
            SlotData::Index(ids) => Arg::ids(Tensor::from_slice(ids).to_device(device)),
            SlotData::SparseBinary { dim, offsets, ids } => {
                Arg::dense(sparse_to_dense(*dim, offsets, ids, None, device, kind).map_err(bad)?)
            }
            SlotData::SparseFloat {
                dim,
                offsets,
                ids,
                values,
            } => Arg::dense(
                sparse_to_dense(*dim, offsets, ids, Some(values), device, kind).map_err(bad)?,
            ),
        };
        arg.seq_starts = slot.seq_starts.clone();
        arg.subseq_starts = slot.subseq_starts.clone();
        feed.insert(slot.name.clone(), arg);
    }
    Ok(feed)
}

fn sparse_to_dense(
    dim: usize,
    offsets: &[i64],
    ids: &[i64],
    values: Option<&[f32]>,
    device: Device,
    kind: Kind,
) -> Result<Tensor, String> {
    let rows = offsets.len().saturating_sub(1);
    let mut dense = vec![0f32; rows * dim];
    for r in 0..rows {
        for k in offsets[r] as usize..offsets[r + 1] as usize {
            let col = ids[k];
            if col < 0 || col as usize >= dim {
                return Err(format!(
                    "row {r} has id {col}, outside the slot's dimension {dim}"
                ));
            }
            dense[r * dim + col as usize] = values.map_or(1.0, |v| v[k]);
        }
    }
    Ok(Tensor::from_slice(&dense)
        .view([rows as i64, dim as i64])
        .to_device(device)
        .to_kind(kind))
}
