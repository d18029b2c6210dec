//! config_parser's layer classes that need more than "register, then copy the input size":
//! image layers, mixed layers with projections and operators, recurrent groups.

pub mod cost;
pub mod general;
pub mod image;
pub mod mixed;
pub mod recurrent;
pub mod sequence;
pub mod simple;
