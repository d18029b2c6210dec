//! Python pickles, as far as data files and configs need them: a reader for protocols 0-4
//! that rebuilds numpy arrays from `_reconstruct` / `dtype` REDUCE+BUILD, and a writer for the
//! Python 2 protocol-2 layout of the official CIFAR batches.
//!
//! Its own crate, with no dependencies, because two sides read pickles: the data providers
//! (CIFAR batches, numpy files) and the config language (`import cPickle` at parse time).
//! The language must not pull in the providers' image, tar and gzip decoders for it.

mod read;
mod write;

pub use read::{load, load_prefix, Dtype, NdArray, PickleError, PyObject, PyValue};
pub use write::{Pickler, WriteValue};
