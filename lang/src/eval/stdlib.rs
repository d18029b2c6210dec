//! The standard modules configs import: `math`, `os`, `os.path`, `sys`, the read-only,
//! deterministic subsets of `json`, `random`, `re`, `string`, `collections`, `itertools`,
//! `functools` and `copy` (docs/language.md lists each), and the Paddle module that defines
//! `get_config_arg`.

mod copy;
mod json;
mod random;
mod re;

use super::host::HostObject;
use super::value::Value;
use super::{EvalError, Interp};
use std::path::Path;
use std::rc::Rc;

/// The standard modules a config may import (docs/language.md lists what each offers).
pub const SANDBOX_MODULES: &[&str] = &[
    "math",
    "os",
    "os.path",
    "sys",
    "pickle",
    "cPickle",
    "json",
    "random",
    "re",
    "string",
    "collections",
    "itertools",
    "functools",
    "copy",
];

/// The standard modules written in the config language itself.
const PY_MODULES: &[(&str, &str)] = &[
    ("collections", include_str!("stdlib/collections.py")),
    ("itertools", include_str!("stdlib/itertools.py")),
    ("functools", include_str!("stdlib/functools.py")),
    ("string", include_str!("stdlib/string.py")),
];

/// What to do instead, for modules configs are known to reach for.
pub(crate) fn refused_module_hint(name: &str) -> Option<String> {
    let top = name.split('.').next().unwrap_or(name);
    Some(match top {
        "numpy" => "numpy is not available while a config is parsed: read arrays from a pickle (cPickle.load(open(path, 'rb')) gives them as lists) and compute with math and list comprehensions".into(),
        "subprocess" | "socket" | "urllib" | "urllib2" | "httplib" | "requests" | "shutil"
        | "tempfile" | "multiprocessing" | "threading" | "ctypes" | "io" | "codecs"
        | "commands" | "platform" | "signal" | "time" | "datetime" | "glob" | "getpass" => {
            format!("{top} is refused: a config may not start processes, reach the network, write files, read the environment or the clock")
        }
        "cStringIO" | "StringIO" | "csv" | "yaml" | "logging" | "argparse" | "optparse"
        | "heapq" | "bisect" | "operator" | "types" | "struct" | "hashlib" | "gzip" | "zipfile" => {
            format!("{top} is not part of the sandbox's standard library")
        }
        _ => return None,
    })
}

pub(crate) fn install(interp: &mut Interp) {
    install_math(interp);
    install_os(interp);
    install_sys(interp);
    super::pickle::install(interp);
    json::install(interp);
    random::install(interp);
    re::install(interp);
    copy::install(interp);
    for &(name, src) in PY_MODULES {
        interp.module(name).add_prelude(&format!("<{name}>"), src);
    }
    // functools.reduce is the builtin.
    if let Some(r) = interp.builtins.get("reduce") {
        interp.module("functools").set("reduce", r);
    }
    // Data providers are Rust, but configs and helper files import this module; the helpers
    // register its names (input types, CacheType, provider) into it.
    interp.module("paddle.trainer.PyDataProvider2");
    let cp = interp.module("paddle.trainer.config_parser");
    for name in ["get_config_arg", "get_config_args"] {
        if let Some(v) = interp.builtins.get(name) {
            cp.set(name, v);
        }
    }
}

fn install_math(interp: &mut Interp) {
    let m = interp.module("math");
    m.set("pi", Value::Float(std::f64::consts::PI));
    m.set("e", Value::Float(std::f64::consts::E));
    type UnaryFn = fn(f64) -> f64;
    let unary: &[(&str, UnaryFn)] = &[
        ("sqrt", f64::sqrt),
        ("exp", f64::exp),
        ("log10", f64::log10),
        ("fabs", f64::abs),
        ("floor", f64::floor),
        ("ceil", f64::ceil),
        ("sin", f64::sin),
        ("cos", f64::cos),
        ("tan", f64::tan),
        ("asin", f64::asin),
        ("acos", f64::acos),
        ("atan", f64::atan),
        ("sinh", f64::sinh),
        ("cosh", f64::cosh),
        ("tanh", f64::tanh),
        ("degrees", f64::to_degrees),
        ("radians", f64::to_radians),
    ];
    for &(name, f) in unary {
        m.add_native(name, "x", move |_, a| {
            let x = a.float("x")?;
            if (name == "sqrt" && x < 0.0) || (name == "log10" && x <= 0.0) {
                return Err(EvalError::value_error("math domain error"));
            }
            Ok(Value::Float(f(x)))
        });
    }
    m.add_native("log", "x, base=None", |_, a| {
        let x = a.float("x")?;
        if x <= 0.0 {
            return Err(EvalError::value_error("math domain error"));
        }
        Ok(Value::Float(match a.opt_float("base")? {
            Some(b) => x.ln() / b.ln(),
            None => x.ln(),
        }))
    });
    m.add_native("pow", "x, y", |_, a| {
        Ok(Value::Float(a.float("x")?.powf(a.float("y")?)))
    });
    // Python 2's math.trunc gives an int (a long past 64 bits), not a float.
    m.add_native("trunc", "x", |_, a| match a.get("x") {
        v @ (Value::Int(_) | Value::Long(_) | Value::Bool(_)) => Ok(v.clone()),
        _ => super::long::from_float(a.float("x")?),
    });
    m.add_native("fmod", "x, y", |_, a| {
        let (x, y) = (a.float("x")?, a.float("y")?);
        if y == 0.0 || x.is_infinite() {
            return Err(EvalError::value_error("math domain error"));
        }
        Ok(Value::Float(x % y))
    });
    m.add_native("copysign", "x, y", |_, a| {
        Ok(Value::Float(a.float("x")?.copysign(a.float("y")?)))
    });
    m.add_native("frexp", "x", |_, a| {
        let x = a.float("x")?;
        let (m, e) = frexp(x);
        Ok(Value::tuple(vec![Value::Float(m), Value::Int(e)]))
    });
    m.add_native("ldexp", "x, i", |_, a| {
        let (x, i) = (a.float("x")?, a.int("i")?);
        let r = x * 2f64.powi(i.clamp(-1100, 1100) as i32);
        if r.is_infinite() && x.is_finite() {
            return Err(EvalError::overflow("math range error"));
        }
        Ok(Value::Float(r))
    });
    m.add_native("modf", "x", |_, a| {
        let x = a.float("x")?;
        let int = x.trunc();
        let frac = if x.is_infinite() {
            0.0f64.copysign(x)
        } else {
            x - int
        };
        Ok(Value::tuple(vec![Value::Float(frac), Value::Float(int)]))
    });
    m.add_native("atan2", "y, x", |_, a| {
        Ok(Value::Float(a.float("y")?.atan2(a.float("x")?)))
    });
    m.add_native("hypot", "x, y", |_, a| {
        Ok(Value::Float(a.float("x")?.hypot(a.float("y")?)))
    });
    m.add_native("isnan", "x", |_, a| Ok(Value::Bool(a.float("x")?.is_nan())));
    m.add_native("isinf", "x", |_, a| {
        Ok(Value::Bool(a.float("x")?.is_infinite()))
    });
    m.add_native("factorial", "x", |_, a| {
        let n = a.int("x")?;
        if n < 0 {
            return Err(EvalError::value_error(
                "factorial() not defined for negative values",
            ));
        }
        if n > 20_000 {
            return Err(EvalError::limit(
                "MemoryError",
                "factorial() of more than 20000 is too large for the sandbox",
            ));
        }
        let mut acc = num_bigint::BigInt::from(1);
        for k in 2..=n {
            acc *= k;
        }
        Ok(super::long::narrow(acc))
    });
}

/// C's frexp: x = m * 2**e with 0.5 <= |m| < 1 (m = x for 0, inf and nan).
fn frexp(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    if exp == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(x * 2f64.powi(64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

fn install_os(interp: &mut Interp) {
    let os = interp.module("os");
    os.set("sep", Value::str("/"));
    os.set("linesep", Value::str("\n"));
    os.add_native("getcwd", "", |_, _| {
        let cwd = std::env::current_dir().map_err(|e| EvalError::new("OSError", e.to_string()))?;
        Ok(Value::str(&cwd.display().to_string()))
    });
    os.add_native("listdir", "path='.'", |_, a| {
        let p = a.str("path")?;
        let mut names: Vec<String> = std::fs::read_dir(&*p)
            .map_err(|e| EvalError::new("OSError", format!("{e}: '{p}'")))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(Value::list(names.iter().map(|n| Value::str(n)).collect()))
    });
    let path = interp.module("os.path");
    path.set("sep", Value::str("/"));
    path.add_native("join", "a, *p", |_, a| {
        let mut out = a.str("a")?.to_string();
        for part in &a.varargs {
            let p = part
                .as_str()
                .ok_or_else(|| EvalError::type_error("join() arguments must be str"))?;
            if p.starts_with('/') {
                out = p.to_string();
            } else if out.is_empty() || out.ends_with('/') {
                out.push_str(p);
            } else {
                out.push('/');
                out.push_str(p);
            }
        }
        Ok(Value::str(&out))
    });
    path.add_native("exists", "path", |_, a| {
        Ok(Value::Bool(Path::new(&*a.str("path")?).exists()))
    });
    path.add_native("isfile", "path", |_, a| {
        Ok(Value::Bool(Path::new(&*a.str("path")?).is_file()))
    });
    path.add_native("isdir", "path", |_, a| {
        Ok(Value::Bool(Path::new(&*a.str("path")?).is_dir()))
    });
    path.add_native("basename", "p", |_, a| {
        let p = a.str("p")?;
        Ok(Value::str(p.rsplit('/').next().unwrap_or("")))
    });
    path.add_native("dirname", "p", |_, a| {
        let p = a.str("p")?;
        Ok(Value::str(match p.rfind('/') {
            Some(0) => "/",
            Some(i) => p[..i].trim_end_matches('/'),
            None => "",
        }))
    });
    path.add_native("split", "p", |_, a| {
        let p = a.str("p")?;
        let (h, t) = match p.rfind('/') {
            Some(i) => (
                if i == 0 {
                    "/"
                } else {
                    p[..i].trim_end_matches('/')
                },
                &p[i + 1..],
            ),
            None => ("", &*p),
        };
        Ok(Value::tuple(vec![Value::str(h), Value::str(t)]))
    });
    path.add_native("splitext", "p", |_, a| {
        let p = a.str("p")?;
        let base_start = p.rfind('/').map(|i| i + 1).unwrap_or(0);
        let base = &p[base_start..];
        let dot = base
            .trim_start_matches('.')
            .rfind('.')
            .map(|i| i + (base.len() - base.trim_start_matches('.').len()));
        Ok(match dot {
            Some(d) => Value::tuple(vec![
                Value::str(&p[..base_start + d]),
                Value::str(&p[base_start + d..]),
            ]),
            None => Value::tuple(vec![Value::str(&p), Value::str("")]),
        })
    });
    path.add_native("abspath", "p", |_, a| {
        let p = a.str("p")?;
        let cwd = std::env::current_dir().map_err(|e| EvalError::new("OSError", e.to_string()))?;
        Ok(Value::str(&cwd.join(&*p).display().to_string()))
    });
    os.set("path", Value::Module(path));
}

/// `sys.stdout` / `sys.stderr`: both write to the config's output (stderr), so that
/// `dump_config` keeps stdout for the protobuf text.
struct Stream {
    name: &'static str,
}

impl HostObject for Stream {
    fn type_name(&self) -> &str {
        "file"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn getattr(
        &self,
        _interp: &mut Interp,
        _this: &Value,
        name: &str,
    ) -> Result<Option<Value>, EvalError> {
        Ok(match name {
            "write" => Some(Value::native("write", "s", |i, a| {
                let s = i.to_str(a.get("s"))?;
                i.write_output(&s);
                Ok(Value::None)
            })),
            "flush" => Some(Value::native("flush", "", |_, _| Ok(Value::None))),
            _ => None,
        })
    }
    fn attr_names(&self) -> Vec<String> {
        vec!["write".into(), "flush".into()]
    }
    fn repr(&self) -> String {
        format!("<open file '<{}>', mode 'w'>", self.name)
    }
}

fn install_sys(interp: &mut Interp) {
    let sys = interp.module("sys");
    sys.set("stderr", Value::Host(Rc::new(Stream { name: "stderr" })));
    sys.set("stdout", Value::Host(Rc::new(Stream { name: "stdout" })));
    sys.set("path", Value::list(Vec::new()));
    sys.set("version", Value::str("2.7.18 (paddlers)"));
    sys.set("maxint", Value::Int(i64::MAX));
    sys.add_native("exit", "code=0", |_, a| {
        Err(EvalError::new(
            "SystemExit",
            format!("sys.exit({}) called by the config", a.get("code").repr()),
        ))
    });
    sys.add_native("getrecursionlimit", "", |i, _| {
        Ok(Value::Int(i.limits.max_depth as i64))
    });
}

/// `sys.argv` is read when the module is first imported.
pub(crate) fn refresh_argv(interp: &mut Interp) {
    let argv = Value::list(interp.argv.iter().map(|a| Value::str(a)).collect());
    interp.module("sys").set("argv", argv);
}
