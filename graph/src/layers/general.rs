//! config_parser's general layer classes: `DataLayer` (data), `FCLayer` (fc), `AddToLayer` (addto) and
//! `ConcatenateLayer` (concat). Each builder owns the class's size inference, parameters and
//! checks; fc_layer/addto_layer/concat_layer and `Layer(type=...)` both call them.

use crate::builder::{check, Builder, InputSpec, LayerExtra, ParamAttrs, Result};
use crate::layer_types as lt;

/// `DataLayer`: no inputs; an image shape when height and width are both given and not 0, a
/// depth when given and not 0.
pub struct DataLayer {
    pub name: String,
    pub size: u64,
    pub depth: Option<u64>,
    pub height: Option<u64>,
    pub width: Option<u64>,
    pub extra: LayerExtra,
}

pub fn data_layer(b: &mut Builder, l: DataLayer) -> Result<usize> {
    let added = b.add_layer(&l.name, lt::DATA, l.size, vec![], "", &l.extra)?;
    if let (Some(h), Some(w)) = (l.height, l.width) {
        if h > 0 && w > 0 {
            b.set_height_width(added.index, h, w);
        }
    }
    if let Some(d) = l.depth.filter(|&d| d > 0) {
        b.layer_at_mut(added.index).depth = Some(d);
    }
    Ok(added.index)
}

/// `FCLayer`: one weight matrix per input, `[input size, size]`, and a bias of `size`.
pub struct FcLayer {
    pub name: String,
    pub size: u64,
    pub inputs: Vec<InputSpec>,
    pub bias: Option<ParamAttrs>,
    pub active_type: String,
    pub extra: LayerExtra,
}

pub fn fc_layer(b: &mut Builder, l: FcLayer) -> Result<usize> {
    let added = b.add_layer(&l.name, lt::FC, l.size, l.inputs, &l.active_type, &l.extra)?;
    let size = b.layer_at(added.index).size();
    for i in 0..added.inputs.len() {
        let in_size = b.input_layer(added.index, i).size();
        b.create_input_parameter(&added, i, size * in_size, vec![in_size, size])?;
    }
    b.create_bias_parameter(added.index, l.bias.as_ref(), size, None, true)?;
    Ok(added.index)
}

/// `AddToLayer`: inputs of one size summed; the image shape is the last input's that has one
/// (config_parser's `layer_with_hwc`), else the first's.
pub struct AddToLayer {
    /// Who asked, for the messages: `addto_layer()`, `Layer()`.
    pub caller: &'static str,
    pub name: String,
    pub inputs: Vec<InputSpec>,
    pub bias: Option<ParamAttrs>,
    pub active_type: String,
    pub extra: LayerExtra,
}

pub fn addto_layer(b: &mut Builder, l: AddToLayer) -> Result<usize> {
    check(!l.inputs.is_empty(), || {
        "inputs cannot be empty for AddToLayer".into()
    })?;
    let added = b.add_layer(&l.name, lt::ADDTO, 0, l.inputs, &l.active_type, &l.extra)?;
    let idx = added.index;
    let first = b.input_layer(idx, 0).clone();
    let mut with_shape = first.clone();
    for i in 0..added.inputs.len() {
        let input = b.input_layer(idx, i);
        check(input.size() == first.size(), || {
            format!(
                "{}: all inputs must have the same size, but '{}' has {} and '{}' has {}",
                l.caller,
                first.name,
                first.size(),
                input.name,
                input.size()
            )
        })?;
        if input.height.unwrap_or(0) != 0 {
            with_shape = input.clone();
        }
    }
    b.set_layer_size(idx, with_shape.size())?;
    b.set_height_width(
        idx,
        with_shape.height.unwrap_or(0),
        with_shape.width.unwrap_or(0),
    );
    b.layer_at_mut(idx).depth = Some(with_shape.depth.unwrap_or(1));
    let size = b.layer_at(idx).size();
    b.create_bias_parameter(idx, l.bias.as_ref(), size, None, true)?;
    Ok(idx)
}

/// `ConcatenateLayer`: the inputs side by side, all of one image shape; never a bias.
pub struct ConcatLayer {
    /// Who asked, for the messages: `concat_layer()`, `Layer()`.
    pub caller: &'static str,
    pub name: String,
    pub inputs: Vec<InputSpec>,
    /// Whether the config asked for a bias, which config_parser refuses.
    pub bias: bool,
    pub active_type: String,
    pub extra: LayerExtra,
}

/// (height, width, depth) as the proto reads them: unset is 0, 0, 1.
fn shape(l: &crate::LayerConfig) -> (u64, u64, u64) {
    (
        l.height.unwrap_or(0),
        l.width.unwrap_or(0),
        l.depth.unwrap_or(1),
    )
}

pub fn concat_layer(b: &mut Builder, l: ConcatLayer) -> Result<usize> {
    check(!l.inputs.is_empty(), || "inputs cannot be empty".into())?;
    check(!l.bias, || {
        format!("{}: ConcatenateLayer cannot support bias.", l.caller)
    })?;
    let added = b.add_layer(&l.name, lt::CONCAT, 0, l.inputs, &l.active_type, &l.extra)?;
    let idx = added.index;
    let first = b.input_layer(idx, 0).clone();
    let mut size = 0;
    for i in 0..added.inputs.len() {
        let input = b.input_layer(idx, i);
        check(shape(input) == shape(&first), || {
            format!(
                "{}: inputs '{}' and '{}' have different image shapes",
                l.caller, first.name, input.name
            )
        })?;
        size += input.size();
    }
    b.set_height_width(idx, first.height.unwrap_or(0), first.width.unwrap_or(0));
    b.layer_at_mut(idx).depth = Some(first.depth.unwrap_or(1));
    b.set_layer_size(idx, size)?;
    Ok(idx)
}
