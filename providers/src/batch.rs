//! Samples and batches. A sample is one `Value` per slot (ndarray for dense data); a batch is
//! laid out per slot the way the runtime copies it into tensors: dense rows as one contiguous
//! `Array2<f32>`, ids as `Vec<i64>`, sparse rows as CSR, and sequences as start offsets like
//! Paddle's `sequenceStartPositions` / `subSequenceStartPositions`.

use ndarray::{Array1, Array2};

use crate::slots::{InputType, SeqType, Slot, SlotKind};

/// One slot's value in one sample (or one time step of a sequence).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Dense(Array1<f32>),
    Index(i64),
    SparseBinary(Vec<i64>),
    SparseFloat(Vec<(i64, f32)>),
    /// A sequence (of time steps) or, nested twice, a sequence of sub-sequences.
    Seq(Vec<Value>),
}

/// One sample: a value per slot, in the provider's slot order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample(pub Vec<Value>);

/// The rows of one slot in a batch. For a sequence slot there is one row per time step.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotData {
    /// rows x dim, row-major and contiguous.
    Dense(Array2<f32>),
    Index(Vec<i64>),
    /// CSR: row `r` holds `ids[offsets[r]..offsets[r + 1]]`.
    SparseBinary {
        dim: usize,
        offsets: Vec<i64>,
        ids: Vec<i64>,
    },
    SparseFloat {
        dim: usize,
        offsets: Vec<i64>,
        ids: Vec<i64>,
        values: Vec<f32>,
    },
}

impl SlotData {
    pub fn rows(&self) -> usize {
        match self {
            SlotData::Dense(a) => a.nrows(),
            SlotData::Index(v) => v.len(),
            SlotData::SparseBinary { offsets, .. } | SlotData::SparseFloat { offsets, .. } => {
                offsets.len() - 1
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlotBatch {
    pub name: String,
    pub data: SlotData,
    /// For sequence slots: `size + 1` offsets into the rows (Paddle's sequenceStartPositions).
    pub seq_starts: Option<Vec<i64>>,
    /// For sub-sequence slots: offsets of every sub-sequence (subSequenceStartPositions).
    pub subseq_starts: Option<Vec<i64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Number of samples.
    pub size: usize,
    pub slots: Vec<SlotBatch>,
    /// Where each sample was read, in sample order, when the provider knows it (empty
    /// otherwise): a layer that refuses a sample's value can then name the file and record.
    pub origins: Vec<SampleOrigin>,
}

/// The file of the list a sample came from, and its record number in that file (from 0, as
/// the providers' read errors count them).
#[derive(Debug, Clone, PartialEq)]
pub struct SampleOrigin {
    pub file: std::sync::Arc<str>,
    pub record: u64,
}

impl std::fmt::Display for SampleOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: record {}", self.file, self.record)
    }
}

impl Batch {
    pub fn slot(&self, name: &str) -> Option<&SlotBatch> {
        self.slots.iter().find(|s| s.name == name)
    }

    /// Where sample `i` was read, if the provider said.
    pub fn origin(&self, i: usize) -> Option<&SampleOrigin> {
        self.origins.get(i)
    }
}

/// Why a value does not fit its slot; the caller adds the file and record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("slot '{slot}' ({ty}): {msg}")]
pub struct ValueError {
    pub slot: String,
    pub ty: InputType,
    pub msg: String,
}

#[derive(Debug)]
struct SlotBuilder {
    slot: Slot,
    dense: Vec<f32>,
    ids: Vec<i64>,
    values: Vec<f32>,
    offsets: Vec<i64>,
    rows: usize,
    seq_starts: Vec<i64>,
    subseq_starts: Vec<i64>,
}

impl SlotBuilder {
    fn new(slot: Slot, capacity: usize) -> Self {
        let dense_cap = if slot.ty.kind == SlotKind::Dense {
            capacity * slot.ty.dim
        } else {
            0
        };
        SlotBuilder {
            slot,
            dense: Vec::with_capacity(dense_cap),
            ids: Vec::with_capacity(capacity),
            values: Vec::new(),
            offsets: vec![0],
            rows: 0,
            seq_starts: vec![0],
            subseq_starts: vec![0],
        }
    }

    fn err(&self, msg: impl Into<String>) -> ValueError {
        ValueError {
            slot: self.slot.name.clone(),
            ty: self.slot.ty,
            msg: msg.into(),
        }
    }

    fn check_id(&self, id: i64) -> Result<(), ValueError> {
        if id < 0 || id as u64 >= self.slot.ty.dim as u64 {
            return Err(self.err(format!("value {id} out of range [0, {})", self.slot.ty.dim)));
        }
        Ok(())
    }

    /// Appends one time step (a non-sequence value).
    fn push_step(&mut self, v: &Value) -> Result<(), ValueError> {
        let dim = self.slot.ty.dim;
        match (self.slot.ty.kind, v) {
            (SlotKind::Dense, Value::Dense(a)) => {
                if a.len() != dim {
                    return Err(
                        self.err(format!("dense value of size {}, expected {dim}", a.len()))
                    );
                }
                self.dense.extend(a.iter().copied());
            }
            (SlotKind::Index, Value::Index(i)) => {
                self.check_id(*i)?;
                self.ids.push(*i);
            }
            (SlotKind::SparseBinary, Value::SparseBinary(ids)) => {
                for &i in ids {
                    self.check_id(i)?;
                }
                self.ids.extend_from_slice(ids);
                self.offsets.push(self.ids.len() as i64);
            }
            (SlotKind::SparseFloat, Value::SparseFloat(pairs)) => {
                for &(i, _) in pairs {
                    self.check_id(i)?;
                }
                self.ids.extend(pairs.iter().map(|p| p.0));
                self.values.extend(pairs.iter().map(|p| p.1));
                self.offsets.push(self.ids.len() as i64);
            }
            (_, other) => {
                return Err(self.err(format!("got {}", describe(other))));
            }
        }
        self.rows += 1;
        Ok(())
    }

    fn push(&mut self, v: &Value) -> Result<(), ValueError> {
        match self.slot.ty.seq {
            SeqType::None => self.push_step(v),
            SeqType::Seq => {
                let Value::Seq(steps) = v else {
                    return Err(self.err(format!("expected a sequence, got {}", describe(v))));
                };
                for s in steps {
                    self.push_step(s)?;
                }
                self.seq_starts.push(self.rows as i64);
                Ok(())
            }
            SeqType::SubSeq => {
                let Value::Seq(subs) = v else {
                    return Err(self.err(format!(
                        "expected a sequence of sequences, got {}",
                        describe(v)
                    )));
                };
                for sub in subs {
                    let Value::Seq(steps) = sub else {
                        return Err(
                            self.err(format!("expected a sub-sequence, got {}", describe(sub)))
                        );
                    };
                    for s in steps {
                        self.push_step(s)?;
                    }
                    self.subseq_starts.push(self.rows as i64);
                }
                self.seq_starts.push(self.rows as i64);
                Ok(())
            }
        }
    }

    fn finish(self) -> SlotBatch {
        let ty = self.slot.ty;
        let data = match ty.kind {
            SlotKind::Dense => SlotData::Dense(
                Array2::from_shape_vec((self.rows, ty.dim), self.dense)
                    .expect("dense rows are pushed whole, so the length is rows * dim"),
            ),
            SlotKind::Index => SlotData::Index(self.ids),
            SlotKind::SparseBinary => SlotData::SparseBinary {
                dim: ty.dim,
                offsets: self.offsets,
                ids: self.ids,
            },
            SlotKind::SparseFloat => SlotData::SparseFloat {
                dim: ty.dim,
                offsets: self.offsets,
                ids: self.ids,
                values: self.values,
            },
        };
        SlotBatch {
            name: self.slot.name,
            data,
            seq_starts: (ty.seq != SeqType::None).then_some(self.seq_starts),
            subseq_starts: (ty.seq == SeqType::SubSeq).then_some(self.subseq_starts),
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Dense(a) => format!("a dense vector of size {}", a.len()),
        Value::Index(i) => format!("the integer {i}"),
        Value::SparseBinary(ids) => format!("a sparse binary vector of {} ids", ids.len()),
        Value::SparseFloat(p) => format!("a sparse float vector of {} entries", p.len()),
        Value::Seq(s) => format!("a sequence of {} items", s.len()),
    }
}

/// Assembles a batch sample by sample. Providers with a hot path (CIFAR) write dense rows in
/// place with [`BatchBuilder::dense_row`]; others push whole [`Sample`]s.
#[derive(Debug)]
pub struct BatchBuilder {
    slots: Vec<SlotBuilder>,
    size: usize,
    origins: Vec<SampleOrigin>,
}

impl BatchBuilder {
    pub fn new(slots: &[Slot], capacity: usize) -> Self {
        BatchBuilder {
            slots: slots
                .iter()
                .map(|s| SlotBuilder::new(s.clone(), capacity))
                .collect(),
            size: 0,
            origins: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.size
    }

    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Appends a whole sample; on error the batch is left unchanged only for the slots before
    /// the bad one, so callers treat an error as fatal for the batch.
    pub fn push(&mut self, sample: &Sample) -> Result<(), ValueError> {
        if sample.0.len() != self.slots.len() {
            return Err(ValueError {
                slot: "*".into(),
                ty: self
                    .slots
                    .first()
                    .map(|s| s.slot.ty)
                    .unwrap_or(crate::dense_vector(0)),
                msg: format!(
                    "sample has {} values but the provider declares {} slots",
                    sample.0.len(),
                    self.slots.len()
                ),
            });
        }
        for (b, v) in self.slots.iter_mut().zip(&sample.0) {
            b.push(v)?;
        }
        self.size += 1;
        Ok(())
    }

    /// Appends a zeroed row to non-sequence dense slot `slot` and returns it to be filled.
    /// Pair with [`BatchBuilder::index`] for the other slots, then call [`BatchBuilder::end_sample`].
    pub fn dense_row(&mut self, slot: usize) -> &mut [f32] {
        let b = &mut self.slots[slot];
        debug_assert!(b.slot.ty.kind == SlotKind::Dense && b.slot.ty.seq == SeqType::None);
        let dim = b.slot.ty.dim;
        let start = b.dense.len();
        b.dense.resize(start + dim, 0.0);
        b.rows += 1;
        &mut b.dense[start..]
    }

    /// Appends an id to non-sequence index slot `slot`, checking its range.
    pub fn index(&mut self, slot: usize, id: i64) -> Result<(), ValueError> {
        self.slots[slot].push_step(&Value::Index(id))
    }

    pub fn end_sample(&mut self) {
        self.size += 1;
    }

    /// Records where the sample just added was read. Either every sample of a batch gets
    /// one or none does (the pipeline notes each one it emits).
    pub fn note_origin(&mut self, origin: SampleOrigin) {
        self.origins.push(origin);
    }

    pub fn finish(self) -> Batch {
        let origins = if self.origins.len() == self.size {
            self.origins
        } else {
            Vec::new()
        };
        Batch {
            size: self.size,
            slots: self.slots.into_iter().map(SlotBuilder::finish).collect(),
            origins,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slots::*;
    use ndarray::array;

    fn slots() -> Vec<Slot> {
        vec![
            Slot::new("x", dense_vector(2)),
            Slot::new("w", integer_value_sequence(5)),
            Slot::new("s", sparse_float_vector_sub_sequence(4)),
        ]
    }

    #[test]
    fn batches_lay_out_rows_offsets_and_csr() {
        let mut b = BatchBuilder::new(&slots(), 2);
        let step = |ids: &[(i64, f32)]| Value::SparseFloat(ids.to_vec());
        b.push(&Sample(vec![
            Value::Dense(array![1.0, 2.0]),
            Value::Seq(vec![Value::Index(1), Value::Index(4)]),
            Value::Seq(vec![Value::Seq(vec![step(&[(0, 0.5)]), step(&[])])]),
        ]))
        .unwrap();
        b.push(&Sample(vec![
            Value::Dense(array![3.0, 4.0]),
            Value::Seq(vec![Value::Index(2)]),
            Value::Seq(vec![
                Value::Seq(vec![step(&[(3, 1.0), (1, 2.0)])]),
                Value::Seq(vec![step(&[(2, 3.0)])]),
            ]),
        ]))
        .unwrap();
        let batch = b.finish();
        assert_eq!(batch.size, 2);
        assert_eq!(
            batch.slots[0].data,
            SlotData::Dense(array![[1.0, 2.0], [3.0, 4.0]])
        );
        assert_eq!(batch.slots[1].data, SlotData::Index(vec![1, 4, 2]));
        assert_eq!(batch.slots[1].seq_starts, Some(vec![0, 2, 3]));
        assert_eq!(batch.slots[1].subseq_starts, None);
        let s = &batch.slots[2];
        assert_eq!(
            s.data,
            SlotData::SparseFloat {
                dim: 4,
                offsets: vec![0, 1, 1, 3, 4],
                ids: vec![0, 3, 1, 2],
                values: vec![0.5, 1.0, 2.0, 3.0],
            }
        );
        assert_eq!(s.seq_starts, Some(vec![0, 2, 4]));
        assert_eq!(s.subseq_starts, Some(vec![0, 2, 3, 4]));
    }

    #[test]
    fn out_of_range_and_wrong_kind_are_errors() {
        let mut b = BatchBuilder::new(&[Slot::new("label", integer_value(10))], 1);
        let e = b.push(&Sample(vec![Value::Index(10)])).unwrap_err();
        assert!(e.to_string().contains("out of range [0, 10)"), "{e}");
        let e = b
            .push(&Sample(vec![Value::Dense(array![1.0])]))
            .unwrap_err();
        assert!(e.to_string().contains("integer_value(10)"), "{e}");
        let mut b = BatchBuilder::new(&[Slot::new("x", dense_vector(3))], 1);
        let e = b
            .push(&Sample(vec![Value::Dense(array![1.0])]))
            .unwrap_err();
        assert!(e.to_string().contains("size 1, expected 3"), "{e}");
    }
}
