//! Sequence layers: pooling over time, first/last instance, expansion, reshaping and slicing,
//! and the recurrent layers that run over whole sequences (lstmemory, grumemory, recurrent).

use super::args::*;
use super::build::*;
use super::objects::*;
use super::state::{with_builder, State};
use crate::eval::{Bound, EvalError, Interp, Module, Value};
use crate::graph::layer_types as lt;
use crate::graph::layers::recurrent::{self as rnn, RecurrentKind, RecurrentLayer};
use crate::graph::layers::sequence as seq;
use crate::graph::layers::simple::{self, SimpleKind, SimpleLayer};
use crate::graph::{InputSpec, LayerConfig, RowConvConfig};
use std::rc::Rc;

fn seq_concat_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "seqconcat")?;
    let x = a.arg_layer("a")?;
    let y = a.arg_layer("b")?;
    let act = a.arg_act("act", "IdentityActivation")?;
    let bias = a.arg_bias(false)?;
    let extra = a.arg_extra(&[DROPOUT, ERROR_CLIPPING])?;
    let mut s = Simple::new(
        &name,
        "seqconcat",
        vec![
            InputSpec::new(x.name.clone()),
            InputSpec::new(y.name.clone()),
        ],
    );
    s.active_type = act_name(&act);
    s.bias = bias;
    s.extra = extra;
    let size = s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "seqconcat", Some(size))
        .with_act(&act)
        .with_parents(vec![a.arg("a")?.clone(), a.arg("b")?.clone()])
        .value())
}

fn seq_reshape_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "seqreshape")?;
    let input = a.arg_layer("input")?;
    let size = a.arg_uint("reshape_size")?;
    let act = a.arg_act("act", "IdentityActivation")?;
    let bias = a.arg_bias(false)?;
    let extra = a.arg_extra(&[DROPOUT, ERROR_CLIPPING])?;
    let mut s = Simple::new(
        &name,
        "seqreshape",
        vec![InputSpec::new(input.name.clone())],
    );
    s.size = size;
    s.size_of = None;
    s.active_type = act_name(&act);
    s.bias = bias;
    s.extra = extra;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "seqreshape", Some(size))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

/// last_seq / first_seq.
fn seq_instance(
    st: &Rc<State>,
    a: &Bound,
    f: &'static str,
    first: bool,
) -> Result<Value, EvalError> {
    let name = layer_name(st, a, f)?;
    let input = a.arg_layer("input")?;
    let layer = seq::SeqPoolLayer {
        caller: if first { "first_seq()" } else { "last_seq()" },
        name: name.clone(),
        input: InputSpec::new(input.name.clone()),
        kind: if first {
            seq::SeqPoolKind::First
        } else {
            seq::SeqPoolKind::Last
        },
        trans_type: a.arg_str("agg_level")?,
        stride: a.arg_int("stride")?,
        bias: None,
        active_type: String::new(),
        extra: a.arg_extra(&[])?,
    };
    let size = with_builder(st, |b| {
        let idx = seq::seq_pool_layer(b, layer)?;
        Ok(b.layer_at(idx).size())
    })?;
    let t = if first { "seqfirstins" } else { "seqlastins" };
    Ok(LayerOutput::new(st, &name, t, Some(size))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn last_seq(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    seq_instance(st, &a, "last_seq", false)
}

fn first_seq(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    seq_instance(st, &a, "first_seq", true)
}

fn pooling_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "seq_pooling")?;
    let input = a.arg_layer("input")?;
    let pooling = a.arg("pooling_type")?;
    let kind = if pooling.is_none() {
        seq::SeqPoolKind::Max {
            output_max_index: None,
        }
    } else {
        let p = pooling.downcast_host::<Pooling>().ok_or_else(|| {
            EvalError::type_error(format!(
                "pooling_layer() argument 'pooling_type' must be a pooling such as MaxPooling(), not {}",
                pooling.type_name()
            ))
        })?;
        // AvgPooling's name may have been turned into 'avg' by an image pooling; its
        // strategy says it is an average.
        match &p.strategy {
            Some(strategy) => seq::SeqPoolKind::Average {
                strategy: strategy.clone(),
            },
            None if *p.name.borrow() == "max" => seq::SeqPoolKind::Max {
                output_max_index: p.output_max_index,
            },
            None => {
                return Err(EvalError::value_error(format!(
                    "pooling_layer(): {} cannot pool a sequence; use MaxPooling, AvgPooling, \
                     SumPooling or SquareRootNPooling",
                    p.class
                )))
            }
        }
    };
    let layer_type = match &kind {
        seq::SeqPoolKind::Average { .. } => "average",
        _ => "max",
    };
    let layer = seq::SeqPoolLayer {
        caller: "pooling_layer()",
        name: name.clone(),
        input: InputSpec::new(input.name.clone()),
        kind,
        trans_type: a.arg_str("agg_level")?,
        stride: a.arg_int("stride")?,
        bias: a.arg_bias(false)?,
        active_type: String::new(),
        extra: a.arg_extra(&[])?,
    };
    let size = with_builder(st, |b| {
        let idx = seq::seq_pool_layer(b, layer)?;
        Ok(b.layer_at(idx).size())
    })?;
    Ok(LayerOutput::new(st, &name, layer_type, Some(size))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn expand_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "expand_layer";
    let name = layer_name(st, &a, f)?;
    a.arg_layer("input")?;
    a.arg_layer("expand_as")?;
    let kind = SimpleKind::Expand {
        trans_type: a.arg_str("expand_level")?,
        bias: a.arg_bias(false)?,
    };
    let inputs = vec![a.arg("input")?.clone(), a.arg("expand_as")?.clone()];
    let layer = SimpleLayer {
        name: name.clone(),
        kind,
        inputs: inputs.iter().map(spec).collect(),
        active_type: String::new(),
        extra: a.arg_extra(&[])?,
    };
    let idx = with_builder(st, |b| simple::simple_layer(b, layer))?;
    let size = st.with_builder(|b| b.layer_at(idx).size());
    Ok(LayerOutput::new(st, &name, lt::EXPAND, Some(size))
        .with_parents(inputs)
        .value())
}

/// Sequence and recurrent layers with one weighted input: lstmemory, grumemory, recurrent.
fn recurrent_like(st: &Rc<State>, a: &Bound, f: &str, prefix: &str) -> Result<Value, EvalError> {
    let name = layer_name(st, a, prefix)?;
    let input = a.arg_layer("input")?;
    let in_size = input.size.get().unwrap_or(0);
    let act = a.arg_act("act", "TanhActivation")?;
    let attr = a.arg_param(smart_param)?;
    let bias = a.arg_bias(true)?;
    let extra = a.arg_extra(&[])?;
    let reverse = a.bool("reverse");
    let (out_type, div) = match f {
        "lstmemory" => (lt::LSTMEMORY, 4),
        "grumemory" => (lt::GATED_RECURRENT, 3),
        _ => (lt::RECURRENT, 1),
    };
    if in_size % div != 0 {
        return Err(EvalError::value_error(format!(
            "{f}(): the input size {in_size} of '{}' must be a multiple of {div}",
            input.name
        )));
    }
    let size = in_size / div;
    if f != "recurrent_layer" {
        if let Some(s) = a.arg_opt_uint("size")? {
            if s != size {
                return Err(EvalError::value_error(format!(
                    "size of {f} layer: {name} is automatically set to size of input layer / {div}. \
                     The parameter size passing to this layer is ignored."
                )));
            }
        }
    }
    let gate = if f == "recurrent_layer" {
        None
    } else {
        Some(a.arg_act("gate_act", "SigmoidActivation")?)
    };
    let state_act = if f == "lstmemory" {
        Some(a.arg_act("state_act", "TanhActivation")?)
    } else {
        None
    };
    let kind = match (gate, state_act) {
        (Some(g), Some(s)) => RecurrentKind::Lstm {
            active_gate_type: act_name(&g).into(),
            active_state_type: act_name(&s).into(),
        },
        (Some(g), None) => RecurrentKind::Gru {
            active_gate_type: act_name(&g).into(),
        },
        _ => RecurrentKind::Recurrent,
    };
    with_builder(st, |b| {
        rnn::recurrent_layer(
            b,
            RecurrentLayer {
                name: name.clone(),
                kind,
                inputs: vec![InputSpec::with_param(input.name.clone(), attr)],
                reversed: reverse,
                bias,
                active_type: act_name(&act).into(),
                extra,
            },
        )
    })?;
    let out = LayerOutput::new(st, &name, out_type, Some(size))
        .with_parents(vec![a.arg("input")?.clone()]);
    out.reverse.set(Some(reverse));
    let out = if f == "recurrent_layer" {
        out.with_act(&act)
    } else {
        out
    };
    Ok(out.value())
}

fn lstmemory(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    recurrent_like(st, &a, "lstmemory", "lstmemory")
}

fn grumemory(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    recurrent_like(st, &a, "grumemory", "gru")
}

fn recurrent_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    recurrent_like(st, &a, "recurrent_layer", "recurrent_layer")
}

fn kmax_seq_score_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "kmax_seq_score_layer";
    let name = layer_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    if input.size.get() != Some(1) {
        return Err(EvalError::value_error(
            "input of kmax_seq_score_layer is a score over a sequence or a nested sequence, so its width must be 1.",
        ));
    }
    let beam = a.arg_uint("beam_size")?;
    with_layer(
        st,
        &name,
        "kmax_seq_score",
        0,
        vec![a.arg_spec("input")?],
        "",
        &Default::default(),
        |b, added| {
            b.layer_at_mut(added.index).beam_size = Some(beam as u32);
            Ok(())
        },
    )?;
    Ok(
        LayerOutput::new(st, &name, "kmax_seq_score", input.size.get())
            .with_parents(vec![a.arg("input")?.clone()])
            .value(),
    )
}

fn sub_nested_seq_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "sub_nested_seq_layer";
    let name = layer_name(st, &a, f)?;
    a.arg_layer("input")?;
    a.arg_layer("selected_indices")?;
    let s = Simple::new(
        &name,
        "sub_nested_seq",
        vec![a.arg_spec("input")?, a.arg_spec("selected_indices")?],
    );
    let size = s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "sub_nested_seq", Some(size))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn seq_slice_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "seq_slice_layer";
    let name = layer_name(st, &a, f)?;
    a.arg_layer("input")?;
    let (starts, ends) = (a.opt("starts"), a.opt("ends"));
    if starts.is_none() && ends.is_none() {
        return Err(EvalError::value_error(
            "start and end indices cannot be set to None at the same time, at least one of them should be given.",
        ));
    }
    let mut specs = vec![a.arg_spec("input")?];
    for (v, what) in [(starts, "starts"), (ends, "ends")] {
        if let Some(v) = v {
            specs.push(InputSpec::new(layer_arg(v, f, what)?.name.clone()));
        }
    }
    if let (Some(s), Some(e)) = (starts, ends) {
        if lo(s).size.get() != lo(e).size.get() {
            return Err(EvalError::value_error(
                "If start and end indices are both given to seq_slice_layer, they should have the same width.",
            ));
        }
    }
    let two = specs.len() == 2;
    let has_starts = starts.is_some();
    let size = Simple::new(&name, "seq_slice", specs).add(st, |l: &mut LayerConfig| {
        if two {
            l.select_first = Some(has_starts);
        }
    })?;
    Ok(LayerOutput::new(st, &name, "seq_slice", Some(size))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn sub_seq_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "sub_seq_layer";
    let name = layer_name(st, &a, "sub_seq")?;
    for k in ["input", "offsets", "sizes"] {
        layer_arg(a.arg(k)?, f, k)?;
    }
    let act = a.arg_act("act", "LinearActivation")?;
    let bias = a.arg_bias(false)?;
    let mut s = Simple::new(
        &name,
        "subseq",
        vec![
            a.arg_spec("input")?,
            a.arg_spec("offsets")?,
            a.arg_spec("sizes")?,
        ],
    );
    s.active_type = act_name(&act);
    s.bias = bias;
    let size = s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "subseq", Some(size))
        .with_parents(vec![
            a.arg("input")?.clone(),
            a.arg("offsets")?.clone(),
            a.arg("sizes")?.clone(),
        ])
        .value())
}

fn row_conv_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "row_conv_layer";
    let name = layer_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    let len = a.arg_uint("context_len")?;
    if len == 0 {
        return Err(EvalError::value_error(
            "the context_len must be greatet than 0.",
        ));
    }
    let act = a.arg_act("act", "LinearActivation")?;
    let attr = a.arg_param(smart_param)?;
    let extra = a.arg_extra(&[DROPOUT])?;
    let size = with_layer(
        st,
        &name,
        "row_conv",
        0,
        vec![InputSpec::with_param(input.name.clone(), attr)],
        act_name(&act),
        &extra,
        |b, added| {
            let s = b.input_layer(added.index, 0).size();
            b.layer_at_mut(added.index).inputs[0].row_conv_conf = Some(RowConvConfig {
                context_length: len as u32,
            });
            b.set_layer_size(added.index, s)?;
            b.create_input_parameter(added, 0, len * s, vec![len, s])
        },
    )?;
    Ok(LayerOutput::new(st, &name, "row_conv", Some(size))
        .with_act(&act)
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

/// This family's natives: the name and Paddle's signature of each, then its function.
#[rustfmt::skip]
const NATIVES: &[(&str, &str, Native)] = &[
    ("seq_concat_layer", "a, b, act=None, name=None, layer_attr=None, bias_attr=None", seq_concat_layer),
    ("seq_reshape_layer", "input, reshape_size, act=None, name=None, layer_attr=None, bias_attr=None", seq_reshape_layer),
    ("last_seq", "input, name=None, agg_level='non-seq', stride=-1, layer_attr=None", last_seq),
    ("first_seq", "input, name=None, agg_level='non-seq', stride=-1, layer_attr=None", first_seq),
    ("pooling_layer", "input, pooling_type=None, name=None, bias_attr=None, agg_level='non-seq', stride=-1, layer_attr=None", pooling_layer),
    ("expand_layer", "input, expand_as, name=None, bias_attr=False, expand_level='non-seq', layer_attr=None", expand_layer),
    ("lstmemory", "input, name=None, size=None, reverse=False, act=None, gate_act=None, state_act=None, bias_attr=None, param_attr=None, layer_attr=None", lstmemory),
    ("grumemory", "input, size=None, name=None, reverse=False, act=None, gate_act=None, bias_attr=None, param_attr=None, layer_attr=None", grumemory),
    ("recurrent_layer", "input, act=None, bias_attr=None, param_attr=None, name=None, reverse=False, layer_attr=None", recurrent_layer),
    ("sub_seq_layer", "input, offsets, sizes, act=None, bias_attr=None, name=None", sub_seq_layer),
    ("row_conv_layer", "input, context_len, act=None, name=None, param_attr=None, layer_attr=None", row_conv_layer),
    ("kmax_seq_score_layer", "input, name=None, beam_size=1", kmax_seq_score_layer),
    ("sub_nested_seq_layer", "input, selected_indices, name=None", sub_nested_seq_layer),
    ("seq_slice_layer", "input, starts, ends, name=None", seq_slice_layer),
];

pub fn register(m: &Module, st: &Rc<State>) {
    for (name, spec, f) in NATIVES {
        def(m, st, name, spec, *f);
    }
}
