//! paddlers: runs PaddlePaddle v1 trainer configs unchanged.
//!
//! This crate is the front end, and none of it links libtorch:
//! - [`helpers`]: the trainer_config_helpers API, registered into the interpreter, and
//!   `parse_config`, which turns a config file into a [`graph::TrainerConfig`];
//! - [`cli`]: the command-line definitions shared by the front end and the runtime binary.
//!
//! The language ([`syntax`], [`eval`]) is the `paddlers-lang` crate and the IR ([`graph`]) is
//! `paddlers-graph`; they are re-exported here under their old paths because the helpers are
//! written against both, and users of this crate see one API.

pub mod cli;
pub mod helpers;

pub use paddlers_graph as graph;
pub use paddlers_lang::{eval, syntax};
