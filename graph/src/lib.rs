//! The layer graph: plain structs mirroring Paddle's ModelConfig/TrainerConfig protobufs
//! (fields in field-number order, proto field names), and their protobuf-text printer.
//!
//! Optional proto fields are `Option`s and repeated ones `Vec`s, so "set to the default" and
//! "unset" stay distinct, as they are in Paddle's printed configs. Floating-point fields are
//! [`Real`]s: see there why ints are kept apart.

mod layer_confs;
mod model;
mod parameter;
pub mod protostr;
mod protostr_read;
mod real;
mod trainer;

pub use layer_confs::*;
pub use model::*;
pub use parameter::*;
pub use real::{format_g, py2_float_str, Real};
pub use trainer::*;

pub mod builder;
pub mod layer_types;
pub mod layers;
pub mod settings;
pub use builder::{Builder, GraphError, InputSpec, LayerExtra, ParamAttrs};
