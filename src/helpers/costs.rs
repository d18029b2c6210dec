//! Cost layers and evaluators.

use super::args::*;
use super::build::{def, layer_name, spec, Native, Simple};
use super::objects::*;
use super::state::{with_builder, State};
use crate::eval::{Bound, EvalError, Interp, Module, Value};
use crate::graph::layer_types as lt;
use crate::graph::layers::cost::{self, CostKind, CostLayer};
use crate::graph::{EvaluatorConfig, InputSpec, LayerExtra, Real};
use std::rc::Rc;

/// `__cost_input__`: input(s), label(s), then the optional weight.
fn cost_inputs(a: &Bound, f: &str) -> Result<Vec<Value>, EvalError> {
    let mut all = a.arg_layers("input")?;
    all.extend(a.arg_layers("label")?);
    if let Some(w) = a.opt("weight") {
        let wl = layer_arg(w, f, "weight")?;
        if wl.size.get().is_some_and(|s| s != 1) {
            return Err(EvalError::value_error(format!(
                "{f}(): the weight layer '{}' must have size 1",
                wl.name
            )));
        }
        all.push(w.clone());
    }
    Ok(all)
}

/// A cost layer through its one builder; the output's type is what the helper returns.
fn add_cost(
    st: &Rc<State>,
    name: &str,
    kind: CostKind,
    inputs: &[Value],
    coeff: Option<Real>,
    extra: LayerExtra,
    out_type: &str,
) -> Result<Value, EvalError> {
    let layer = CostLayer {
        name: name.to_string(),
        kind,
        inputs: inputs.iter().map(spec).collect(),
        coeff,
        extra,
    };
    with_builder(st, |b| cost::cost_layer(b, layer))?;
    Ok(LayerOutput::new(st, name, out_type, Some(1))
        .with_parents(inputs.to_vec())
        .value())
}

fn coeff(a: &Bound) -> Result<Option<Real>, EvalError> {
    Ok(Some(a.arg_real("coeff")?))
}

fn square_error_cost(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "square_error_cost";
    let name = layer_name(st, &a, f)?;
    let inputs = cost_inputs(&a, f)?;
    let extra = a.arg_extra(&[])?;
    add_cost(
        st,
        &name,
        CostKind::Defined(lt::SQUARE_ERROR),
        &inputs,
        coeff(&a)?,
        extra,
        "cost",
    )
}

fn classification_cost(st: &Rc<State>, interp: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "classification_cost";
    let name = layer_name(st, &a, "cost")?;
    let input = a.arg_layer("input")?;
    if input.layer_type == "data" {
        return Err(EvalError::value_error(format!(
            "classification_cost(): the input '{}' is a data layer; give the classifier's output",
            input.name
        )));
    }
    let softmax = input
        .activation
        .as_ref()
        .and_then(|v| v.downcast_host::<Activation>())
        .is_some_and(|act| act.class == "SoftmaxActivation");
    if !softmax {
        return Err(EvalError::value_error(format!(
            "classification_cost(): the input '{}' must have act=SoftmaxActivation()",
            input.name
        )));
    }
    let label = a.arg_layer("label")?;
    if label.layer_type != "data" {
        return Err(EvalError::value_error(format!(
            "classification_cost(): the label '{}' must be a data layer",
            label.name
        )));
    }
    let inputs = cost_inputs(&a, f)?;
    let extra = a.arg_extra(&[])?;
    let out = add_cost(
        st,
        &name,
        CostKind::Defined(lt::MULTI_CLASS_CROSS_ENTROPY),
        &inputs,
        coeff(&a)?,
        extra,
        "cost",
    )?;
    let default_eval;
    let evaluators = if a.is_given("evaluator") {
        a.arg("evaluator")?
    } else {
        default_eval = st.prelude_fn("classification_error_evaluator")?;
        &default_eval
    };
    let list = if is_sequence(evaluators) {
        items(evaluators)
    } else if evaluators.is_none() {
        vec![]
    } else {
        vec![evaluators.clone()]
    };
    for e in list {
        let ename = match &e {
            Value::Native(n) => n.name.to_string(),
            Value::Function(func) => func.def.name.to_string(),
            other => {
                return Err(EvalError::type_error(format!(
                    "classification_cost(): evaluator must be an evaluator function such as \
                     classification_error_evaluator, not {}",
                    other.type_name()
                )))
            }
        };
        interp.call(
            &e,
            vec![],
            vec![
                ("name".into(), Value::str(&ename)),
                ("input".into(), a.arg("input")?.clone()),
                ("label".into(), a.arg("label")?.clone()),
                ("weight".into(), a.arg("weight")?.clone()),
            ],
        )?;
    }
    Ok(out)
}

fn cross_entropy(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "cross_entropy";
    let name = layer_name(st, &a, f)?;
    let inputs = cost_inputs(&a, f)?;
    let extra = a.arg_extra(&[])?;
    add_cost(
        st,
        &name,
        CostKind::Defined(lt::MULTI_CLASS_CROSS_ENTROPY),
        &inputs,
        coeff(&a)?,
        extra,
        "multi-class-cross-entropy",
    )
}

fn cross_entropy_with_selfnorm(
    st: &Rc<State>,
    _: &mut Interp,
    a: Bound,
) -> Result<Value, EvalError> {
    let f = "cross_entropy_with_selfnorm";
    let name = layer_name(st, &a, f)?;
    let inputs = vec![a.arg("input")?.clone(), a.arg("label")?.clone()];
    layers_arg(&Value::list(inputs.clone()), f, "input")?;
    let alpha = a.arg_real("softmax_selfnorm_alpha")?;
    let extra = a.arg_extra(&[])?;
    add_cost(
        st,
        &name,
        CostKind::SelfNorm {
            softmax_selfnorm_alpha: alpha,
        },
        &inputs,
        coeff(&a)?,
        extra,
        lt::MULTI_CLASS_CROSS_ENTROPY_WITH_SELFNORM,
    )
}

/// Costs of `(input, label)` with a coefficient and no other settings.
fn two_input_cost(
    st: &Rc<State>,
    a: &Bound,
    f: &str,
    layer_type: &'static str,
    with_coeff: bool,
) -> Result<Value, EvalError> {
    let name = layer_name(st, a, f)?;
    let inputs = vec![a.arg("input")?.clone(), a.arg("label")?.clone()];
    layers_arg(&Value::list(inputs.clone()), f, "input")?;
    let extra = a.arg_extra(&[])?;
    let c = if with_coeff {
        coeff(a)?
    } else {
        Some(Real::Float(1.0))
    };
    add_cost(
        st,
        &name,
        CostKind::Defined(layer_type),
        &inputs,
        c,
        extra,
        layer_type,
    )
}

fn multi_binary_label_cross_entropy(
    st: &Rc<State>,
    _: &mut Interp,
    a: Bound,
) -> Result<Value, EvalError> {
    two_input_cost(
        st,
        &a,
        "multi_binary_label_cross_entropy",
        "multi_binary_label_cross_entropy",
        true,
    )
}

fn huber_classification_cost(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    two_input_cost(
        st,
        &a,
        "huber_classification_cost",
        "huber_classification",
        true,
    )
}

fn smooth_l1_cost(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "smooth_l1_cost";
    let (x, y) = (a.arg_layer("input")?, a.arg_layer("label")?);
    if x.size.get() != y.size.get() {
        return Err(EvalError::value_error(format!(
            "smooth_l1_cost(): input ({}) and label ({}) must have the same size",
            x.size.get().unwrap_or(0),
            y.size.get().unwrap_or(0)
        )));
    }
    two_input_cost(st, &a, f, "smooth_l1", true)
}

fn huber_regression_cost(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "huber_regression_cost";
    let name = layer_name(st, &a, f)?;
    let inputs = vec![a.arg("input")?.clone(), a.arg("label")?.clone()];
    layers_arg(&Value::list(inputs.clone()), f, "input")?;
    let delta = a.arg_real("delta")?;
    let c = a.arg_real("coeff")?;
    let extra = a.arg_extra(&[])?;
    add_cost(
        st,
        &name,
        CostKind::HuberRegression { delta, coeff: c },
        &inputs,
        None,
        extra,
        lt::HUBER_REGRESSION,
    )
}

fn sum_cost(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "sum_cost";
    let name = layer_name(st, &a, f)?;
    let inputs = a.arg_layers("input")?;
    let extra = a.arg_extra(&[])?;
    add_cost(
        st,
        &name,
        CostKind::Defined(lt::SUM_COST),
        &inputs,
        Some(Real::Float(1.0)),
        extra,
        "sum_cost",
    )
}

fn rank_cost(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "rank_cost";
    let name = layer_name(st, &a, f)?;
    let mut inputs = vec![
        a.arg("left")?.clone(),
        a.arg("right")?.clone(),
        a.arg("label")?.clone(),
    ];
    for (v, what) in inputs.iter().zip(["left", "right", "label"]) {
        let l = layer_arg(v, f, what)?;
        if l.size.get() != Some(1) {
            return Err(EvalError::value_error(format!(
                "rank_cost(): {what} must have size 1"
            )));
        }
    }
    if let Some(w) = a.opt("weight") {
        layer_arg(w, f, "weight")?;
        inputs.push(w.clone());
    }
    let extra = a.arg_extra(&[])?;
    add_cost(
        st,
        &name,
        CostKind::Defined(lt::RANK_COST),
        &inputs,
        coeff(&a)?,
        extra,
        "rank-cost",
    )
}

fn lambda_cost(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "lambda_cost";
    let name = layer_name(st, &a, f)?;
    let inputs = vec![a.arg("input")?.clone(), a.arg("score")?.clone()];
    layers_arg(&Value::list(inputs.clone()), f, "input")?;
    let ndcg = a.arg_int("NDCG_num")?;
    let max_sort = a.arg_int("max_sort_size")?;
    if max_sort != -1 && ndcg > max_sort {
        return Err(EvalError::value_error(
            "NDCG_num must be less than or equal to max_sort_size",
        ));
    }
    let extra = a.arg_extra(&[])?;
    let specs = inputs
        .iter()
        .map(|l| InputSpec::new(lo(l).name.clone()))
        .collect();
    let mut s = Simple::new(&name, "lambda_cost", specs);
    s.size = 1;
    s.size_of = None;
    s.extra = extra;
    s.add(st, |l| {
        l.ndcg_num = Some(ndcg as i32);
        l.max_sort_size = Some(max_sort as i32);
    })?;
    Ok(LayerOutput::new(st, &name, "lambda_cost", Some(1))
        .with_parents(inputs)
        .value())
}

/// `evaluator_base`: one EvaluatorConfig reading `input` (+ label, weight).
pub fn add_evaluator(
    st: &State,
    name: &str,
    eval_type: &str,
    inputs: Vec<String>,
    fill: impl FnOnce(&mut EvaluatorConfig),
) -> Result<(), EvalError> {
    st.with_builder(|b| {
        let full = b.name_in_submodel(name);
        let mut e = EvaluatorConfig {
            name: full.clone(),
            r#type: eval_type.to_string(),
            input_layers: inputs.iter().map(|n| b.name_in_submodel(n)).collect(),
            ..Default::default()
        };
        fill(&mut e);
        b.model_mut().evaluators.push(e);
        b.current_submodel_mut().evaluator_names.push(full);
        Ok(())
    })
}

fn eval_inputs(a: &Bound, f: &str, with_label: bool) -> Result<Vec<String>, EvalError> {
    let mut names: Vec<String> = a
        .arg_layers("input")?
        .iter()
        .map(|l| lo(l).name.clone())
        .collect();
    if with_label {
        if let Some(l) = a.opt("label") {
            names.push(layer_arg(l, f, "label")?.name.clone());
        }
    }
    if let Some(w) = a.opt("weight") {
        names.push(layer_arg(w, f, "weight")?.name.clone());
    }
    Ok(names)
}

fn eval_name(st: &State, a: &Bound, f: &str) -> Result<String, EvalError> {
    layer_name(st, a, f)
}

fn classification_error_evaluator(
    st: &Rc<State>,
    _: &mut Interp,
    a: Bound,
) -> Result<Value, EvalError> {
    let f = "classification_error_evaluator";
    let name = eval_name(st, &a, f)?;
    let inputs = eval_inputs(&a, f, true)?;
    let top_k = a.opt("top_k").map(|v| int_arg(v, f, "top_k")).transpose()?;
    let threshold = a.arg_opt_real("threshold")?;
    add_evaluator(st, &name, "classification_error", inputs, |e| {
        e.top_k = top_k.map(|k| k as i32);
        e.classification_threshold = threshold;
    })?;
    Ok(Value::None)
}

/// Evaluators configured by their inputs alone.
fn simple_evaluator(
    st: &Rc<State>,
    a: &Bound,
    f: &str,
    eval_type: &str,
) -> Result<Value, EvalError> {
    let name = eval_name(st, a, f)?;
    let inputs = eval_inputs(a, f, true)?;
    add_evaluator(st, &name, eval_type, inputs, |_| {})?;
    Ok(Value::None)
}

/// `evaluator_base(input, type, ...)`: any evaluator type, config_parser's `Evaluator` with
/// the label and weight appended to the inputs. Paddle gives it no default name.
fn evaluator_base(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "evaluator_base";
    let name = a
        .arg_opt_str("name")?
        .ok_or_else(|| EvalError::value_error("evaluator_base(): give the evaluator a name"))?;
    let eval_type = a.arg_str("type")?;
    let inputs = eval_inputs(&a, f, true)?;
    let int = |k: &str| -> Result<Option<i32>, EvalError> {
        a.opt(k)
            .map(|v| int_arg(v, f, k).map(|i| i as i32))
            .transpose()
    };
    let string = |k: &str| opt_str(a.arg(k)?, f, k);
    let chunk_scheme = string("chunk_scheme")?;
    let num_chunk_types = int("num_chunk_types")?;
    let threshold = a.arg_opt_real("classification_threshold")?;
    let positive_label = int("positive_label")?;
    let (dict_file, result_file) = (string("dict_file")?, string("result_file")?);
    let (num_results, top_k, background_id) =
        (int("num_results")?, int("top_k")?, int("background_id")?);
    let delimited = a.opt("delimited").map(Value::truthy);
    let excluded = a
        .arg_items("excluded_chunk_types")?
        .iter()
        .map(|v| int_arg(v, f, "excluded_chunk_types").map(|i| i as i32))
        .collect::<Result<Vec<_>, _>>()?;
    let overlap = a.arg_opt_real("overlap_threshold")?;
    let difficult = a.opt("evaluate_difficult").map(Value::truthy);
    let ap_type = string("ap_type")?;
    add_evaluator(st, &name, &eval_type, inputs, |e| {
        if chunk_scheme.is_some() {
            e.chunk_scheme = chunk_scheme;
            e.num_chunk_types = num_chunk_types;
        }
        e.classification_threshold = threshold;
        e.positive_label = positive_label;
        e.dict_file = dict_file;
        e.result_file = result_file;
        e.num_results = num_results;
        e.top_k = top_k;
        e.delimited = delimited;
        e.excluded_chunk_types = excluded;
        e.overlap_threshold = overlap;
        e.background_id = background_id;
        e.evaluate_difficult = difficult;
        e.ap_type = ap_type;
    })?;
    Ok(Value::None)
}

fn auc_evaluator(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    simple_evaluator(st, &a, "auc_evaluator", "last-column-auc")
}

fn pnpair_evaluator(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "pnpair_evaluator";
    let name = eval_name(st, &a, f)?;
    let mut inputs = eval_inputs(&a, f, true)?;
    if let Some(q) = a.opt("query_id") {
        let pos = inputs.len() - usize::from(a.opt("weight").is_some());
        inputs.insert(pos, layer_arg(q, f, "query_id")?.name.clone());
    }
    add_evaluator(st, &name, "pnpair", inputs, |_| {})?;
    Ok(Value::None)
}

fn precision_recall_evaluator(
    st: &Rc<State>,
    _: &mut Interp,
    a: Bound,
) -> Result<Value, EvalError> {
    let f = "precision_recall_evaluator";
    let name = eval_name(st, &a, f)?;
    let inputs = eval_inputs(&a, f, true)?;
    let positive = a
        .opt("positive_label")
        .map(|v| int_arg(v, f, "positive_label"))
        .transpose()?;
    add_evaluator(st, &name, "precision_recall", inputs, |e| {
        e.positive_label = positive.map(|p| p as i32)
    })?;
    Ok(Value::None)
}

fn sum_evaluator(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    simple_evaluator(st, &a, "sum_evaluator", "sum")
}

fn column_sum_evaluator(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    simple_evaluator(st, &a, "column_sum_evaluator", "last-column-sum")
}

fn ctc_error_evaluator(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    simple_evaluator(st, &a, "ctc_error_evaluator", "ctc_edit_distance")
}

fn chunk_evaluator(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "chunk_evaluator";
    let name = eval_name(st, &a, f)?;
    let inputs = eval_inputs(&a, f, true)?;
    let scheme = a.arg_str("chunk_scheme")?;
    let n = a.arg_int("num_chunk_types")?;
    let excluded: Vec<i32> = a
        .arg_items("excluded_chunk_types")?
        .iter()
        .map(|v| int_arg(v, f, "excluded_chunk_types").map(|i| i as i32))
        .collect::<Result<_, _>>()?;
    add_evaluator(st, &name, "chunk", inputs, |e| {
        e.chunk_scheme = Some(scheme);
        e.num_chunk_types = Some(n as i32);
        e.excluded_chunk_types = excluded;
    })?;
    Ok(Value::None)
}

fn printer(st: &Rc<State>, a: &Bound, f: &str, eval_type: &str) -> Result<Value, EvalError> {
    let name = eval_name(st, a, f)?;
    let inputs: Vec<String> = a
        .arg_layers("input")?
        .iter()
        .map(|l| lo(l).name.clone())
        .collect();
    add_evaluator(st, &name, eval_type, inputs, |_| {})?;
    Ok(Value::None)
}

fn value_printer_evaluator(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    printer(st, &a, "value_printer_evaluator", "value_printer")
}

fn gradient_printer_evaluator(
    st: &Rc<State>,
    _: &mut Interp,
    a: Bound,
) -> Result<Value, EvalError> {
    printer(st, &a, "gradient_printer_evaluator", "gradient_printer")
}

fn seqtext_printer_evaluator(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "seqtext_printer_evaluator";
    let name = eval_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    let result_file = a.arg_str("result_file")?;
    let mut inputs = Vec::new();
    if let Some(id) = a.opt("id_input") {
        inputs.push(layer_arg(id, f, "id_input")?.name.clone());
        // As Paddle did: the id layer becomes a parent, so outputs() finds its data layer.
        input.parents.borrow_mut().push(id.clone());
    }
    inputs.push(input.name.clone());
    let dict_file = a.arg_opt_str("dict_file")?;
    let delimited = a.opt("delimited").map(|v| v.truthy());
    add_evaluator(st, &name, "seq_text_printer", inputs, |e| {
        e.dict_file = dict_file;
        e.result_file = Some(result_file);
        e.delimited = delimited;
    })?;
    Ok(Value::None)
}

/// The printers that take `num_results`: maxid_printer, maxframe_printer.
fn results_printer(
    st: &Rc<State>,
    a: &Bound,
    f: &str,
    eval_type: &str,
) -> Result<Value, EvalError> {
    let name = eval_name(st, a, f)?;
    let inputs: Vec<String> = a
        .arg_layers("input")?
        .iter()
        .map(|l| lo(l).name.clone())
        .collect();
    let n = a
        .opt("num_results")
        .map(|v| int_arg(v, f, "num_results"))
        .transpose()?;
    add_evaluator(st, &name, eval_type, inputs, |e| {
        e.num_results = n.map(|n| n as i32)
    })?;
    Ok(Value::None)
}

fn maxid_printer_evaluator(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    results_printer(st, &a, "maxid_printer_evaluator", "max_id_printer")
}

fn maxframe_printer_evaluator(
    st: &Rc<State>,
    _: &mut Interp,
    a: Bound,
) -> Result<Value, EvalError> {
    results_printer(st, &a, "maxframe_printer_evaluator", "max_frame_printer")
}

fn classification_error_printer_evaluator(
    st: &Rc<State>,
    _: &mut Interp,
    a: Bound,
) -> Result<Value, EvalError> {
    let f = "classification_error_printer_evaluator";
    let name = eval_name(st, &a, f)?;
    let inputs = eval_inputs(&a, f, true)?;
    let threshold = a.arg_opt_real("threshold")?;
    add_evaluator(st, &name, "classification_error_printer", inputs, |e| {
        e.classification_threshold = threshold;
    })?;
    Ok(Value::None)
}

fn detection_map_evaluator(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "detection_map_evaluator";
    let name = eval_name(st, &a, f)?;
    let inputs = eval_inputs(&a, f, true)?;
    let overlap = a.arg_opt_real("overlap_threshold")?;
    let background = a
        .opt("background_id")
        .map(|v| int_arg(v, f, "background_id"))
        .transpose()?;
    let difficult = a.opt("evaluate_difficult").map(|v| v.truthy());
    let ap_type = a.arg_opt_str("ap_type")?;
    add_evaluator(st, &name, "detection_map", inputs, |e| {
        e.overlap_threshold = overlap;
        e.background_id = background.map(|b| b as i32);
        e.evaluate_difficult = difficult;
        e.ap_type = ap_type;
    })?;
    Ok(Value::None)
}

/// This family's natives: the name and Paddle's signature of each, then its function.
#[rustfmt::skip]
const NATIVES: &[(&str, &str, Native)] = &[
    ("seqtext_printer_evaluator", "input, result_file, id_input=None, dict_file=None, delimited=None, name=None", seqtext_printer_evaluator),
    ("maxid_printer_evaluator", "input, num_results=None, name=None", maxid_printer_evaluator),
    ("maxframe_printer_evaluator", "input, num_results=None, name=None", maxframe_printer_evaluator),
    ("classification_error_printer_evaluator", "input, label, threshold=0.5, name=None", classification_error_printer_evaluator),
    ("detection_map_evaluator", "input, label, overlap_threshold=0.5, background_id=0, evaluate_difficult=False, ap_type='11point', name=None", detection_map_evaluator),
    ("classification_cost", "input, label, weight=None, name=None, evaluator=None, layer_attr=None, coeff=1.0", classification_cost),
    ("cross_entropy", "input, label, name=None, coeff=1.0, weight=None, layer_attr=None", cross_entropy),
    ("cross_entropy_with_selfnorm", "input, label, name=None, coeff=1.0, softmax_selfnorm_alpha=0.1, layer_attr=None", cross_entropy_with_selfnorm),
    ("huber_regression_cost", "input, label, name=None, delta=1.0, coeff=1.0, layer_attr=None", huber_regression_cost),
    ("sum_cost", "input, name=None, layer_attr=None", sum_cost),
    ("rank_cost", "left, right, label, weight=None, name=None, coeff=1.0, layer_attr=None", rank_cost),
    ("lambda_cost", "input, score, name=None, NDCG_num=5, max_sort_size=-1, layer_attr=None", lambda_cost),
    ("evaluator_base", "input, type, label=None, weight=None, name=None, chunk_scheme=None, num_chunk_types=None, classification_threshold=None, positive_label=None, dict_file=None, result_file=None, num_results=None, delimited=None, top_k=None, excluded_chunk_types=None, overlap_threshold=None, background_id=None, evaluate_difficult=None, ap_type=None", evaluator_base),
    ("classification_error_evaluator", "input, label, name=None, weight=None, top_k=None, threshold=None", classification_error_evaluator),
    ("auc_evaluator", "input, label, name=None, weight=None", auc_evaluator),
    ("pnpair_evaluator", "input, label, query_id, weight=None, name=None", pnpair_evaluator),
    ("precision_recall_evaluator", "input, label, positive_label=None, weight=None, name=None", precision_recall_evaluator),
    ("sum_evaluator", "input, name=None, weight=None", sum_evaluator),
    ("column_sum_evaluator", "input, name=None, weight=None", column_sum_evaluator),
    ("ctc_error_evaluator", "input, label, name=None", ctc_error_evaluator),
    ("chunk_evaluator", "input, label, chunk_scheme, num_chunk_types, name=None, excluded_chunk_types=None", chunk_evaluator),
    ("value_printer_evaluator", "input, name=None", value_printer_evaluator),
    ("gradient_printer_evaluator", "input, name=None", gradient_printer_evaluator),
];

pub fn register(m: &Module, st: &Rc<State>) {
    for (name, spec, f) in NATIVES {
        def(m, st, name, spec, *f);
    }
    let cost = "input, label, weight=None, name=None, coeff=1.0, layer_attr=None";
    def(m, st, "square_error_cost", cost, square_error_cost);
    def(m, st, "regression_cost", cost, square_error_cost);
    let two = "input, label, name=None, coeff=1.0, layer_attr=None";
    def(
        m,
        st,
        "multi_binary_label_cross_entropy",
        two,
        multi_binary_label_cross_entropy,
    );
    def(
        m,
        st,
        "huber_classification_cost",
        two,
        huber_classification_cost,
    );
    def(m, st, "smooth_l1_cost", two, smooth_l1_cost);
}
