//! Python pickles, as far as data files need them: a reader for protocols 0-4 that rebuilds
//! numpy arrays from `_reconstruct` / `dtype` REDUCE+BUILD, and a writer for the Python 2
//! protocol-2 layout of the official CIFAR batches.

mod read;
mod write;

pub use read::{load, Dtype, NdArray, PyValue};
pub use write::{Pickler, WriteValue};
