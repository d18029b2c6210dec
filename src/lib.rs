//! paddlers: runs PaddlePaddle v1 trainer configs unchanged.
//!
//! This crate holds everything up to the protostr, and none of it links libtorch:
//! - [`syntax`]: the pest-parsed Python 2 subset (pre-pass, indentation check, AST with spans),
//! - [`eval`]: the sandboxed interpreter,
//! - [`helpers`]: the trainer_config_helpers API on top of the interpreter,
//! - [`graph`]: the ModelConfig/TrainerConfig IR and its protobuf-text printer,
//! - [`cli`]: the command-line definitions shared by the front end and the runtime binary.

pub mod cli;
pub mod eval;
pub mod graph;
pub mod helpers;
pub mod syntax;
