//! Mixed layers: a sum of projections (one per input, each with its own weight) and
//! operators (parameterless functions of two inputs), as config_parser's `MixedLayer` and
//! `ConcatenateLayer2` build them.

use super::image::{parse_conv, ConvSpec};
use crate::builder::{
    check, fail, gen_parameter_name, Builder, InputSpec, LayerExtra, ParamAttrs, Result,
};
use crate::*;

#[derive(Clone, Debug)]
pub enum ProjKind {
    Fc,
    TransFc,
    Table,
    Identity,
    IdentityOffset {
        offset: u64,
    },
    DotMul,
    Scaling,
    Context {
        start: i32,
        length: i32,
        trainable_padding: bool,
    },
    Conv {
        conv: ConvSpec,
        num_filters: u32,
        trans: bool,
    },
    Slice {
        slices: Vec<(u32, u32)>,
    },
}

impl ProjKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            ProjKind::Fc => "fc",
            ProjKind::TransFc => "trans_fc",
            ProjKind::Table => "table",
            ProjKind::Identity => "identity",
            ProjKind::IdentityOffset { .. } => "identity_offset",
            ProjKind::DotMul => "dot_mul",
            ProjKind::Scaling => "scaling",
            ProjKind::Context { .. } => "context",
            ProjKind::Conv { trans: false, .. } => "conv",
            ProjKind::Conv { trans: true, .. } => "convt",
            ProjKind::Slice { .. } => "slice",
        }
    }
}

/// A projection of one input layer, before it is placed into a mixed layer.
#[derive(Clone, Debug)]
pub struct Projection {
    pub kind: ProjKind,
    pub input: InputSpec,
    /// The output size the projection asks for (0: take the mixed layer's).
    pub size: u64,
}

#[derive(Clone, Debug)]
pub enum OpKind {
    DotMul {
        scale: Option<Real>,
    },
    Conv {
        conv: ConvSpec,
        num_filters: u32,
        trans: bool,
    },
}

#[derive(Clone, Debug)]
pub struct Operator {
    pub kind: OpKind,
    pub inputs: Vec<String>,
}

// A handful of these exist per layer while it is built; boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum MixedInput {
    Proj(Projection),
    Op(Operator),
}

/// The projection's config and, for the ones that know it up front, its output size.
fn prepare(b: &Builder, p: &Projection, input_layer: &str) -> Result<(ProjectionConfig, u64)> {
    let in_size = b.layer(input_layer)?.size();
    let mut conf = ProjectionConfig {
        r#type: p.kind.type_name().to_string(),
        ..Default::default()
    };
    let out = match &p.kind {
        ProjKind::Fc | ProjKind::TransFc | ProjKind::Table => p.size,
        ProjKind::Identity | ProjKind::DotMul | ProjKind::Scaling => in_size,
        ProjKind::IdentityOffset { offset } => {
            conf.offset = Some(*offset);
            0
        }
        ProjKind::Context {
            start,
            length,
            trainable_padding,
        } => {
            conf.context_start = Some(*start);
            conf.context_length = Some(*length);
            conf.trainable_padding = Some(*trainable_padding);
            in_size * *length as u64
        }
        ProjKind::Conv {
            conv,
            num_filters,
            trans,
        } => {
            let c = parse_conv(b, conv, input_layer, *num_filters, *trans)?;
            let out = if *trans {
                c.img_size_y.unwrap_or(0) as u64 * c.img_size as u64 * *num_filters as u64
            } else {
                c.output_x as u64 * c.output_y.unwrap_or(0) as u64 * *num_filters as u64
            };
            conf.conv_conf = Some(c);
            conf.num_filters = Some(*num_filters as i32);
            conf.output_size = out;
            out
        }
        ProjKind::Slice { slices } => {
            let input = b.layer(input_layer)?;
            check(
                matches!(input.r#type.as_str(), "exconv" | "cudnn_conv"),
                || "Currently the input should be convolution layer".into(),
            )?;
            let channels = input.num_filters.unwrap_or(0) as u64;
            check(channels > 0, || {
                "slice_projection: the input has no num_filters".into()
            })?;
            let image = input.size() / channels;
            let mut total = 0;
            for &(s, e) in slices {
                check((e as u64) <= channels, || {
                    format!("slice_projection: slice end {e} is beyond the {channels} channels")
                })?;
                conf.slices.push(SliceConfig {
                    start: (s as u64 * image) as u32,
                    end: (e as u64 * image) as u32,
                });
                total += (e as u64 - s as u64) * image;
            }
            total
        }
    };
    Ok((conf, out))
}

fn parameter_shape(
    kind: &ProjKind,
    conf: &ProjectionConfig,
    in_size: u64,
    out: u64,
) -> (u64, Vec<u64>) {
    match kind {
        ProjKind::Identity | ProjKind::IdentityOffset { .. } | ProjKind::Slice { .. } => {
            (0, vec![])
        }
        ProjKind::DotMul => (out, vec![1, out]),
        ProjKind::Scaling => (1, vec![1, 1]),
        ProjKind::Fc | ProjKind::Table => (in_size * out, vec![in_size, out]),
        ProjKind::TransFc => (in_size * out, vec![out, in_size]),
        ProjKind::Context {
            start,
            length,
            trainable_padding,
        } => {
            let total_pad = (0.max(-start) + 0.max(start + length - 1)) as u64;
            let size = if *trainable_padding {
                in_size * total_pad
            } else {
                0
            };
            (size, vec![total_pad, in_size])
        }
        ProjKind::Conv { .. } => {
            let c = conf
                .conv_conf
                .as_ref()
                .expect("conv projections have a conv_conf");
            let co = conf.num_filters.unwrap_or(0) as u64;
            let size = co * c.channels as u64 * c.filter_size as u64 * c.filter_size_y as u64
                / c.groups.max(1) as u64;
            (size, vec![])
        }
    }
}

pub struct MixedLayer {
    pub name: String,
    pub layer_type: String,
    pub size: u64,
    pub inputs: Vec<MixedInput>,
    pub bias: Option<ParamAttrs>,
    pub active_type: String,
    pub extra: LayerExtra,
}

/// config_parser's `MixedLayer` (`layer_type` "mixed") and `ConcatenateLayer2` ("concat2").
pub fn mixed_layer(b: &mut Builder, l: MixedLayer) -> Result<usize> {
    check(!l.inputs.is_empty(), || "inputs cannot be empty".into())?;
    let concat = l.layer_type == "concat2";
    let mut specs = Vec::new();
    for input in &l.inputs {
        match input {
            MixedInput::Proj(p) => specs.push(p.input.clone()),
            MixedInput::Op(o) => specs.push(InputSpec::new(o.inputs[0].clone())),
        }
    }
    let size_arg = if concat { 0 } else { l.size };
    let added = b.add_layer(
        &l.name,
        &l.layer_type,
        size_arg,
        specs,
        &l.active_type,
        &l.extra,
    )?;
    let idx = added.index;
    let mut added = added;

    // Operators read their further inputs from extra inputs appended at the end.
    let mut op_confs = Vec::new();
    let mut op_indices = Vec::new();
    for (i, input) in l.inputs.iter().enumerate() {
        let MixedInput::Op(op) = input else { continue };
        let mut conf = OperatorConfig {
            input_indices: vec![i as i32],
            ..Default::default()
        };
        for name in &op.inputs[1..] {
            let full = b.name_in_submodel(name);
            check(b.has_layer(&full), || {
                format!(
                    "Unknown input layer '{full}' for layer {}",
                    b.layer_at(idx).name
                )
            })?;
            conf.input_indices.push(b.layer_at(idx).inputs.len() as i32);
            b.layer_at_mut(idx)
                .inputs
                .push(LayerInputConfig::new(full.clone()));
            added.inputs.push(InputSpec::new(full));
        }
        for &k in &conf.input_indices {
            conf.input_sizes.push(b.input_layer(idx, k as usize).size());
            op_indices.push(k as usize);
        }
        let out = match &op.kind {
            OpKind::DotMul { scale } => {
                conf.r#type = "dot_mul".into();
                check(op.inputs.len() == 2, || "DotMul is binary operator".into())?;
                conf.dotmul_scale = *scale;
                conf.input_sizes[0]
            }
            OpKind::Conv {
                conv,
                num_filters,
                trans,
            } => {
                conf.r#type = if *trans { "convt" } else { "conv" }.into();
                check(op.inputs.len() == 2, || "Conv is binary operator".into())?;
                let first = b.layer_at(idx).inputs[i].input_layer_name.clone();
                let c = parse_conv(b, conv, &first, *num_filters, *trans)?;
                conf.num_filters = Some(*num_filters as i32);
                let out = if *trans {
                    c.img_size as u64 * c.img_size_y.unwrap_or(0) as u64 * *num_filters as u64
                } else {
                    c.output_x as u64 * c.output_y.unwrap_or(0) as u64 * *num_filters as u64
                };
                conf.conv_conf = Some(c);
                conf.output_size = out;
                out
            }
        };
        if out != 0 {
            b.set_layer_size(idx, out).map_err(|_| {
                crate::GraphError(format!(
                    "different inputs have different size: {out} vs. {}",
                    b.layer_at(idx).size()
                ))
            })?;
        }
        op_confs.push((op.kind.clone(), conf));
    }

    let mut proj_confs = Vec::new();
    let mut concat_size = 0;
    for (i, input) in l.inputs.iter().enumerate() {
        let MixedInput::Proj(p) = input else {
            check(op_indices.contains(&i), || {
                "input should be projection or operation".into()
            })?;
            continue;
        };
        let input_name = b.layer_at(idx).inputs[i].input_layer_name.clone();
        let (conf, out) = prepare(b, p, &input_name)?;
        if concat {
            check(out != 0, || "proj output size is not set".into())?;
            concat_size += out;
        } else if out != 0 {
            let current = b.layer_at(idx).size();
            check(current == 0 || current == out, || {
                format!("different inputs have different size: {out} vs. {current}")
            })?;
            b.set_layer_size(idx, out)?;
        }
        proj_confs.push((i, p.kind.clone(), conf, out));
    }
    if concat {
        b.set_layer_size(idx, concat_size)?;
    }
    let size = b.layer_at(idx).size();
    check(size != 0, || "size is not set".into())?;

    for (i, kind, mut conf, out) in proj_confs {
        let in_size = b.input_layer(idx, i).size();
        conf.input_size = in_size;
        conf.output_size = if concat { out } else { size };
        // Named after the layer as the config named it, without the `@group` suffix the
        // layer and its parameters get inside a recurrent group.
        conf.name = gen_parameter_name(&l.name, i);
        let (psize, dims) = parameter_shape(&kind, &conf, in_size, conf.output_size);
        b.layer_at_mut(idx).inputs[i].proj_conf = Some(conf);
        b.create_input_parameter(&added, i, psize, dims)?;
    }

    for (kind, mut conf) in op_confs {
        conf.output_size = size;
        if let OpKind::DotMul { .. } = kind {
            for k in 0..2 {
                check(conf.input_sizes.get(k) == Some(&size), || {
                    "DotMul input_size != output_size".into()
                })?;
            }
        }
        b.layer_at_mut(idx).operator_confs.push(conf);
    }

    let mut psize = size;
    if let Some(MixedInput::Proj(Projection {
        kind: ProjKind::Conv { .. },
        ..
    })) = l.inputs.first()
    {
        b.layer_at_mut(idx).shared_biases = Some(true);
        psize = 0;
        for input in &l.inputs {
            match input {
                MixedInput::Proj(Projection {
                    kind: ProjKind::Conv { num_filters, .. },
                    ..
                }) => psize += *num_filters as u64,
                _ => {
                    return fail("all the inputs after a conv_projection must be conv projections")
                }
            }
        }
    }
    if l.bias.is_some() {
        b.layer_at_mut(idx).bias_size = Some(psize as u32);
        b.create_bias_parameter(idx, l.bias.as_ref(), psize, None, true)?;
    }
    Ok(idx)
}
