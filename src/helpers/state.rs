//! What the helper natives share while one config runs: the graph builder, and where the
//! data sources were declared.

use crate::eval::{EvalError, Value};
use crate::graph::{Builder, GraphError};
use std::cell::{RefCell, RefMut};
use std::path::PathBuf;

pub struct State {
    builder: RefCell<Builder>,
    /// The config file being run, for the data sources' side record.
    pub config_path: PathBuf,
    /// The helpers module, for natives that call DSL helpers (layer_math, networks).
    pub module: RefCell<Option<std::rc::Rc<crate::eval::Module>>>,
}

impl State {
    pub fn new(builder: Builder, config_path: PathBuf) -> State {
        State {
            builder: RefCell::new(builder),
            config_path,
            module: RefCell::new(None),
        }
    }

    /// The builder, borrowed. Only `Inputs`/`Outputs` in raw.rs still use it; everything else
    /// goes through [`State::with_builder`], whose borrow cannot outlive its closure.
    pub fn b(&self) -> RefMut<'_, Builder> {
        self.builder.borrow_mut()
    }

    /// Layers added so far (0 while the builder is borrowed, which no native call does).
    pub fn layer_count(&self) -> usize {
        self.builder.try_borrow().map_or(0, |b| b.layer_count())
    }

    pub fn note_layer_origins(&self, from: usize, at: crate::graph::SourceLocation) {
        if let Ok(mut b) = self.builder.try_borrow_mut() {
            b.note_layer_origins(from, &at);
        }
    }

    /// Runs `f` with the graph builder. The borrow ends with the closure, so it can never be
    /// held across a call back into the interpreter (a nested helper call would find the
    /// builder already borrowed).
    pub fn with_builder<T>(&self, f: impl FnOnce(&mut Builder) -> T) -> T {
        f(&mut self.builder.borrow_mut())
    }

    pub fn take_builder(&self) -> Builder {
        std::mem::take(&mut *self.builder.borrow_mut())
    }

    /// A DSL function defined by the helpers prelude.
    pub fn prelude_fn(&self, name: &str) -> Result<Value, EvalError> {
        self.module
            .borrow()
            .as_ref()
            .and_then(|m| m.get(name))
            .ok_or_else(|| EvalError::runtime_error(format!("helper {name} is not loaded")))
    }
}

/// Runs `f` with the graph builder and turns its error into the config's. The borrow ends
/// with the closure, so it can never be held across a call back into the interpreter (a
/// nested helper call would find the builder already borrowed).
pub fn with_builder<T>(
    st: &State,
    f: impl FnOnce(&mut Builder) -> Result<T, GraphError>,
) -> Result<T, EvalError> {
    st.with_builder(f).map_err(config_error)
}

/// A graph error as the config sees it: Paddle's config parser reported these as fatal
/// config errors, which the interpreter locates at the user's call.
pub fn config_error(e: GraphError) -> EvalError {
    EvalError::new("ConfigError", e.0)
}

pub trait OrConfigError<T> {
    fn cfg(self) -> Result<T, EvalError>;
}

impl<T> OrConfigError<T> for Result<T, GraphError> {
    fn cfg(self) -> Result<T, EvalError> {
        self.map_err(config_error)
    }
}
