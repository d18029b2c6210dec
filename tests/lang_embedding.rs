//! How to embed the interpreter: a native module with a host type, natives with keyword
//! arguments, a DSL prelude, callbacks into DSL code, and the diagnostics users see.
//! This is the reference for `src/helpers/`.

use paddlers::eval::{BinOp, EvalError, HostObject, HostType, Interp, OpSide, Value};
use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

/// Host state the natives share, like the helpers' graph builder.
#[derive(Default)]
struct Graph {
    layers: Vec<(String, i64)>,
}

struct LayerOutput {
    name: String,
    size: i64,
}

impl HostObject for LayerOutput {
    fn type_name(&self) -> &str {
        "LayerOutput"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> Result<Option<Value>, EvalError> {
        Ok(match name {
            "name" => Some(Value::str(&self.name)),
            "size" => Some(Value::Int(self.size)),
            _ => None,
        })
    }
    fn attr_names(&self) -> Vec<String> {
        vec!["name".into(), "size".into()]
    }
    // layer_math: `layer + 1`, `1 + layer`, `layer * layer`.
    fn binary_op(
        &self,
        _: &mut Interp,
        _: &Value,
        op: BinOp,
        other: &Value,
        side: OpSide,
    ) -> Result<Option<Value>, EvalError> {
        let other_desc = match other.downcast_host::<LayerOutput>() {
            Some(l) => l.name.clone(),
            None => other.repr(),
        };
        let name = match side {
            OpSide::Right => format!("({other_desc}{}{})", op.symbol(), self.name),
            _ => format!("({}{}{other_desc})", self.name, op.symbol()),
        };
        Ok(Some(Value::host(LayerOutput {
            name,
            size: self.size,
        })))
    }
    fn repr(&self) -> String {
        format!("<LayerOutput {}>", self.name)
    }
}

fn make_interp(graph: Rc<RefCell<Graph>>) -> Interp {
    let mut interp = Interp::new();
    let m = interp.module("paddle.trainer_config_helpers");
    let g = graph.clone();
    m.add_native(
        "fc_layer",
        "input, size, act=None, name=None, bias_attr=None, **kwargs",
        move |_interp, args| {
            let size = args.int("size")?;
            if size <= 0 {
                return Err(EvalError::value_error(format!(
                    "fc_layer size must be positive, got {size}"
                )));
            }
            let mut g = g.borrow_mut();
            let name = match args.opt_str("name")? {
                Some(n) => n.to_string(),
                None => format!("__fc_layer_{}__", g.layers.len()),
            };
            g.layers.push((name.clone(), size));
            Ok(Value::host(LayerOutput { name, size }))
        },
    );
    // A strict native without **kwargs, for the misspelled-keyword diagnostic.
    m.add_native(
        "data_layer",
        "name, size, height=None, width=None",
        |_, args| {
            Ok(Value::host(LayerOutput {
                name: args.str("name")?.to_string(),
                size: args.int("size")?,
            }))
        },
    );
    // A native that calls back into DSL code, as recurrent_group calls its step function.
    m.add_native("recurrent_group", "step, input", |interp, mut args| {
        let step = args.take("step");
        let input = args.take("input");
        interp.call(&step, vec![input], Vec::new())
    });
    m.set("LayerOutput", HostType::new("LayerOutput").into_value());
    m.add_prelude(
        "<paddle.trainer_config_helpers.networks>",
        "def simple_mlp(input, sizes):\n    for s in sizes:\n        input = fc_layer(input=input, size=s)\n    return input\n",
    );
    interp
}

#[test]
fn natives_host_types_preludes_and_callbacks() {
    let graph = Rc::new(RefCell::new(Graph::default()));
    let mut interp = make_interp(graph.clone());
    interp.set_config_args("hidden=64,use_dropout=0").unwrap();
    let src = r#"
from paddle.trainer_config_helpers import *

hidden = get_config_arg('hidden', int, 32)
dropout = get_config_arg('use_dropout', bool, True)
x = data_layer(name='pixel', size=784)
h = simple_mlp(x, [hidden, hidden // 2])
y = fc_layer(input=h, size=10, name='out')
z = 1 + y * 2
ok = isinstance(y, LayerOutput) and not isinstance(3, LayerOutput)

def step(inp):
    return fc_layer(input=inp, size=7, name='step_out')
r = recurrent_group(step=step, input=x)
"#;
    let main = interp.run_source("cfg.py", src).unwrap();
    assert_eq!(main.get("hidden").unwrap().as_int(), Some(64));
    assert!(!main.get("dropout").unwrap().truthy());
    assert!(main.get("ok").unwrap().truthy());
    let z = main.get("z").unwrap();
    assert_eq!(
        z.downcast_host::<LayerOutput>().unwrap().name,
        "(1+(out*2))"
    );
    let r = main.get("r").unwrap();
    assert_eq!(r.downcast_host::<LayerOutput>().unwrap().name, "step_out");
    let layers = graph.borrow().layers.clone();
    assert_eq!(
        layers,
        vec![
            ("__fc_layer_0__".to_string(), 64),
            ("__fc_layer_1__".to_string(), 32),
            ("out".to_string(), 10),
            ("step_out".to_string(), 7)
        ]
    );
}

#[test]
fn misspelled_keyword_is_a_diagnostic_with_suggestion_and_caret() {
    let mut interp = make_interp(Rc::new(RefCell::new(Graph::default())));
    let src = "from paddle.trainer_config_helpers import *\nx = data_layer(name='a', sise=10)\n";
    let d = interp.run_source("bad.cfg", src).unwrap_err();
    assert_eq!(d.kind, "TypeError");
    assert_eq!(
        d.message,
        "data_layer() got an unexpected keyword argument 'sise'"
    );
    assert_eq!((d.line, d.col), (2, 26));
    assert_eq!(d.caret_len, "sise=10".len());
    assert_eq!(d.notes, vec!["did you mean 'size'?".to_string()]);
    let text = d.to_string();
    assert!(
        text.starts_with(
            "bad.cfg:2:26: TypeError: data_layer() got an unexpected keyword argument 'sise'\n"
        ),
        "{text}"
    );
    assert!(text.contains("x = data_layer(name='a', sise=10)"), "{text}");
    assert!(text.contains("did you mean 'size'?"), "{text}");
}

#[test]
fn native_errors_inside_dsl_calls_show_the_call_stack() {
    let mut interp = make_interp(Rc::new(RefCell::new(Graph::default())));
    let src = "\
from paddle.trainer_config_helpers import *

def block(x, n):
    return fc_layer(input=x, size=n)

def net(x):
    return block(x, 0)

y = net(data_layer(name='a', size=3))
";
    let d = interp.run_source("net.cfg", src).unwrap_err();
    assert_eq!(d.kind, "ValueError");
    assert_eq!(d.message, "fc_layer size must be positive, got 0");
    assert_eq!((d.line, d.col), (4, 12));
    let frames: Vec<(usize, usize)> = d.trace.iter().map(|t| (t.line, t.col)).collect();
    assert_eq!(frames, vec![(7, 12), (9, 5)]);
    let text = d.to_string();
    assert!(
        text.contains("called from net.cfg:7:12: return block(x, 0)"),
        "{text}"
    );
    assert!(
        text.contains("called from net.cfg:9:5: y = net(data_layer(name='a', size=3))"),
        "{text}"
    );
}

#[test]
fn dsl_classes_and_unknown_attributes() {
    let mut interp = make_interp(Rc::new(RefCell::new(Graph::default())));
    let src = "\
class ParamAttr(object):
    def __init__(self, name=None, initial_std=0.01):
        self.name = name
        self.initial_std = initial_std

a = ParamAttr(name='w', initial_std=0.5)
n = a.name
s = a.initial_std * 2
";
    let main = interp.run_source("cls.cfg", src).unwrap();
    assert_eq!(main.get("n").unwrap().as_str(), Some("w"));
    assert_eq!(main.get("s").unwrap().as_float(), Some(1.0));

    let mut interp = make_interp(Rc::new(RefCell::new(Graph::default())));
    let d = interp
        .run_source("attr.cfg", "from paddle.trainer_config_helpers import *\nx = data_layer(name='a', size=3)\nprint x.sise\n")
        .unwrap_err();
    assert_eq!(
        d.headline(),
        "attr.cfg:3:7: AttributeError: 'LayerOutput' object has no attribute 'sise'"
    );
    assert_eq!(d.notes, vec!["did you mean 'size'?".to_string()]);
}

#[test]
fn signature_specs_parse_with_literal_defaults() {
    use paddlers::eval::Signature;
    let s = Signature::parse("input, size=10, act=None, name='fc', shape=(1, 2), sizes=[3, 4.5], flag=True, *args, **kwargs");
    let names: Vec<&str> = s.params.iter().map(|p| &*p.name).collect();
    assert_eq!(
        names,
        ["input", "size", "act", "name", "shape", "sizes", "flag"]
    );
    let defaults: Vec<String> = s
        .params
        .iter()
        .map(|p| p.default.as_ref().map(|v| v.repr()).unwrap_or("-".into()))
        .collect();
    assert_eq!(
        defaults,
        ["-", "10", "None", "'fc'", "(1, 2)", "[3, 4.5]", "True"]
    );
    assert_eq!(s.varargs.as_deref(), Some("args"));
    assert_eq!(s.kwargs.as_deref(), Some("kwargs"));
    // Unusual defaults go through the full grammar and agree with it.
    let s = Signature::parse("a=-1, b='x\\ty', c=1e-3, d=()");
    let defaults: Vec<String> = s
        .params
        .iter()
        .map(|p| p.default.as_ref().unwrap().repr())
        .collect();
    assert_eq!(defaults, ["-1", "'x\\ty'", "0.001", "()"]);
    assert!(Signature::try_parse("a=1, b").is_err());
    assert!(Signature::try_parse("a, a").is_err());
    assert!(Signature::try_parse("a=f(1)").is_err());
}

#[test]
fn prelude_functions_are_defined_on_first_call_with_their_own_positions() {
    let mut interp = Interp::new();
    let m = interp.module("nets");
    m.add_prelude(
        "<nets.py>",
        "# helpers written in the DSL\n\nSCALE = 3\n\ndef scaled(x, k=SCALE):\n    return x * k\n\nalias = scaled\n\ndef broken(x):\n    return x / 0\n\n@staticmethod_like\ndef decorated():\n    pass\n",
    );
    m.set(
        "staticmethod_like",
        Value::native("staticmethod_like", "f", |_, mut a| Ok(a.take("f"))),
    );
    let main = interp
        .run_source(
            "use.cfg",
            "from nets import *\na = scaled(2)\nb = alias(2, k=10)\nc = SCALE\n",
        )
        .unwrap();
    assert_eq!(main.get("a").unwrap().repr(), "6");
    assert_eq!(main.get("b").unwrap().repr(), "20");
    assert_eq!(main.get("c").unwrap().repr(), "3");

    let d = interp
        .run_source("use2.cfg", "from nets import *\nbroken(1)\n")
        .unwrap_err();
    assert_eq!(
        d.headline(),
        "<nets.py>:11:12: ZeroDivisionError: integer division or modulo by zero"
    );
    assert_eq!(d.trace.len(), 1);
    assert_eq!((d.trace[0].path.as_str(), d.trace[0].line), ("use2.cfg", 2));

    let d = interp
        .run_source("use3.cfg", "from nets import *\nscaled(1, kk=2)\n")
        .unwrap_err();
    assert_eq!(
        d.headline(),
        "use3.cfg:2:11: TypeError: scaled() got an unexpected keyword argument 'kk'"
    );
    assert_eq!(d.notes, vec!["did you mean 'k'?".to_string()]);
}

#[test]
fn submodules_reached_by_attribute_or_from_import_run_their_preludes() {
    let mut interp = Interp::new();
    interp
        .module("pkg.sub")
        .add_prelude("<pkg/sub.py>", "X = 41 + 1\n");
    let main = interp
        .run_source(
            "p.cfg",
            "import pkg\na = pkg.sub.X\nfrom pkg import sub\nb = sub.X\n",
        )
        .unwrap();
    assert_eq!(main.get("a").unwrap().repr(), "42");
    assert_eq!(main.get("b").unwrap().repr(), "42");
}

/// Issue 16 item 4: a native that reads a parameter its signature lacks (the shape of
/// "sum_evaluator() has no parameter named 'label'") ends the call with a TypeError at the
/// user's call site, with the DSL call stack, instead of a panic; one reading an optional
/// input it does not declare (`opt`) sees it as absent.
#[test]
fn a_native_reading_an_undeclared_parameter_is_a_located_type_error() {
    let mut interp = Interp::new();
    let m = interp.module("helpers");
    m.add_native("sum_evaluator", "input, name=None, weight=None", |_, a| {
        assert!(a.opt("label").is_none() && !a.is_given("label"));
        let _ = a.get("label");
        Ok(Value::None)
    });
    m.add_native("lenient", "input", |_, a| {
        Ok(Value::Bool(a.opt("weight").is_none()))
    });
    let src = "from helpers import *\nok = lenient(1)\ndef wrap(x):\n    return sum_evaluator(input=x)\nwrap(1)\n";
    let d = interp.run_source("cfg.py", src).expect_err("a TypeError");
    let text = d.to_string();
    assert!(
        text.starts_with("cfg.py:4:12: TypeError: sum_evaluator() has no parameter named 'label'"),
        "{text}"
    );
    assert!(text.contains("cfg.py:5"), "no DSL call stack in:\n{text}");
    // The failure does not leak into the next call.
    let mut interp2 = Interp::new();
    interp2
        .module("helpers")
        .add_native("lenient", "input", |_, a| {
            Ok(Value::Bool(a.opt("weight").is_none()))
        });
    let main = interp2
        .run_source("ok.py", "from helpers import *\nok = lenient(1)\n")
        .unwrap_or_else(|d| panic!("{d}"));
    assert!(matches!(main.get("ok"), Some(Value::Bool(true))));
}
