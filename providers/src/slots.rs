//! Slot (input) types, mirroring PyDataProvider2's `InputType`: a data type, a dimension and a
//! sequence level.

use std::fmt;

/// PyDataProvider2's `DataType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    Dense,
    /// `integer_value(range)`: one id in `[0, dim)`.
    Index,
    SparseBinary,
    SparseFloat,
}

/// PyDataProvider2's `SequenceType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqType {
    None,
    Seq,
    SubSeq,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputType {
    pub kind: SlotKind,
    pub dim: usize,
    pub seq: SeqType,
}

/// A named slot; the name is the data layer it feeds (PyDataProvider2's dict `input_types`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub name: String,
    pub ty: InputType,
}

impl Slot {
    pub fn new(name: impl Into<String>, ty: InputType) -> Self {
        Slot {
            name: name.into(),
            ty,
        }
    }
}

const fn ty(kind: SlotKind, dim: usize, seq: SeqType) -> InputType {
    InputType { kind, dim, seq }
}

pub const fn dense_vector(dim: usize) -> InputType {
    ty(SlotKind::Dense, dim, SeqType::None)
}
pub const fn dense_vector_sequence(dim: usize) -> InputType {
    ty(SlotKind::Dense, dim, SeqType::Seq)
}
pub const fn dense_vector_sub_sequence(dim: usize) -> InputType {
    ty(SlotKind::Dense, dim, SeqType::SubSeq)
}
pub const fn integer_value(range: usize) -> InputType {
    ty(SlotKind::Index, range, SeqType::None)
}
pub const fn integer_value_sequence(range: usize) -> InputType {
    ty(SlotKind::Index, range, SeqType::Seq)
}
pub const fn integer_value_sub_sequence(range: usize) -> InputType {
    ty(SlotKind::Index, range, SeqType::SubSeq)
}
pub const fn sparse_binary_vector(dim: usize) -> InputType {
    ty(SlotKind::SparseBinary, dim, SeqType::None)
}
pub const fn sparse_binary_vector_sequence(dim: usize) -> InputType {
    ty(SlotKind::SparseBinary, dim, SeqType::Seq)
}
pub const fn sparse_binary_vector_sub_sequence(dim: usize) -> InputType {
    ty(SlotKind::SparseBinary, dim, SeqType::SubSeq)
}
pub const fn sparse_float_vector(dim: usize) -> InputType {
    ty(SlotKind::SparseFloat, dim, SeqType::None)
}
pub const fn sparse_float_vector_sequence(dim: usize) -> InputType {
    ty(SlotKind::SparseFloat, dim, SeqType::Seq)
}
pub const fn sparse_float_vector_sub_sequence(dim: usize) -> InputType {
    ty(SlotKind::SparseFloat, dim, SeqType::SubSeq)
}

impl fmt::Display for InputType {
    /// Prints the PyDataProvider2 constructor that declares this type, e.g. `dense_vector(3072)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = match self.kind {
            SlotKind::Dense => "dense_vector",
            SlotKind::Index => "integer_value",
            SlotKind::SparseBinary => "sparse_binary_vector",
            SlotKind::SparseFloat => "sparse_float_vector",
        };
        let suffix = match self.seq {
            SeqType::None => "",
            SeqType::Seq => "_sequence",
            SeqType::SubSeq => "_sub_sequence",
        };
        write!(f, "{base}{suffix}({})", self.dim)
    }
}
