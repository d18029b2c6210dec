//! Python pickles: the reader and writer live in the `paddlers-pickle` crate, shared with the
//! config language; re-exported here so `paddlers_providers::pickle` keeps its paths.

pub use paddlers_pickle::*;
