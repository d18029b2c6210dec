//! The sandboxed interpreter for trainer configs (Python 2 semantics).
//!
//! # Embedding API (for the helpers in the `paddlers` crate, and the CLI)
//!
//! ```no_run
//! use paddlers_lang::eval::{EvalError, HostObject, HostType, Interp, Value};
//! use std::rc::Rc;
//!
//! struct Layer { name: String, size: i64 }
//! impl HostObject for Layer {
//!     fn type_name(&self) -> &str { "LayerOutput" }
//!     fn as_any(&self) -> &dyn std::any::Any { self }
//! }
//!
//! let mut interp = Interp::new();
//! interp.set_config_args("batch=32,use_gpu=1").unwrap();
//! let m = interp.module("paddle.trainer_config_helpers");
//! // One binder for natives and DSL defs: defaults, *args/**kwargs, "did you mean".
//! m.add_native("fc_layer", "input, size, act=None, name=None", |_interp, args| {
//!     let size = args.int("size")?;
//!     let name = args.opt_str("name")?.map(|s| s.to_string()).unwrap_or_default();
//!     Ok(Value::host(Layer { name, size }))
//! });
//! m.set("LayerOutput", HostType::new("LayerOutput").into_value());
//! // Networks written in the DSL itself, run into the module on first import.
//! m.add_prelude("<networks>", "def double(x):\n    return fc_layer(input=x, size=2)\n");
//! let main = interp.run_file(std::path::Path::new("models/vgg.cfg"));
//! match main {
//!     Ok(module) => { let _outputs = module.get("outputs"); }
//!     Err(diagnostic) => { eprint!("{diagnostic}"); std::process::exit(1) }
//! }
//! ```
//!
//! - Natives: [`Value::native`] / [`Module::add_native`] take a Python parameter-list spec
//!   and a closure `Fn(&mut Interp, Bound) -> Result<Value, EvalError>`; closures may capture
//!   host state (`Rc<RefCell<GraphBuilder>>`). [`Bound`] gives typed access (`int`, `str`,
//!   `opt_float`, `list`, `is_given`, `varargs`, `kwargs`).
//! - Errors from natives ([`EvalError::type_error`], [`EvalError::value_error`], ...
//!   or `EvalError::new("NameOfError", msg)`) need no position: the user's call site is
//!   attached automatically, and DSL frames become "called from" lines.
//! - Host values implement [`HostObject`] (type name, getattr/setattr, `+ - *` with
//!   [`OpSide`] for reflected and in-place forms, `with` enter/exit, call, repr, truthiness);
//!   [`HostType`] values make `isinstance(x, LayerOutput)` work and can carry class
//!   attributes and a constructor.
//! - Modules: [`Interp::module`] gets or creates a dotted module (parents are created and
//!   linked); `from X import *` copies its public names, honouring `__all__`.
//!   [`Module::add_prelude`] queues DSL source evaluated into the module on first import;
//!   its undecorated top-level `def`s are parsed on their first call (their defaults are
//!   evaluated then), which keeps a large networks prelude out of every config's parse time.
//!   Sibling imports (`from seqToseq_net import *`) load `<config dir>/seqToseq_net.py`.
//! - Callbacks: [`Interp::call`] calls any DSL callable (e.g. a recurrent_group step).
//! - Config args: [`Interp::set_config_args`] takes Paddle's `a=1,b=x`;
//!   `get_config_arg(name, type, default)` is a builtin (and in `paddle.trainer.config_parser`).
//! - Running: [`Interp::run_file`] / [`Interp::run_source`] return the `__main__` module or
//!   a rendered [`Diagnostic`] (`path:line:col: Kind: message`, source line, caret, notes,
//!   "called from" lines). `print` goes to stderr unless [`Interp::set_output`] redirects it.
//! - Limits: [`Limits`] (steps, call depth, collection size); limit errors cannot be
//!   caught by `except`.
//! - [`Value`] implements `Drop` (deeply nested values are freed without recursion), so
//!   match it by reference (`match &v`, `Value::List(ref l)`) rather than moving fields out.

mod attr;
mod builtins;
mod call;
mod class;
mod config_args;
mod dict_order;
mod error;
mod exceptions;
mod exec;
mod expr;
mod file;
mod format;
mod function;
mod host;
mod interp;
mod lazy;
mod literal;
mod long;
mod memory;
mod methods;
mod module;
mod ops;
mod pickle;
mod scope;
mod source;
mod stdlib;
mod suggest;
mod value;

pub use crate::syntax::ast::BinOp;
pub use builtins::isinstance;
pub use class::{Class, Instance};
pub use config_args::parse_config_args;
pub use error::{Diagnostic, EvalError, Location, TraceLine};
pub use function::{bind, Bound, Function, Kwargs, NativeFn, NativeFunction, ParamSpec, Signature};
pub use host::{HostObject, HostType, OpSide};
pub use interp::{Interp, Limits, DEFAULT_SEED};
pub use module::Module;
pub use stdlib::SANDBOX_MODULES;
pub use suggest::closest;
pub use value::{format_float_repr, format_float_str, repr_str, BuiltinType, Dict, Key, Value};
