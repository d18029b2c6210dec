//! What the layer helpers share: registering natives, Paddle's default names, and adding a
//! layer whose size follows one of its inputs.

use super::args::*;
use super::objects::*;
use super::state::{OrConfigError, State};
use crate::eval::{Bound, EvalError, Interp, Module, Value};
use crate::graph::{InputSpec, LayerConfig, LayerExtra, ParamAttrs};
use std::rc::Rc;

pub type Native = fn(&Rc<State>, &mut Interp, Bound) -> Result<Value, EvalError>;

pub fn def(m: &Module, st: &Rc<State>, name: &str, spec: &str, f: Native) {
    let st = st.clone();
    m.add_native(name, spec, move |interp, bound| {
        let before = st.layer_count();
        let out = f(&st, interp, bound);
        // The layers this call added were defined on the user's line that led to it; the
        // runtime names that line when a layer refuses a record.
        if out.is_ok() && st.layer_count() > before {
            st.note_layer_origins(before, super::config::user_call_site(&st, interp));
        }
        out
    });
}

/// `wrap_name_default(prefix)`: the given name, or `__<prefix>_<n>__`.
pub fn layer_name(st: &State, a: &Bound, prefix: &str) -> Result<String, EvalError> {
    match a.opt("name") {
        Some(v) => str_arg(v, &a.func_name, "name"),
        None => Ok(st.with_builder(|b| b.unique_name(prefix))),
    }
}

/// A layer whose output copies input `size_of`'s size (or has a fixed size), the shape of
/// many of Paddle's simple layers.
pub struct Simple<'a> {
    pub name: &'a str,
    pub layer_type: &'a str,
    pub inputs: Vec<InputSpec>,
    pub size: u64,
    pub size_of: Option<usize>,
    pub active_type: &'a str,
    pub bias: Option<ParamAttrs>,
    pub extra: LayerExtra,
}

impl<'a> Simple<'a> {
    pub fn new(name: &'a str, layer_type: &'a str, inputs: Vec<InputSpec>) -> Self {
        Simple {
            name,
            layer_type,
            inputs,
            size: 0,
            size_of: Some(0),
            active_type: "",
            bias: None,
            extra: LayerExtra::default(),
        }
    }

    /// Adds the layer; `fields` sets the layer-specific config. Returns the output size.
    pub fn add(self, st: &State, fields: impl FnOnce(&mut LayerConfig)) -> Result<u64, EvalError> {
        st.with_builder(|b| {
            let added = b
                .add_layer(
                    self.name,
                    self.layer_type,
                    self.size,
                    self.inputs,
                    self.active_type,
                    &self.extra,
                )
                .cfg()?;
            if let Some(k) = self.size_of {
                let size = b.input_layer(added.index, k).size();
                b.set_layer_size(added.index, size).cfg()?;
            }
            fields(b.layer_at_mut(added.index));
            let size = b.layer_at(added.index).size();
            b.create_bias_parameter(added.index, self.bias.as_ref(), size, None, true)
                .cfg()?;
            Ok(b.layer_at(added.index).size())
        })
    }
}

pub fn names(layers: &[Value]) -> Vec<InputSpec> {
    layers
        .iter()
        .map(|l| InputSpec::new(lo(l).name.clone()))
        .collect()
}

pub fn spec(v: &Value) -> InputSpec {
    InputSpec::new(lo(v).name.clone())
}

pub fn channels_of(input: &LayerOutput, given: &Value, f: &str) -> Result<u64, EvalError> {
    match opt_uint(given, f, "num_channels")? {
        Some(c) => Ok(c),
        None => input.num_filters.ok_or_else(|| {
            EvalError::value_error(format!(
                "{f}(): the number of channels of '{}' is unknown; give num_channels",
                input.name
            ))
        }),
    }
}

/// Adds a layer with the given inputs and lets `build` finish it with the builder.
#[allow(clippy::too_many_arguments)]
pub fn with_layer(
    st: &State,
    name: &str,
    layer_type: &str,
    size: u64,
    inputs: Vec<InputSpec>,
    active_type: &str,
    extra: &crate::graph::LayerExtra,
    build: impl FnOnce(
        &mut crate::graph::Builder,
        &crate::graph::builder::Added,
    ) -> Result<(), crate::graph::GraphError>,
) -> Result<u64, EvalError> {
    st.with_builder(|b| {
        let added = b
            .add_layer(name, layer_type, size, inputs, active_type, extra)
            .cfg()?;
        build(b, &added).cfg()?;
        Ok(b.layer_at(added.index).size())
    })
}

pub fn triple(v: &Value, f: &str, what: &str) -> Result<(u64, u64, u64), EvalError> {
    if is_sequence(v) {
        let l = items(v);
        if l.len() != 3 {
            return Err(EvalError::value_error(format!(
                "{f}(): {what} must be one int or three"
            )));
        }
        return Ok((
            uint_arg(&l[0], f, what)?,
            uint_arg(&l[1], f, what)?,
            uint_arg(&l[2], f, what)?,
        ));
    }
    let x = uint_arg(v, f, what)?;
    Ok((x, x, x))
}

/// The output of a one-input image layer: its size and channels (`num_filters`), the input
/// as its parent.
pub fn image_output(
    st: &Rc<State>,
    a: &Bound,
    name: &str,
    layer_type: &str,
    size: Option<u64>,
    channels: Option<u64>,
) -> Result<Value, EvalError> {
    Ok(LayerOutput::new(st, name, layer_type, size)
        .with_filters(channels)
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}
