//! settings() with its optimizers and regularizers, outputs()/inputs(), and the data sources.

use super::args::*;
use super::build::{def, Native};
use super::objects::*;
use super::pickle;
use super::state::{with_builder, State};
use crate::eval::{Bound, EvalError, HostType, Interp, Module, Value};
use crate::graph::settings::Setting;
use crate::graph::{DataConfig, Real, SourceLocation};
use std::collections::HashSet;
use std::rc::Rc;

fn setting_of(v: &Value) -> Option<Setting> {
    match v {
        Value::None => None,
        Value::Bool(b) => Some(Setting::Bool(*b)),
        Value::Str(s) => Some(Setting::Str(s.to_string())),
        v => real(v).map(Setting::Num),
    }
}

fn set(st: &State, key: &str, v: Option<Setting>) -> Result<(), EvalError> {
    with_builder(st, |b| b.settings.set_checked(key, v))
}

fn optimizer<'a>(v: &'a Value, f: &str, what: &str) -> Result<&'a OptimizerObj, EvalError> {
    v.downcast_host::<OptimizerObj>().ok_or_else(|| {
        EvalError::type_error(format!(
            "{f}() argument '{what}' must be an optimizer object such as MomentumOptimizer(0.9), not {}",
            v.type_name()
        ))
    })
}

fn settings(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "settings";
    let method = match a.opt("learning_method") {
        None => OptimizerKind::Momentum {
            momentum: None,
            sparse: false,
        },
        Some(v) => optimizer(v, f, "learning_method")?.kind.clone(),
    };
    let algorithm = match method {
        OptimizerKind::L2Regularization { .. } | OptimizerKind::ModelAverage { .. } => {
            return Err(EvalError::type_error(
                "settings(): learning_method must be an optimizer such as MomentumOptimizer(), not a regularizer",
            ))
        }
        _ if a.bool("is_async") => "async_sgd",
        _ => "sgd",
    };
    let num = |v: &Value, what: &str| -> Result<Option<Setting>, EvalError> {
        if v.is_none() {
            return Ok(None);
        }
        setting_of(v).map(Some).ok_or_else(|| {
            EvalError::type_error(format!(
                "settings() argument '{what}' must be a number, not {}",
                v.type_name()
            ))
        })
    };
    set(st, "batch_size", num(a.arg("batch_size")?, "batch_size")?)?;
    set(
        st,
        "learning_rate",
        num(a.arg("learning_rate")?, "learning_rate")?,
    )?;
    set(st, "algorithm", Some(Setting::Str(algorithm.into())))?;
    for key in [
        "learning_rate_decay_a",
        "learning_rate_decay_b",
        "learning_rate_schedule",
        "learning_rate_args",
        "async_lagged_grad_discard_ratio",
    ] {
        if a.is_given(key) {
            set(st, key, setting_of(a.arg(key)?))?;
        }
    }
    let s = |x: &str| Some(Setting::Str(x.into()));
    let r = |x: Real| Some(Setting::Num(x));
    match &method {
        OptimizerKind::Momentum { momentum, sparse } => {
            set(
                st,
                "learning_method",
                s(if *sparse {
                    "sparse_momentum"
                } else {
                    "momentum"
                }),
            )?;
            let v = *momentum;
            st.with_builder(|b| b.defaults.momentum = v);
        }
        OptimizerKind::Adam {
            beta1,
            beta2,
            epsilon,
        } => {
            set(st, "learning_method", s("adam"))?;
            set(st, "adam_beta1", r(*beta1))?;
            set(st, "adam_beta2", r(*beta2))?;
            set(st, "adam_epsilon", r(*epsilon))?;
        }
        OptimizerKind::Adamax { beta1, beta2 } => {
            set(st, "learning_method", s("adamax"))?;
            set(st, "adam_beta1", r(*beta1))?;
            set(st, "adam_beta2", r(*beta2))?;
        }
        OptimizerKind::AdaGrad => set(st, "learning_method", s("adagrad"))?,
        OptimizerKind::RMSProp { rho, epsilon }
        | OptimizerKind::DecayedAdaGrad { rho, epsilon }
        | OptimizerKind::AdaDelta { rho, epsilon } => {
            let name = match method {
                OptimizerKind::RMSProp { .. } => "rmsprop",
                OptimizerKind::DecayedAdaGrad { .. } => "decayed_adagrad",
                _ => "adadelta",
            };
            set(st, "learning_method", s(name))?;
            set(st, "ada_rou", r(*rho))?;
            set(st, "ada_epsilon", r(*epsilon))?;
        }
        _ => {}
    }
    for reg in a.arg_items("regularization")? {
        match &optimizer(&reg, f, "regularization")?.kind {
            OptimizerKind::L2Regularization { rate } => {
                st.with_builder(|b| b.defaults.decay_rate = Some(*rate))
            }
            _ => {
                return Err(EvalError::type_error(
                    "settings() argument 'regularization' must be L2Regularization(...)",
                ))
            }
        }
    }
    if let Some(v) = a.opt("model_average") {
        match &optimizer(v, f, "model_average")?.kind {
            OptimizerKind::ModelAverage {
                average_window,
                max_average_window,
                do_average_in_cpu,
            } => {
                set(st, "average_window", r(*average_window))?;
                set(
                    st,
                    "max_average_window",
                    max_average_window.map(|m| Setting::Num(Real::Int(m))),
                )?;
                set(
                    st,
                    "do_average_in_cpu",
                    Some(Setting::Bool(*do_average_in_cpu)),
                )?;
            }
            _ => {
                return Err(EvalError::type_error(
                    "settings() argument 'model_average' must be ModelAverage(...)",
                ))
            }
        }
    }
    if let Some(v) = a.opt("gradient_clipping_threshold") {
        let v = Some(real_arg(v, f, "gradient_clipping_threshold")?);
        st.with_builder(|b| b.defaults.gradient_clipping_threshold = v);
    }
    Ok(Value::None)
}

fn opt_ctor(
    m: &Module,
    name: &str,
    spec: &str,
    f: impl Fn(&Bound) -> Result<OptimizerKind, EvalError> + 'static,
) {
    let ctor = Value::native(name, spec, move |_, a| {
        Ok(Value::host(OptimizerObj { kind: f(&a)? }))
    });
    m.set(
        name,
        HostType::new(name).with_constructor(ctor).into_value(),
    );
}

fn register_optimizers(m: &Module) {
    let r = |a: &Bound, k: &str, f: &str| real_arg(a.arg(k)?, f, k);
    opt_ctor(
        m,
        "MomentumOptimizer",
        "momentum=None, sparse=False",
        move |a| {
            Ok(OptimizerKind::Momentum {
                momentum: opt_real(a.arg("momentum")?, "MomentumOptimizer", "momentum")?,
                sparse: a.bool("sparse"),
            })
        },
    );
    opt_ctor(
        m,
        "AdamOptimizer",
        "beta1=0.9, beta2=0.999, epsilon=1e-8",
        move |a| {
            let f = "AdamOptimizer";
            Ok(OptimizerKind::Adam {
                beta1: r(a, "beta1", f)?,
                beta2: r(a, "beta2", f)?,
                epsilon: r(a, "epsilon", f)?,
            })
        },
    );
    opt_ctor(m, "AdamaxOptimizer", "beta1, beta2", move |a| {
        let f = "AdamaxOptimizer";
        Ok(OptimizerKind::Adamax {
            beta1: r(a, "beta1", f)?,
            beta2: r(a, "beta2", f)?,
        })
    });
    opt_ctor(m, "AdaGradOptimizer", "", |_| Ok(OptimizerKind::AdaGrad));
    opt_ctor(m, "RMSPropOptimizer", "rho=0.95, epsilon=1e-6", move |a| {
        let f = "RMSPropOptimizer";
        Ok(OptimizerKind::RMSProp {
            rho: r(a, "rho", f)?,
            epsilon: r(a, "epsilon", f)?,
        })
    });
    opt_ctor(
        m,
        "DecayedAdaGradOptimizer",
        "rho=0.95, epsilon=1e-6",
        move |a| {
            let f = "DecayedAdaGradOptimizer";
            Ok(OptimizerKind::DecayedAdaGrad {
                rho: r(a, "rho", f)?,
                epsilon: r(a, "epsilon", f)?,
            })
        },
    );
    opt_ctor(m, "AdaDeltaOptimizer", "rho=0.95, epsilon=1e-6", move |a| {
        let f = "AdaDeltaOptimizer";
        Ok(OptimizerKind::AdaDelta {
            rho: r(a, "rho", f)?,
            epsilon: r(a, "epsilon", f)?,
        })
    });
    opt_ctor(m, "L2Regularization", "rate", move |a| {
        Ok(OptimizerKind::L2Regularization {
            rate: r(a, "rate", "L2Regularization")?,
        })
    });
    opt_ctor(
        m,
        "ModelAverage",
        "average_window, max_average_window=None, do_average_in_cpu=False",
        move |a| {
            let f = "ModelAverage";
            Ok(OptimizerKind::ModelAverage {
                average_window: r(a, "average_window", f)?,
                max_average_window: a
                    .opt("max_average_window")
                    .map(|v| int_arg(v, f, "max_average_window"))
                    .transpose()?,
                do_average_in_cpu: a.bool("do_average_in_cpu"),
            })
        },
    );
    for base in ["Optimizer", "BaseSGDOptimizer", "BaseRegularization"] {
        m.set(base, HostType::new(base).into_value());
    }
}

/// networks.py's `outputs`: the data layers feeding `layers`, in depth-first order, become
/// the inputs (unless they were set explicitly), and `layers` the outputs.
fn outputs(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "outputs";
    let mut layers = a.arg_items("layers")?;
    layers.extend(a.varargs.iter().cloned());
    if layers.is_empty() {
        return Err(EvalError::value_error("outputs(): give at least one layer"));
    }
    let list = layers_arg(&Value::list(layers.clone()), f, "layers")?;
    let names: Vec<String> = list.iter().map(|l| lo(l).name.clone()).collect();
    let has_inputs = !st.with_builder(|b| b.current_submodel().input_layer_names.is_empty());
    if has_inputs {
        return with_builder(st, |b| b.add_outputs(&names)).map(|_| Value::None);
    }
    // Depth-first, parents before the layer, as networks.py's `__dfs_travel__`. A layer seen
    // once adds nothing the second time, so each traversal visits it once.
    fn dfs(
        v: &Value,
        pick: &dyn Fn(&LayerOutput) -> bool,
        seen: &mut HashSet<usize>,
        out: &mut Vec<String>,
    ) {
        let Some(l) = v.downcast_host::<LayerOutput>() else {
            return;
        };
        if !seen.insert(l as *const LayerOutput as usize) {
            return;
        }
        for p in l.parents.borrow().iter() {
            dfs(p, pick, seen, out);
        }
        if pick(l) && !out.contains(&l.name) {
            out.push(l.name.clone());
        }
    }
    let mut inputs = Vec::new();
    let mut costs = Vec::new();
    let (mut seen_inputs, mut seen_costs) = (HashSet::new(), HashSet::new());
    for l in &list {
        dfs(
            l,
            &|x| x.layer_type == "data",
            &mut seen_inputs,
            &mut inputs,
        );
        dfs(l, &|x| x.layer_type == "cost", &mut seen_costs, &mut costs);
    }
    with_builder(st, |b| {
        b.add_inputs(&inputs)?;
        b.add_outputs(&names)
    })?;
    Ok(Value::None)
}

fn inputs(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let mut all = a.arg_items("layers")?;
    all.extend(a.varargs.iter().cloned());
    let mut names = Vec::new();
    for v in &all {
        match v {
            Value::Str(s) => names.push(s.to_string()),
            v => names.push(layer_arg(v, "inputs", "layers")?.name.clone()),
        }
    }
    with_builder(st, |b| b.add_inputs(&names))?;
    Ok(Value::None)
}

/// Where a data source was declared, for its record: providers name this line in errors.
pub(super) fn declaration(st: &State, interp: &Interp) -> SourceLocation {
    user_call_site(st, interp)
}

/// The user's line behind the current native call.
pub(super) fn user_call_site(st: &State, interp: &Interp) -> SourceLocation {
    // The innermost call made from a file on disk: the user's config or a sibling module it
    // imported, never an embedded prelude (whose labels name no file).
    interp
        .call_sites()
        .find(|(path, _, _)| std::path::Path::new(path).is_file())
        .map(|(path, line, _)| SourceLocation {
            file: path.into(),
            line: line as u32,
        })
        .unwrap_or_else(|| SourceLocation {
            file: st.config_path.clone(),
            line: 0,
        })
}

/// `(train, test)` from a value that may be a 2-item list/tuple or one shared value.
fn split2(v: &Value) -> (Value, Value) {
    if is_sequence(v) {
        let l = items(v);
        if l.len() == 2 {
            return (l[0].clone(), l[1].clone());
        }
    }
    (v.clone(), v.clone())
}

fn data_args(interp: &mut Interp, v: &Value) -> Result<String, EvalError> {
    match v {
        Value::None => Ok(String::new()),
        Value::Str(s) => Ok(s.to_string()),
        v => pickle::dumps(interp, v),
    }
}

fn py_data(
    kind: &str,
    files: &Value,
    module: &Value,
    obj: &Value,
    args: String,
    for_test: bool,
    at: &SourceLocation,
) -> Result<DataConfig, EvalError> {
    let mut d = py2_data(files, module, obj, args, for_test, at)?;
    d.r#type = kind.to_string();
    Ok(d)
}

fn py2_data(
    files: &Value,
    module: &Value,
    obj: &Value,
    args: String,
    for_test: bool,
    at: &SourceLocation,
) -> Result<DataConfig, EvalError> {
    let f = "define_py_data_sources2";
    let files = match files {
        Value::List(_) | Value::Tuple(_) => {
            return Err(EvalError::value_error(
                "define_py_data_sources2(): give a file list's path; writing lists of files is not supported",
            ))
        }
        v => str_arg(v, f, "train_list")?,
    };
    Ok(DataConfig {
        r#type: "py2".into(),
        files: Some(files),
        async_load_data: Some(false),
        for_test: Some(for_test),
        load_data_module: Some(str_arg(module, f, "module")?),
        load_data_object: Some(str_arg(obj, f, "obj")?),
        load_data_args: Some(args),
        data_ratio: Some(1),
        is_main_data: Some(true),
        usage_ratio: Some(Real::Float(1.0)),
        declared_at: Some(at.clone()),
        ..Default::default()
    })
}

/// `define_py_data_sources2` declares PyDataProvider2 sources (`py2`), the older
/// `define_py_data_sources` PyDataProvider ones (`py`).
fn define_py_data_sources2(
    st: &Rc<State>,
    interp: &mut Interp,
    a: Bound,
) -> Result<Value, EvalError> {
    define_sources(st, interp, a, "py2", "define_py_data_sources2")
}

fn define_py_data_sources(
    st: &Rc<State>,
    interp: &mut Interp,
    a: Bound,
) -> Result<Value, EvalError> {
    define_sources(st, interp, a, "py", "define_py_data_sources")
}

fn define_sources(
    st: &Rc<State>,
    interp: &mut Interp,
    a: Bound,
    kind: &str,
    func: &str,
) -> Result<Value, EvalError> {
    let (train_list, test_list) = (a.arg("train_list")?, a.arg("test_list")?);
    if train_list.is_none() && test_list.is_none() {
        return Err(EvalError::value_error(format!(
            "{func}(): give train_list or test_list"
        )));
    }
    let (train_module, test_module) = split2(a.arg("module")?);
    let (train_obj, test_obj) = split2(a.arg("obj")?);
    let (train_args, test_args) = split2(a.arg("args")?);
    let at = declaration(st, interp);
    if !train_list.is_none() {
        let args = data_args(interp, &train_args)?;
        let mut d = py_data(
            kind,
            train_list,
            &train_module,
            &train_obj,
            args,
            false,
            &at,
        )?;
        if kind == "py" && a.bool("train_async") {
            d.async_load_data = Some(true);
        }
        set_data_config(st, d, false)?;
    }
    if !test_list.is_none() {
        let args = data_args(interp, &test_args)?;
        let d = py_data(kind, test_list, &test_module, &test_obj, args, true, &at)?;
        set_data_config(st, d, true)?;
    }
    Ok(Value::None)
}

/// Records the train (or test) data declaration; config_parser allows one of each.
pub(super) fn set_data_config(st: &State, d: DataConfig, for_test: bool) -> Result<(), EvalError> {
    let what = if for_test { "TestData" } else { "TrainData" };
    st.with_builder(|b| {
        let slot = if for_test {
            &mut b.trainer.test_data_config
        } else {
            &mut b.trainer.data_config
        };
        if slot.is_some() {
            return Err(EvalError::new(
                "ConfigError",
                format!("Only one {what} definition is allowed"),
            ));
        }
        *slot = Some(d);
        Ok(())
    })
}

/// This family's natives: the name and Paddle's signature of each, then its function.
#[rustfmt::skip]
const NATIVES: &[(&str, &str, Native)] = &[
    ("settings", "batch_size, learning_rate=1e-3, learning_rate_decay_a=0., learning_rate_decay_b=0., learning_rate_schedule='poly', learning_rate_args='', async_lagged_grad_discard_ratio=1.5, learning_method=None, regularization=None, is_async=False, model_average=None, gradient_clipping_threshold=None", settings),
    ("outputs", "layers, *args", outputs),
    ("inputs", "layers, *args", inputs),
    ("define_py_data_sources", "train_list, test_list, module, obj, args=None, train_async=False, data_cls=None", define_py_data_sources),
    ("define_py_data_sources2", "train_list, test_list, module, obj, args=None", define_py_data_sources2),
];

pub fn register(m: &Module, st: &Rc<State>) {
    for (name, spec, f) in NATIVES {
        def(m, st, name, spec, *f);
    }
    register_optimizers(m);
}
