//! paddlers-lang: the config language alone, as starlark-rust keeps it.
//!
//! - [`syntax`]: the pest-parsed Python 2 subset (length-preserving pre-pass, CPython-style
//!   indentation check, AST with byte spans);
//! - [`eval`]: the sandboxed interpreter (values, one argument binder for DSL defs and natives,
//!   host objects, modules, limits). It knows nothing of layers: the trainer_config_helpers
//!   library is registered into it by the `paddlers` crate.

pub mod eval;
pub mod syntax;
