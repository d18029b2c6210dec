//! Our helpers against Paddle's public surface of trainer_config_helpers (April 2018), both
//! ways: every name Paddle exports exists here and binds exactly Paddle's parameters with
//! Paddle's defaults, and every name we export is one of Paddle's (or listed below, with why).
//!
//! The reference is `tests/data/paddle_helpers_surface.tsv`, extracted from Paddle's sources by
//! `scripts/extract_helpers_surface.py`.

use paddlers::eval::Signature;
use paddlers::helpers::{surface, SurfaceEntry};
use std::collections::BTreeMap;

const TABLE: &str = include_str!("data/paddle_helpers_surface.tsv");

/// Names we export that Paddle's `__all__` lists nowhere, and why a config may use them.
const OUR_EXTRAS: &[(&str, &str)] = &[
    (
        "HookAttribute",
        "Paddle's attrs.py defines it (HookAttr is its alias); outside __all__",
    ),
    (
        "Projection",
        "config_parser's class, global in every Paddle config (isinstance checks)",
    ),
    (
        "Operator",
        "config_parser's class, global in every Paddle config (isinstance checks)",
    ),
    (
        "define_py_data_sources",
        "defined in Paddle's data_sources.py (outside __all__); old configs import it by module",
    ),
    (
        "SubsequenceInput",
        "Paddle's layers.py defines it (outside __all__); recurrent_group configs call it",
    ),
];

struct PaddleEntry {
    module: String,
    name: String,
    kind: String,
    params: Vec<String>,
    /// Required in the `def`, filled by Paddle's default decorators when left out.
    filled: Vec<String>,
}

fn paddle_table() -> Vec<PaddleEntry> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 5, "bad table line: {l}");
            PaddleEntry {
                module: cols[0].to_string(),
                name: cols[1].to_string(),
                kind: cols[2].to_string(),
                params: split_params(cols[3]),
                filled: split_params(cols[4]),
            }
        })
        .collect()
}

/// A parameter list split at its top-level commas (defaults may hold calls and tuples).
fn split_params(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut cur) = (0i32, None::<char>, String::new());
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// Our signature written back as Paddle's source text would read, for the messages.
fn render(sig: &Signature) -> String {
    let mut parts: Vec<String> = sig
        .params
        .iter()
        .map(|p| match &p.default {
            None => p.name.to_string(),
            Some(d) => format!("{}={}", p.name, d.repr()),
        })
        .collect();
    if let Some(v) = &sig.varargs {
        parts.push(format!("*{v}"));
    }
    if let Some(k) = &sig.kwargs {
        parts.push(format!("**{k}"));
    }
    parts.join(", ")
}

/// Why our signature differs from Paddle's parameter list, or None when they agree: the same
/// names in the same order (positional calls depend on it), the same `*args`/`**kwargs`, the
/// same required parameters, and equal defaults wherever Paddle's default is a literal.
fn mismatch(paddle: &[String], filled: &[String], ours: &Signature) -> Option<String> {
    let mut names = Vec::new();
    let (mut varargs, mut kwargs) = (None, None);
    for p in paddle {
        if let Some(k) = p.strip_prefix("**") {
            kwargs = Some(k.to_string());
        } else if let Some(v) = p.strip_prefix('*') {
            varargs = Some(v.to_string());
        } else {
            names.push(p.clone());
        }
    }
    let ours_names: Vec<&str> = ours.params.iter().map(|p| &*p.name).collect();
    let paddle_names: Vec<&str> = names
        .iter()
        .map(|p| p.split('=').next().unwrap_or(p).trim())
        .collect();
    if ours_names != paddle_names {
        return Some("parameter names or order differ".into());
    }
    if varargs.is_some() != ours.varargs.is_some() || kwargs.is_some() != ours.kwargs.is_some() {
        return Some("*args/**kwargs differ".into());
    }
    for (p, o) in names.iter().zip(&ours.params) {
        let default = p.split_once('=').map(|(_, d)| d.trim());
        match (default, &o.default) {
            (None, None) => {}
            (None, Some(_)) if filled.iter().any(|f| **f == *o.name) => {}
            (None, Some(_)) => return Some(format!("'{}' is required in Paddle", o.name)),
            (Some(_), None) => return Some(format!("'{}' has a default in Paddle", o.name)),
            (Some(d), Some(ov)) => {
                // A literal default must be the same value; a computed one (`MaxPooling()`,
                // `AggregateLevel.TO_NO_SEQUENCE`) is applied inside our native instead.
                if let Ok(lit) = Signature::try_parse(&format!("x={d}")) {
                    let pv = lit.params[0].default.as_ref().map(|v| v.repr());
                    if pv.as_deref() != Some(ov.repr().as_str()) {
                        return Some(format!(
                            "default of '{}': Paddle {d}, ours {}",
                            o.name,
                            ov.repr()
                        ));
                    }
                }
            }
        }
    }
    None
}

fn ours_by_name() -> BTreeMap<(String, String), SurfaceEntry> {
    surface()
        .expect("the helpers load")
        .into_iter()
        .map(|e| {
            let module = if e.module == "layer_math" {
                "layer_math"
            } else {
                "helpers"
            };
            ((module.to_string(), e.name.clone()), e)
        })
        .collect()
}

fn module_key(paddle_module: &str) -> String {
    if paddle_module == "layer_math" {
        "layer_math".into()
    } else {
        "helpers".into()
    }
}

#[test]
fn the_reference_table_covers_every_helper_module() {
    let table = paddle_table();
    for module in [
        "layers",
        "networks",
        "evaluators",
        "activations",
        "poolings",
        "attrs",
        "optimizers",
        "data_sources",
        "layer_math",
    ] {
        assert!(
            table.iter().any(|e| e.module == module),
            "no names of {module} in the table"
        );
    }
    assert!(
        table.len() > 200,
        "the table has only {} names",
        table.len()
    );
}

#[test]
fn every_paddle_name_exists_with_paddles_signature() {
    let ours = ours_by_name();
    let mut problems = Vec::new();
    for p in paddle_table() {
        let key = (module_key(&p.module), p.name.clone());
        let Some(o) = ours.get(&key) else {
            problems.push(format!("{}.{}: missing", p.module, p.name));
            continue;
        };
        if p.kind == "class" && p.params.is_empty() && !o.callable {
            // A namespace or base class configs only name (isinstance, LayerType.FC_LAYER).
            continue;
        }
        let Some(sig) = &o.signature else {
            problems.push(format!(
                "{}.{}: Paddle's takes ({}), ours cannot be called",
                p.module,
                p.name,
                p.params.join(", ")
            ));
            continue;
        };
        if let Some(why) = mismatch(&p.params, &p.filled, sig) {
            problems.push(format!(
                "{}.{}: {why}\n    Paddle: ({})\n    ours:   ({})",
                p.module,
                p.name,
                p.params.join(", "),
                render(sig)
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} names differ from Paddle's:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_name_we_export_is_paddles() {
    let table: Vec<(String, String)> = paddle_table()
        .into_iter()
        .map(|p| (module_key(&p.module), p.name))
        .collect();
    let extras: Vec<&str> = OUR_EXTRAS.iter().map(|(n, _)| *n).collect();
    let unknown: Vec<String> = ours_by_name()
        .into_iter()
        .filter(|(_, e)| !e.is_module)
        .map(|(k, _)| k)
        .filter(|k| !table.contains(k) && !extras.contains(&k.1.as_str()))
        .map(|(m, n)| format!("{m}.{n}"))
        .collect();
    assert!(
        unknown.is_empty(),
        "we export names Paddle's trainer_config_helpers does not: {unknown:?}"
    );
}

#[test]
fn the_comparison_catches_a_difference() {
    let sig = Signature::parse("input, size, act=None");
    let paddle = |s: &str| split_params(s);
    let none: &[String] = &[];
    assert!(mismatch(&paddle("input, size, act=None"), none, &sig).is_none());
    assert!(mismatch(&paddle("input, size=None, act=None"), none, &sig).is_some());
    assert!(mismatch(&paddle("input, act=None, size"), none, &sig).is_some());
    assert!(mismatch(&paddle("input, size, act=1"), none, &sig).is_some());
    assert!(mismatch(&paddle("input, size, act=TanhActivation()"), none, &sig).is_none());
    assert!(mismatch(&paddle("input, size, act=None, **kw"), none, &sig).is_some());
    assert!(mismatch(&paddle("input, size, act"), none, &sig).is_some());
    assert!(mismatch(&paddle("input, size, act"), &["act".to_string()], &sig).is_none());
    assert_eq!(
        split_params("a, b=(1, 2), c='x,y', *d"),
        vec!["a", "b=(1, 2)", "c='x,y'", "*d"]
    );
}

/// The names the table made us add, each run in a config.
mod added_names {
    use paddlers::graph::TrainerConfig;
    use paddlers::helpers::parse_config;

    fn run(body: &str) -> Result<TrainerConfig, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.py");
        let text = format!("from paddle.trainer_config_helpers import *\n{body}");
        std::fs::write(&path, text).unwrap();
        parse_config(&path, "").map_err(|e| e.to_string())
    }

    fn layer<'a>(t: &'a TrainerConfig, name: &str) -> &'a paddlers::graph::LayerConfig {
        let names: Vec<&str> = t.model_config.layers.iter().map(|l| &*l.name).collect();
        t.model_config
            .layers
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("no layer {name} in {names:?}"))
    }

    #[test]
    fn img_conv_group_passes_param_attr_to_its_convolutions() {
        let t = run(
            "img = data_layer(name='img', size=3 * 8 * 8, height=8, width=8)\n\
                     g = img_conv_group(input=img, num_channels=3, conv_num_filter=[4],\n\
                                        pool_size=2, param_attr=ParamAttr(name='group_w'))\n",
        )
        .unwrap();
        let conv = &t.model_config.layers[1];
        assert_eq!(
            conv.inputs[0].input_parameter_name.as_deref(),
            Some("group_w")
        );
        assert!(t
            .model_config
            .parameters
            .iter()
            .any(|p| p.name == "group_w"));
    }

    #[test]
    fn img_separable_conv_is_a_depthwise_then_a_pointwise_convolution() {
        let t = run(
            "img = data_layer(name='img', size=3 * 8 * 8, height=8, width=8)\n\
                     s = img_separable_conv(input=img, num_channels=3, num_out_channels=5,\n\
                                            filter_size=3, padding=1, depth_multiplier=2)\n",
        )
        .unwrap();
        let dw = layer(&t, "__separable_conv_0___depthwise_conv");
        let conv = dw.inputs[0].conv_conf.as_ref().unwrap();
        assert_eq!((conv.groups, dw.num_filters), (3, Some(6)));
        let pw = layer(&t, "__separable_conv_0___pointwise_conv");
        assert_eq!(pw.inputs[0].conv_conf.as_ref().unwrap().filter_size, 1);
        assert_eq!(pw.num_filters, Some(5));
    }

    #[test]
    fn attention_networks_build_their_heads() {
        let t = run("enc = data_layer(name='enc', size=8)\n\
                     state = data_layer(name='state', size=8)\n\
                     a = dot_product_attention(encoded_sequence=enc, attended_sequence=enc,\n\
                                               transformed_state=state)\n\
                     m = multi_head_attention(query=state, key=enc, value=enc, key_proj_size=4,\n\
                                              value_proj_size=3, head_num=2,\n\
                                              attention_type='dot-product attention')\n")
        .unwrap();
        assert_eq!(
            layer(&t, "__dot_product_attention_0___pooling").r#type,
            "average"
        );
        for i in 0..2 {
            let scale = layer(
                &t,
                &format!("__multi_head_attention_0___dot-product_scaling_{i}"),
            );
            assert_eq!(scale.r#type, "slope_intercept");
        }
        let last = t.model_config.layers.last().unwrap();
        assert_eq!((last.r#type.as_str(), last.size), ("concat", Some(6)));
        let err = run("enc = data_layer(name='enc', size=8)\n\
                       m = multi_head_attention(query=enc, key=enc, value=enc, key_proj_size=4,\n\
                                                value_proj_size=3, head_num=2,\n\
                                                attention_type='cosine')\n")
        .unwrap_err();
        assert!(err.contains("attention_type must be"), "{err}");
    }

    #[test]
    fn evaluator_base_adds_any_evaluator_and_wants_a_name() {
        let t = run("x = data_layer(name='x', size=2)\n\
                     y = data_layer(name='y', size=1)\n\
                     evaluator_base(input=x, label=y, type='chunk', name='e',\n\
                                    chunk_scheme='IOB', num_chunk_types=3)\n")
        .unwrap();
        let e = &t.model_config.evaluators[0];
        assert_eq!((e.name.as_str(), e.r#type.as_str()), ("e", "chunk"));
        assert_eq!(e.input_layers, vec!["x", "y"]);
        assert_eq!(
            (e.chunk_scheme.as_deref(), e.num_chunk_types),
            (Some("IOB"), Some(3))
        );
        let err = run("x = data_layer(name='x', size=2)\nevaluator_base(input=x, type='sum')\n")
            .unwrap_err();
        assert!(
            err.contains("evaluator_base(): give the evaluator a name"),
            "{err}"
        );
    }

    #[test]
    fn base_classes_and_layer_output_can_be_constructed() {
        let t = run("Layer(name='d', type='data', size=4)\n\
                     d = LayerOutput('d', LayerType.DATA, size=4)\n\
                     f = fc_layer(input=d, size=2, act=BaseActivation('relu', True))\n\
                     p = pooling_layer(input=f, pooling_type=BasePoolingType('max'))\n")
        .unwrap();
        let fc = &t.model_config.layers[1];
        assert_eq!(fc.active_type.as_deref(), Some("relu"));
        assert_eq!(fc.inputs[0].input_layer_name, "d");
        assert_eq!(t.model_config.layers[2].r#type, "max");
        let err = run("x = data_layer(name='x', size=2)\n\
                       f = fc_layer(input=x, size=2, act=BaseActivation('swish', True))\n")
        .unwrap_err();
        assert!(err.contains("unknown activation 'swish'"), "{err}");
    }

    #[test]
    fn upsample_layer_is_refused_by_name() {
        let err = run("x = data_layer(name='x', size=2)\nu = upsample_layer(input=x, scale=2)\n")
            .unwrap_err();
        assert!(
            err.contains("NotImplementedError: upsample_layer() is not supported"),
            "{err}"
        );
        assert!(err.contains("c.py:3:"), "{err}");
    }

    #[test]
    fn paddles_required_parameters_are_required() {
        let err = run(
            "x = data_layer(name='x', size=2)\ny = data_layer(name='y', size=1)\n\
                       pnpair_evaluator(input=x, label=y)\n",
        )
        .unwrap_err();
        assert!(err.contains("query_id"), "{err}");
    }
}
