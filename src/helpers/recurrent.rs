//! recurrent_group, memory, the step layers and beam_search.

use super::args::*;
use super::build::{def, layer_name, Native, Simple};
use super::objects::*;
use super::state::{with_builder, OrConfigError, State};
use crate::eval::{Bound, EvalError, Interp, Module, Value};
use crate::graph::layers::recurrent as group;
use crate::graph::{Builder, GeneratorConfig, GraphError, InputSpec};
use std::rc::Rc;

pub fn set_memory_input(
    b: &mut Builder,
    memory_link: &str,
    layer_name: &str,
) -> Result<(), GraphError> {
    group::set_memory_input(b, memory_link, layer_name)
}

fn memory(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "memory";
    // Paddle draws a default memory name on every call, even when `name` is given.
    let drawn = match a.opt("memory_name") {
        Some(v) => str_arg(v, f, "memory_name")?,
        None => st.with_builder(|b| b.unique_name("memory")),
    };
    let name = a.arg_opt_str("name")?;
    let size = a.arg_uint("size")?;
    let boot_layer = match a.opt("boot_layer") {
        Some(v) => Some(layer_arg(v, f, "boot_layer")?.name.clone()),
        None => None,
    };
    let boot_bias = match a.opt("boot_bias") {
        None => None,
        Some(v) => Some(
            v.downcast_host::<ParamAttr>()
                .map(|p| p.attrs.clone())
                .ok_or_else(|| {
                    EvalError::type_error("memory() argument 'boot_bias' must be a ParamAttr")
                })?,
        ),
    };
    let act = a.arg_act("boot_bias_active_type", "LinearActivation")?;
    let const_id = a.arg_opt_uint("boot_with_const_id")?.map(|v| v as u32);
    let memory_name = if name.is_some() {
        None
    } else {
        Some(drawn.as_str())
    };
    let agent = st
        .with_builder(|b| {
            group::memory(
                b,
                name.as_deref(),
                size,
                memory_name,
                boot_layer.as_deref(),
                boot_bias.as_ref(),
                act_name(&act),
                const_id,
            )
        })
        .cfg()?;
    let parents = a
        .opt("boot_layer")
        .map(|v| vec![v.clone()])
        .unwrap_or_default();
    Ok(LayerOutput::new(st, &agent, "memory", Some(size))
        .with_parents(parents)
        .value())
}

/// Runs `step` inside a recurrent layer group reading `inputs`; `generator` makes it a
/// generating group (beam search).
fn run_group(
    st: &Rc<State>,
    interp: &mut Interp,
    step: &Value,
    inputs: &[Value],
    reverse: bool,
    name: &str,
) -> Result<Value, EvalError> {
    let f = "recurrent_group";
    st.with_builder(|b| b.model_mut().r#type = "recurrent_nn".into());
    let mut in_links = Vec::new();
    for v in inputs {
        if let Some(l) = v.downcast_host::<LayerOutput>() {
            in_links.push(l.name.clone());
        } else if v.downcast_host::<StaticInput>().is_none() {
            return Err(EvalError::type_error(format!(
                "recurrent_group() argument 'input' must hold layers and StaticInput(...), not {}",
                v.type_name()
            )));
        }
    }
    st.with_builder(|b| group::begin_group(b, name, &in_links, reverse))
        .cfg()?;
    let mut args = Vec::new();
    for v in inputs {
        if let Some(s) = v.downcast_host::<StaticInput>() {
            let input = lo(&s.input);
            let mem_name = st.with_builder(|b| b.unique_name("memory"));
            let agent = st
                .with_builder(|b| {
                    group::memory(
                        b,
                        None,
                        input.size.get().unwrap_or(0),
                        Some(&mem_name),
                        Some(&input.name),
                        None,
                        "",
                        None,
                    )
                })
                .cfg()?;
            {
                st.with_builder(|b| {
                    let link = b.name_in_submodel(&agent);
                    group::set_memory_input(b, &link, &link).cfg()?;
                    Ok::<(), EvalError>(())
                })?;
            }
            args.push(
                LayerOutput::new(st, &agent, "memory", input.size.get())
                    .with_parents(vec![s.input.clone()])
                    .value(),
            );
        } else {
            args.push(v.clone());
        }
    }
    let outs = interp.call(step, args, vec![])?;
    let outs = if outs.downcast_host::<LayerOutput>().is_some() {
        vec![outs]
    } else {
        items(&outs)
    };
    for o in &outs {
        let l = o.downcast_host::<LayerOutput>().ok_or_else(|| {
            EvalError::type_error(format!(
                "{f}(): the step function must return layers (LayerOutput), not {}",
                o.type_name()
            ))
        })?;
        l.reverse.set(Some(reverse));
        st.with_builder(|b| group::set_out_link(b, &l.name));
    }
    with_builder(st, group::end_group)?;
    for o in &outs {
        let l = lo(o);
        *l.full_name.borrow_mut() = st.with_builder(|b| b.name_in_submodel(&l.name));
    }
    Ok(if outs.len() == 1 {
        outs[0].clone()
    } else {
        Value::list(outs)
    })
}

fn recurrent_group(st: &Rc<State>, interp: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "recurrent_group")?;
    let inputs = a.arg_items("input")?;
    run_group(
        st,
        interp,
        a.arg("step")?,
        &inputs,
        a.bool("reverse"),
        &name,
    )
}

fn beam_search(st: &Rc<State>, interp: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "beam_search";
    let name = layer_name(st, &a, f)?;
    let bos_id = a.arg_uint("bos_id")?;
    let eos_id = a.arg_uint("eos_id")?;
    let beam_size = a.arg_uint("beam_size")?;
    let max_length = a.arg_uint("max_length")?;
    let num_results = a
        .arg_opt_uint("num_results_per_sample")?
        .unwrap_or(beam_size);
    let inputs = a.arg_items("input")?;
    let mut gen_index = None;
    let mut real_inputs = Vec::new();
    for (i, v) in inputs.iter().enumerate() {
        if v.downcast_host::<LayerOutput>().is_some() {
            return Err(EvalError::type_error(
                "in beam_search, none of the input should has a type of LayerOutput.",
            ));
        }
        if v.downcast_host::<GeneratedInput>().is_some() {
            if gen_index.is_some() {
                return Err(EvalError::value_error(
                    "recurrent_group accepts only one GeneratedInput.",
                ));
            }
            gen_index = Some(i);
        } else {
            real_inputs.push(v.clone());
        }
    }
    let gen_index =
        gen_index.ok_or_else(|| EvalError::value_error("No GeneratedInput is given."))?;
    let gen = inputs[gen_index].clone();
    let eos_name = format!("__{name}_eos_layer__");
    // Moved into the step closure, which the group calls once.
    let step = a.arg("step")?.clone();
    let st2 = st.clone();
    let eos2 = eos_name.clone();
    // The step the group runs: the generated word's embedding joins the real inputs, and
    // the most probable next word is fed back through a memory.
    let real_step = Value::native("__real_step__", "*args", move |interp, b| {
        let g = gen
            .downcast_host::<GeneratedInput>()
            .expect("checked above");
        let generator = GeneratorConfig {
            max_num_frames: max_length as u32,
            eos_layer_name: eos2.clone(),
            num_results_per_sample: Some(num_results as i32),
            beam_size: Some(beam_size as i32),
            log_prob: None,
        };
        st2.with_builder(|b| group::set_generator(b, generator));
        let mut args = b.varargs.clone();
        let mem = interp.call(
            &st2.prelude_fn("memory")?,
            vec![],
            vec![
                ("name".into(), Value::str("__beam_search_predict__")),
                ("size".into(), Value::Int(g.size as i64)),
                ("boot_with_const_id".into(), Value::Int(bos_id as i64)),
            ],
        )?;
        let attr = interp.call(
            &st2.prelude_fn("ParamAttr")?,
            vec![],
            vec![("name".into(), Value::str(&g.embedding_name))],
        )?;
        let emb = interp.call(
            &st2.prelude_fn("embedding_layer")?,
            vec![],
            vec![
                ("input".into(), mem),
                ("size".into(), Value::Int(g.embedding_size as i64)),
                ("param_attr".into(), attr),
            ],
        )?;
        args.insert(gen_index.min(args.len()), emb);
        let out = interp.call(&step, args, vec![])?;
        let outs = if out.downcast_host::<LayerOutput>().is_some() {
            vec![out]
        } else {
            items(&out)
        };
        if outs.is_empty() {
            return Err(EvalError::value_error(
                "beam_search(): the step function returned nothing",
            ));
        }
        let predict = interp.call(
            &st2.prelude_fn("maxid_layer")?,
            vec![],
            vec![
                ("input".into(), outs[0].clone()),
                ("name".into(), Value::str("__beam_search_predict__")),
            ],
        )?;
        interp.call(
            &st2.prelude_fn("eos_layer")?,
            vec![],
            vec![
                ("input".into(), predict.clone()),
                ("eos_id".into(), Value::Int(eos_id as i64)),
                ("name".into(), Value::str(&eos2)),
            ],
        )?;
        let mut all = vec![predict];
        all.extend(outs[1..].iter().cloned());
        Ok(Value::list(all))
    });
    run_group(st, interp, &real_step, &real_inputs, false, &name)
}

fn lstm_step_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "lstm_step")?;
    let input = a.arg_layer("input")?;
    let state = a.arg_layer("state")?;
    let size = state.size.get().unwrap_or(0);
    if let Some(s) = a.arg_opt_uint("size")? {
        if s != size {
            return Err(EvalError::value_error(format!(
                "lstm_step_layer(): size={s} must equal the state's size {size}"
            )));
        }
    }
    let act = a.arg_act("act", "TanhActivation")?;
    let gate = a.arg_act("gate_act", "SigmoidActivation")?;
    let state_act = a.arg_act("state_act", "TanhActivation")?;
    let bias = a.arg_bias(true)?;
    let extra = a.arg_extra(&[])?;
    if input.size.get() != Some(4 * size) {
        return Err(EvalError::value_error(format!(
            "lstm_step_layer(): input_layer0.size != 4 * layer.size: the input '{}' has size {}, expected {}",
            input.name,
            input.size.get().unwrap_or(0),
            4 * size
        )));
    }
    let mut s = Simple::new(
        &name,
        "lstm_step",
        vec![
            InputSpec::new(input.name.clone()),
            InputSpec::new(state.name.clone()),
        ],
    );
    s.size = size;
    s.size_of = None;
    s.active_type = act_name(&act);
    s.extra = extra;
    {
        st.with_builder(|b| {
            let added = b
                .add_layer(
                    s.name,
                    s.layer_type,
                    s.size,
                    s.inputs,
                    s.active_type,
                    &s.extra,
                )
                .cfg()?;
            let l = b.layer_at_mut(added.index);
            l.active_gate_type = Some(act_name(&gate).into());
            l.active_state_type = Some(act_name(&state_act).into());
            b.create_bias_parameter(added.index, bias.as_ref(), size * 3, None, true)
                .cfg()?;
            Ok::<(), EvalError>(())
        })?;
    }
    Ok(LayerOutput::new(st, &name, "lstm_step", Some(size))
        .with_act(&act)
        .with_parents(vec![a.arg("input")?.clone(), a.arg("state")?.clone()])
        .with_outputs(&["default", "state"])
        .value())
}

fn gru_step_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "gru_step")?;
    let input = a.arg_layer("input")?;
    let mem = a.arg_layer("output_mem")?;
    let in_size = input.size.get().unwrap_or(0);
    if in_size % 3 != 0 {
        return Err(EvalError::value_error(format!(
            "gru_step_layer(): the input size {in_size} must be a multiple of 3"
        )));
    }
    let size = a.arg_opt_uint("size")?.unwrap_or(in_size / 3);
    let act = a.arg_act("act", "TanhActivation")?;
    let gate = a.arg_act("gate_act", "SigmoidActivation")?;
    let attr = a.arg_param(smart_param)?;
    let bias = a.arg_bias(true)?;
    let extra = a.arg_extra(&[])?;
    {
        st.with_builder(|b| {
            let specs = vec![
                InputSpec::with_param(input.name.clone(), attr),
                InputSpec::new(mem.name.clone()),
            ];
            let added = b
                .add_layer(&name, "gru_step", size, specs, act_name(&act), &extra)
                .cfg()?;
            if b.input_layer(added.index, 0).size() != 3 * size
                || b.input_layer(added.index, 1).size() != size
            {
                return Err(EvalError::new(
                    "ConfigError",
                    format!("gru_step_layer(): the input must have size 3 * {size} and output_mem size {size}"),
                ));
            }
            b.layer_at_mut(added.index).active_gate_type = Some(act_name(&gate).into());
            b.create_input_parameter(&added, 0, size * size * 3, vec![size, size * 3])
                .cfg()?;
            b.create_bias_parameter(added.index, bias.as_ref(), size * 3, None, true)
                .cfg()?;
            Ok::<(), EvalError>(())
        })?;
    }
    Ok(LayerOutput::new(st, &name, "gru_step", Some(size))
        .with_act(&act)
        .with_parents(vec![a.arg("input")?.clone(), a.arg("output_mem")?.clone()])
        .value())
}

/// This family's natives: the name and Paddle's signature of each, then its function.
#[rustfmt::skip]
const NATIVES: &[(&str, &str, Native)] = &[
    ("memory", "name, size, memory_name=None, is_seq=False, boot_layer=None, boot_bias=None, boot_bias_active_type=None, boot_with_const_id=None", memory),
    ("recurrent_group", "step, input, reverse=False, name=None, targetInlink=None", recurrent_group),
    ("beam_search", "step, input, bos_id, eos_id, beam_size, max_length=500, name=None, num_results_per_sample=None", beam_search),
    ("lstm_step_layer", "input, state, size=None, act=None, name=None, gate_act=None, state_act=None, bias_attr=None, layer_attr=None", lstm_step_layer),
    ("gru_step_layer", "input, output_mem, size=None, act=None, name=None, gate_act=None, bias_attr=None, param_attr=None, layer_attr=None", gru_step_layer),
];

pub fn register(m: &Module, st: &Rc<State>) {
    for (name, spec, f) in NATIVES {
        def(m, st, name, spec, *f);
    }
}
