//! trainer_config_helpers: the API Paddle v1 configs are written against.
//!
//! Layer helpers, attributes, costs, evaluators, settings and data sources are natives that
//! drive the [`crate::graph::Builder`]; networks.py's compositions and layer_math are
//! written in the config language itself, in `prelude/`.

mod args;
mod attrs;
mod build;
mod config;
mod costs;
mod detection;
mod image_layers;
mod layers;
mod mixed;
mod objects;
mod pickle;
mod raw;
mod recurrent;
mod sequence_layers;
mod state;
mod structured_costs;

use crate::eval::{Diagnostic, Interp, Value};
use crate::graph::{Builder, TrainerConfig};
use state::State;
use std::fmt;
use std::path::Path;
use std::rc::Rc;

/// Why a config could not be turned into a graph. Display renders the full diagnostic:
/// `file:line:col: Kind: message`, the source line with a caret, and the call stack.
#[derive(Debug, Clone)]
pub struct ConfigError(pub Box<Diagnostic>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for ConfigError {}

const PRELUDES: &[(&str, &str)] = &[
    (
        "<paddle/layer_math.py>",
        include_str!("prelude/layer_math.py"),
    ),
    ("<paddle/networks.py>", include_str!("prelude/networks.py")),
];

/// The module names a config may import the helpers from.
const HELPER_MODULES: &[&str] = &[
    "paddle.trainer_config_helpers",
    "paddle.trainer_config_helpers.layers",
    "paddle.trainer_config_helpers.networks",
    "paddle.trainer_config_helpers.activations",
    "paddle.trainer_config_helpers.poolings",
    "paddle.trainer_config_helpers.attrs",
    "paddle.trainer_config_helpers.optimizers",
    "paddle.trainer_config_helpers.evaluators",
    "paddle.trainer_config_helpers.data_sources",
];

fn install(interp: &mut Interp, st: &Rc<State>) {
    let m = interp.module("paddle.trainer_config_helpers");
    attrs::register(&m, st);
    layers::register(&m, st);
    mixed::register(&m, st);
    image_layers::register(&m, st);
    sequence_layers::register(&m, st);
    structured_costs::register(&m, st);
    detection::register(&m, st);
    costs::register(&m, st);
    recurrent::register(&m, st);
    config::register(&m, st);
    constants(&m);
    {
        let st2 = st.clone();
        m.add_native("__unique_name__", "prefix", move |_, a| {
            let p = a.str("prefix")?;
            Ok(Value::str(&st2.with_builder(|b| b.unique_name(&p))))
        });
    }
    for (label, src) in PRELUDES {
        m.add_prelude(label, *src);
    }
    *st.module.borrow_mut() = Some(m.clone());
    // `interp.module` links the child into the package, so `layer_math.exp(x)` works after
    // `from paddle.trainer_config_helpers import *`.
    // Paddle made config_parser's API global in every config; it is also importable.
    let raw = interp.module("paddle.trainer.config_parser");
    raw::register(&raw, st);
    let builtins = interp.builtins().clone();
    raw::register(&builtins, st);
    let layer_math = interp.module("paddle.trainer_config_helpers.layer_math");
    mixed::register_layer_math(&layer_math, st);
    for name in &HELPER_MODULES[1..] {
        interp.add_module(name, m.clone());
    }
}

/// LayerType, AggregateLevel and ExpandLevel: class-like namespaces of constants.
fn constants(m: &crate::eval::Module) {
    use crate::eval::HostType;
    let agg = HostType::new("AggregateLevel")
        .with_attr("TO_NO_SEQUENCE", Value::str("non-seq"))
        .with_attr("TO_SEQUENCE", Value::str("seq"))
        .with_attr("EACH_TIMESTEP", Value::str("non-seq"))
        .with_attr("EACH_SEQUENCE", Value::str("seq"));
    m.set("AggregateLevel", agg.into_value());
    let exp = HostType::new("ExpandLevel")
        .with_attr("FROM_NO_SEQUENCE", Value::str("non-seq"))
        .with_attr("FROM_SEQUENCE", Value::str("seq"))
        .with_attr("FROM_TIMESTEP", Value::str("non-seq"));
    m.set("ExpandLevel", exp.into_value());
    let mut lt = HostType::new("LayerType");
    for (k, v) in [
        ("DATA", "data"),
        ("MIXED_LAYER", "mixed"),
        ("LSTMEMORY", "lstmemory"),
        ("GRUMEMORY", "gated_recurrent"),
        ("SEQUENCE_LAST_INSTANCE", "seqlastins"),
        ("SEQUENCE_FIRST_INSTANCE", "seqfirstins"),
        ("POOLING_MAX", "max"),
        ("POOLING_AVG", "average"),
        ("FC_LAYER", "fc"),
        ("COST", "cost"),
        ("CONV_LAYER", "conv"),
        ("POOL_LAYER", "pool"),
        ("BATCH_NORM_LAYER", "batch_norm"),
        ("NORM_LAYER", "norm"),
        ("ADDTO_LAYER", "addto"),
        ("CONCAT_LAYER", "concat"),
        ("MEMORY", "memory"),
    ] {
        lt = lt.with_attr(k, Value::str(v));
    }
    m.set("LayerType", lt.into_value());
}

/// An error raised inside the helpers' own DSL code (networks.py, layer_math) is shown at the
/// user's call into it, with the helper's line kept as a note: the user's line is the one to fix.
fn at_users_line(mut d: Diagnostic) -> Diagnostic {
    if !d.path.starts_with("<paddle/") {
        return d;
    }
    let Some(pos) = d.trace.iter().position(|t| !t.path.starts_with("<paddle/")) else {
        return d;
    };
    let user = d.trace[pos].clone();
    let Some(line_text) = std::fs::read_to_string(&user.path).ok().and_then(|text| {
        text.lines()
            .nth(user.line.saturating_sub(1))
            .map(str::to_string)
    }) else {
        return d;
    };
    let inner = format!(
        "raised inside the helper called here, at {}:{}:{}",
        d.path, d.line, d.col
    );
    let width = line_text.trim_end().chars().count();
    d.path = user.path;
    d.line = user.line;
    d.col = user.col;
    d.caret_col = user.col;
    d.caret_len = width.saturating_sub(user.col.saturating_sub(1)).max(1);
    d.source_line = line_text;
    d.notes.push(inner);
    d.trace.drain(..=pos);
    d
}

/// An interpreter with the helpers installed as `parse_config` installs them, for tests that
/// call the registry directly (the no-panic property test in tests/lang_fuzz.rs).
#[doc(hidden)]
pub fn interp_with_helpers(config_path: &Path) -> Interp {
    let mut interp = Interp::new();
    let st = Rc::new(State::new(
        Builder::new(Vec::new()),
        config_path.to_path_buf(),
    ));
    install(&mut interp, &st);
    interp
}

/// Runs a config and returns the TrainerConfig Paddle's config parser would have built.
/// Config args that Paddle's trainer passes to every config itself, and that the parser reads.
const TRAINER_CONFIG_ARGS: &[&str] = &[
    "trainer_id",
    "local",
    "with_cost",
    "use_gpu",
    "parallel_nn",
    "cudnn_version",
    "use_mkldnn",
    "use_mkl_packed",
];

/// A config arg that nothing read is usually a typo (`batchsize=8` for `batch_size`): say so,
/// with the closest name the config did ask for.
fn warn_unread_config_args(interp: &Interp, path: &Path) {
    let (unread, asked) = interp.unread_config_args();
    for name in unread
        .iter()
        .filter(|n| !TRAINER_CONFIG_ARGS.contains(&n.as_str()))
    {
        let hint = crate::eval::closest(name, asked.iter().map(String::as_str))
            .map(|s| format!("; did you mean '{s}'?"))
            .unwrap_or_default();
        let asked_list = if asked.is_empty() {
            "it reads none".to_string()
        } else {
            format!("it reads {}", asked.join(", "))
        };
        tracing::warn!(
            "--config_args: '{name}' is not read by any get_config_arg in {} ({asked_list}){hint}",
            path.display()
        );
    }
}

/// The end-of-parse check's error, at the `Inputs(...)`/`Outputs(...)` call that named an
/// unknown layer when the message is about one (Paddle's wording: `input name "x" does not
/// correspond to a layer name`).
fn finish_error(path: &Path, message: String) -> Diagnostic {
    let plain = || Diagnostic::plain(&path.display().to_string(), "ConfigError", message.clone());
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once('"'))
            .map(|(name, _)| name.to_string())
    };
    let site = match (named("input name \""), named("output name \"")) {
        (Some(n), _) => raw::io_site("Inputs", &n),
        (_, Some(n)) => raw::io_site("Outputs", &n),
        _ => None,
    };
    let Some((file, line, col)) = site else {
        return plain();
    };
    let source_line = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| t.lines().nth(line.saturating_sub(1)).map(str::to_string))
        .unwrap_or_default();
    let width = source_line.trim_end().chars().count();
    let mut d = plain();
    d.path = file;
    d.line = line;
    d.col = col;
    d.caret_col = col;
    d.caret_len = width.saturating_sub(col.saturating_sub(1)).max(1);
    d.source_line = source_line;
    d.notes.push(
        "Paddle checks the names of Inputs() and Outputs() after the whole config has run".into(),
    );
    d
}

/// `config_args` is Paddle's `name1=value1,name2=value2`, read by `get_config_arg`. The
/// config's `random` starts from Paddle's default `--seed` (1); see [`parse_config_seeded`].
pub fn parse_config(path: &Path, config_args: &str) -> Result<TrainerConfig, ConfigError> {
    parse_config_seeded(path, config_args, crate::eval::DEFAULT_SEED)
}

/// [`parse_config`] with the trainer's `--seed`, which a config's `import random` starts from
/// (docs/language.md): the same seed gives the same graph.
pub fn parse_config_seeded(
    path: &Path,
    config_args: &str,
    seed: u64,
) -> Result<TrainerConfig, ConfigError> {
    let mut interp = Interp::new();
    interp.set_seed(seed);
    interp.set_config_args(config_args).map_err(ConfigError)?;
    let args: Vec<(String, String)> = interp
        .config_args()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let st = Rc::new(State::new(Builder::new(args), path.to_path_buf()));
    install(&mut interp, &st);
    raw::clear_io_sites();
    interp
        .run_file(path)
        .map_err(|d| ConfigError(Box::new(at_users_line(*d))))?;
    warn_unread_config_args(&interp, path);
    let builder = st.take_builder();
    let mut trainer = builder
        .finish()
        .map_err(|e| ConfigError(Box::new(finish_error(path, e.0))))?;
    trainer.config_file = None;
    Ok(trainer)
}

/// What a config can call by one public name of the helpers, for comparing our surface with
/// Paddle's (tests/helpers_surface.rs).
pub struct SurfaceEntry {
    /// `layer_math` for its unary functions, else `trainer_config_helpers` (our submodules are
    /// one namespace, so names are not told apart by Paddle's file).
    pub module: &'static str,
    pub name: String,
    /// The parameters a call binds: a function's, or a class's constructor's. `None` for a
    /// namespace that cannot be called (`LayerType`) or a value that is not callable.
    pub signature: Option<Rc<crate::eval::Signature>>,
    pub callable: bool,
    /// A submodule (`layers`, `activations`, ...), as `import paddle.trainer_config_helpers`
    /// exposes them.
    pub is_module: bool,
}

/// Every public name of `paddle.trainer_config_helpers` and of its `layer_math`, with the
/// preludes run, as a config importing them sees it.
pub fn surface() -> Result<Vec<SurfaceEntry>, ConfigError> {
    let mut interp = Interp::new();
    let st = Rc::new(State::new(Builder::new(Vec::new()), "<surface>".into()));
    install(&mut interp, &st);
    // The preludes' functions are registered as lazy stand-ins taking `*args, **kwargs`; their
    // real signatures come from running each prelude on its own.
    let mut dsl_sigs = std::collections::HashMap::new();
    for (label, src) in PRELUDES {
        let scratch = interp.run_source(label, src).map_err(ConfigError)?;
        for (name, v) in scratch.vars.borrow().iter() {
            if let Value::Function(f) = v {
                dsl_sigs.insert(name.to_string(), f.sig.clone());
            }
        }
    }
    let mut out = Vec::new();
    for (module, dotted) in [
        ("trainer_config_helpers", "paddle.trainer_config_helpers"),
        ("layer_math", "paddle.trainer_config_helpers.layer_math"),
    ] {
        let m = interp.import(dotted).map_err(|e| {
            ConfigError(Box::new(Diagnostic::plain(
                "<surface>",
                "ImportError",
                e.to_string(),
            )))
        })?;
        for name in m.public_names() {
            let v = m.get(&name).unwrap_or(Value::None);
            let (signature, callable) = match &v {
                Value::Native(_) if dsl_sigs.contains_key(&*name) => {
                    (dsl_sigs.get(&*name).cloned(), true)
                }
                Value::Native(n) => (Some(n.sig.clone()), true),
                Value::Function(f) => (Some(f.sig.clone()), true),
                Value::HostType(t) => match &t.constructor {
                    Some(Value::Native(n)) => (Some(n.sig.clone()), true),
                    Some(Value::Function(f)) => (Some(f.sig.clone()), true),
                    _ => (None, false),
                },
                _ => (None, false),
            };
            out.push(SurfaceEntry {
                module,
                name: name.to_string(),
                signature,
                callable,
                is_module: matches!(v, Value::Module(_)),
            });
        }
    }
    Ok(out)
}
