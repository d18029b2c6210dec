//! Costs over structured outputs: CTC, CRF, NCE, hierarchical sigmoid, cross entropy over beams.

use super::args::*;
use super::build::*;
use super::objects::*;
use super::state::State;
use crate::eval::{Bound, EvalError, Interp, Module, Value};
use crate::graph::{InputSpec, Real};
use std::rc::Rc;

fn hsigmoid(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "hsigmoid";
    let name = layer_name(st, &a, f)?;
    let inputs = a.arg_layers("input")?;
    let label = a.arg_layer("label")?;
    let num_classes = match a.arg_opt_uint("num_classes")? {
        Some(n) => n,
        None => label.size.get().unwrap_or(0),
    };
    if num_classes <= 2 {
        return Err(EvalError::value_error(
            "hsigmoid label size must larger than 2.",
        ));
    }
    let attrs = param_attrs_per_input(a.arg("param_attr")?, inputs.len(), f)?;
    let bias = a.arg_bias(true)?;
    let extra = a.arg_extra(&[])?;
    let mut specs: Vec<InputSpec> = inputs
        .iter()
        .zip(attrs)
        .map(|(l, p)| InputSpec::with_param(lo(l).name.clone(), p))
        .collect();
    specs.push(InputSpec::new(label.name.clone()));
    let n = inputs.len();
    let size = with_layer(st, &name, "hsigmoid", 1, specs, "", &extra, |b, added| {
        b.layer_at_mut(added.index).num_classes = Some(num_classes as u32);
        for i in 0..n {
            let s = b.input_layer(added.index, i).size();
            b.create_input_parameter(added, i, (num_classes - 1) * s, vec![num_classes - 1, s])?;
        }
        b.create_bias_parameter(added.index, bias.as_ref(), num_classes - 1, None, true)?;
        Ok(())
    })?;
    let mut parents = inputs;
    parents.push(a.arg("label")?.clone());
    Ok(LayerOutput::new(st, &name, "hsigmoid", Some(size))
        .with_parents(parents)
        .value())
}

fn ctc_like(st: &Rc<State>, a: &Bound, f: &str, layer_type: &str) -> Result<Value, EvalError> {
    let name = layer_name(st, a, f)?;
    let input = a.arg_layer("input")?;
    let label = a.arg_layer("label")?;
    let mut size = a.arg_opt_uint("size")?;
    if let Some(ls) = label.size.get() {
        match size {
            Some(s) if s != ls + 1 => {
                return Err(EvalError::value_error(format!(
                    "{f}(): size ({s}) must be the label size + 1 ({})",
                    ls + 1
                )))
            }
            None => size = Some(ls + 1),
            _ => {}
        }
    }
    let size = size.unwrap_or(0);
    let extra = a.arg_extra(&[])?;
    let norm = a.bool("norm_by_times");
    let blank = if layer_type == "warp_ctc" {
        Some(a.arg_uint("blank")? as u32)
    } else {
        None
    };
    if layer_type == "warp_ctc"
        && !matches!(
            act_name(input.activation.as_ref().unwrap_or(&Value::None)),
            ""
        )
    {
        return Err(EvalError::value_error(
            "warp_ctc_layer(): Expecting the active_type of input layer to be linear or null",
        ));
    }
    let mut s = Simple::new(
        &name,
        layer_type,
        vec![
            InputSpec::new(input.name.clone()),
            InputSpec::new(label.name.clone()),
        ],
    );
    s.size = size;
    s.size_of = None;
    s.extra = extra;
    s.add(st, |l| {
        l.norm_by_times = Some(norm);
        l.blank = blank;
    })?;
    Ok(LayerOutput::new(st, &name, layer_type, Some(size))
        .with_parents(vec![a.arg("input")?.clone(), a.arg("label")?.clone()])
        .value())
}

fn ctc_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    ctc_like(st, &a, "ctc_layer", "ctc")
}

fn warp_ctc_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    ctc_like(st, &a, "warp_ctc_layer", "warp_ctc")
}

fn crf_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "crf_layer";
    let name = layer_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    let label = a.arg_layer("label")?;
    let mut size = a.arg_opt_uint("size")?;
    if let (Some(is), Some(ls)) = (input.size.get(), label.size.get()) {
        if is != ls {
            return Err(EvalError::value_error(format!(
                "crf_layer(): input size {is} and label size {ls} differ"
            )));
        }
        size.get_or_insert(is);
    }
    let size = size.unwrap_or(0);
    let attr = a.arg_param(smart_param)?;
    let coeff = a.arg_real("coeff")?;
    let extra = a.arg_extra(&[])?;
    let mut specs = vec![
        InputSpec::with_param(input.name.clone(), attr),
        InputSpec::new(label.name.clone()),
    ];
    let mut parents = vec![a.arg("input")?.clone(), a.arg("label")?.clone()];
    if let Some(w) = a.opt("weight") {
        specs.push(InputSpec::new(layer_arg(w, f, "weight")?.name.clone()));
        parents.push(w.clone());
    }
    with_layer(st, &name, "crf", size, specs, "", &extra, |b, added| {
        b.create_input_parameter(added, 0, size * (size + 2), vec![size + 2, size])?;
        b.layer_at_mut(added.index).coeff = Some(coeff);
        Ok(())
    })?;
    Ok(LayerOutput::new(st, &name, "crf", Some(1))
        .with_parents(parents)
        .value())
}

fn crf_decoding_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "crf_decoding_layer";
    let name = layer_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    let size = a.arg_uint("size")?;
    let attr = a.arg_param(smart_param)?;
    let extra = a.arg_extra(&[])?;
    let mut specs = vec![InputSpec::with_param(input.name.clone(), attr)];
    let mut parents = vec![a.arg("input")?.clone()];
    if let Some(l) = a.opt("label") {
        specs.push(InputSpec::new(layer_arg(l, f, "label")?.name.clone()));
        parents.push(l.clone());
    }
    with_layer(
        st,
        &name,
        "crf_decoding",
        size,
        specs,
        "",
        &extra,
        |b, added| b.create_input_parameter(added, 0, size * (size + 2), vec![size + 2, size]),
    )?;
    Ok(LayerOutput::new(st, &name, "crf_decoding", Some(1))
        .with_parents(parents)
        .value())
}

fn nce_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "nce_layer";
    let name = layer_name(st, &a, f)?;
    let inputs = a.arg_layers("input")?;
    let label = a.arg_layer("label")?;
    if label.layer_type != "data" {
        return Err(EvalError::value_error(
            "nce_layer(): the label must be a data layer",
        ));
    }
    let num_classes = match a.arg_opt_uint("num_classes")? {
        Some(n) => n,
        None => label.size.get().unwrap_or(0),
    };
    let dist = match a.opt("neg_distribution") {
        None => Vec::new(),
        Some(v) => {
            let d: Vec<Real> = items(v)
                .iter()
                .map(|x| real_arg(x, f, "neg_distribution"))
                .collect::<Result<_, _>>()?;
            if d.len() as u64 != num_classes {
                return Err(EvalError::value_error(format!(
                    "len(neg_sampling_dist)({}) is not same as num_classes ({num_classes})",
                    d.len()
                )));
            }
            let sum: f64 = d.iter().map(|r| r.as_f64()).sum();
            if (sum - 1.0).abs() >= 1e-5 {
                return Err(EvalError::value_error(format!(
                    "The sum of neg_sampling_dist ({sum}) is not 1"
                )));
            }
            d
        }
    };
    let attrs = param_attrs_per_input(a.arg("param_attr")?, inputs.len(), f)?;
    let bias = a.arg_bias(true)?;
    let extra = a.arg_extra(&[])?;
    let num_neg = a.arg_int("num_neg_samples")?;
    let mut specs: Vec<InputSpec> = inputs
        .iter()
        .zip(attrs)
        .map(|(l, p)| InputSpec::with_param(lo(l).name.clone(), p))
        .collect();
    specs.push(InputSpec::new(label.name.clone()));
    let mut parents = inputs.clone();
    parents.push(a.arg("label")?.clone());
    if let Some(w) = a.opt("weight") {
        let wl = layer_arg(w, f, "weight")?;
        specs.push(InputSpec::new(wl.name.clone()));
        parents.push(w.clone());
    }
    let n_inputs = specs.len();
    with_layer(st, &name, "nce", 1, specs, "sigmoid", &extra, |b, added| {
        {
            let l = b.layer_at_mut(added.index);
            l.num_classes = Some(num_classes as u32);
            l.neg_sampling_dist = dist;
            l.num_neg_samples = Some(num_neg as i32);
        }
        let mut real = n_inputs - 1;
        if real > 1
            && b.input_layer(added.index, real).size() == 1
            && b.input_layer(added.index, real - 1).r#type == "data"
        {
            real -= 1;
        }
        for i in 0..real {
            let s = b.input_layer(added.index, i).size();
            b.create_input_parameter(added, i, num_classes * s, vec![num_classes, s])?;
        }
        b.create_bias_parameter(added.index, bias.as_ref(), num_classes, None, true)?;
        Ok(())
    })?;
    Ok(LayerOutput::new(st, &name, "nce", Some(1))
        .with_act(&activation("SigmoidActivation"))
        .with_parents(parents)
        .value())
}

fn cross_entropy_over_beam(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "cross_entropy_over_beam";
    let name = layer_name(st, &a, f)?;
    let mut inputs = Vec::new();
    for beam in a.arg_items("input")? {
        let beam = beam.downcast_host::<BeamInput>().ok_or_else(|| {
            EvalError::type_error("input for cross_entropy_over_beam should be a BeamInput object.")
        })?;
        inputs.extend([
            beam.candidate_scores.clone(),
            beam.selected_candidates.clone(),
            beam.gold.clone(),
        ]);
    }
    with_layer(
        st,
        &name,
        "cross_entropy_over_beam",
        0,
        inputs.iter().map(spec).collect(),
        "",
        &Default::default(),
        |b, added| {
            for i in (0..inputs.len()).step_by(3) {
                crate::graph::builder::check(b.input_layer(added.index, i).size() == 1, || {
                    "Inputs for this layer are made up of several triples, in which the first one is scores over \
                 all candidate paths, whose size should be equal to 1."
                    .into()
                })?;
            }
            Ok(())
        },
    )?;
    Ok(
        LayerOutput::new(st, &name, "multi-class-cross-entropy", Some(1))
            .with_parents(inputs)
            .value(),
    )
}

/// `BeamInput(candidate_scores, selected_candidates, gold)`.
pub struct BeamInput {
    pub candidate_scores: Value,
    pub selected_candidates: Value,
    pub gold: Value,
}

impl crate::eval::HostObject for BeamInput {
    fn type_name(&self) -> &str {
        "BeamInput"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// This family's natives: the name and Paddle's signature of each, then its function.
#[rustfmt::skip]
const NATIVES: &[(&str, &str, Native)] = &[
    ("hsigmoid", "input, label, num_classes=None, name=None, bias_attr=None, param_attr=None, layer_attr=None", hsigmoid),
    ("ctc_layer", "input, label, size=None, name=None, norm_by_times=False, layer_attr=None", ctc_layer),
    ("warp_ctc_layer", "input, label, size=None, name=None, blank=0, norm_by_times=False, layer_attr=None", warp_ctc_layer),
    ("crf_layer", "input, label, size=None, weight=None, param_attr=None, name=None, coeff=1.0, layer_attr=None", crf_layer),
    ("crf_decoding_layer", "input, size, label=None, param_attr=None, name=None, layer_attr=None", crf_decoding_layer),
    ("nce_layer", "input, label, num_classes=None, param_attr=None, weight=None, num_neg_samples=10, neg_distribution=None, name=None, bias_attr=None, layer_attr=None", nce_layer),
    ("cross_entropy_over_beam", "input, name=None", cross_entropy_over_beam),
];

pub fn register(m: &Module, st: &Rc<State>) {
    for (name, spec, f) in NATIVES {
        def(m, st, name, spec, *f);
    }
    m.add_native(
        "BeamInput",
        "candidate_scores, selected_candidates, gold",
        |_, a| {
            let f = "BeamInput";
            for k in ["candidate_scores", "selected_candidates", "gold"] {
                layer_arg(a.arg(k)?, f, k)?;
            }
            Ok(Value::host(BeamInput {
                candidate_scores: a.arg("candidate_scores")?.clone(),
                selected_candidates: a.arg("selected_candidates")?.clone(),
                gold: a.arg("gold")?.clone(),
            }))
        },
    );
}
