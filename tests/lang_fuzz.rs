//! A bounded fuzz test over the grammar and the evaluator: mutated real configs and
//! randomly generated programs must never panic or overflow the stack; every failure must
//! be a diagnostic whose position lies inside the input.
//!
//! Runs `PADDLERS_FUZZ_ITERS` inputs (default 500) from `PADDLERS_FUZZ_SEED`; set a large
//! count to fuzz for longer. Prints executions and failures at the end.

use paddlers::eval::{Interp, Limits, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SEEDS: &[&str] = &[
    "from paddle.trainer_config_helpers import *\nsettings(batch_size=128, learning_rate=0.1 / 128.0)\n",
    "def f(a, b=2, *args, **kw):\n    return [a * i for i in range(b) if i % 2] + list(args)\nx = f(1, 3, 4, k=5)\n",
    "class A(object):\n    def __init__(self, v):\n        self.v = v\n    def __add__(self, o):\n        return A(self.v + o)\nr = (A(1) + 2).v\n",
    "d = {'a': 1, 'b': [1, 2, (3, 4)]}\nfor k, v in sorted(d.iteritems()):\n    print '%s=%r' % (k, v)\n",
    "try:\n    x = 1 / 0\nexcept ZeroDivisionError as e:\n    x = str(e)\nfinally:\n    y = 2\n",
    "s = 'a,b,c'.split(',')\nt = '-'.join(s).upper()\nu = '{0} {1:>4}'.format(t, 3.5)\n",
    "i = 0\nwhile i < 10:\n    i += 1\n    if i == 5:\n        break\nelse:\n    i = -1\n",
    "import math\nimport os.path\nx = math.sqrt(16) + len(os.path.join('a', 'b'))\n",
    "g = lambda *a, **k: (a, k)\nz = g(1, *[2, 3], **{'q': 4})\n",
    "a = b = [1, 2, 3]\na[1:2] = [9, 9]\ndel b[0]\nc = a[::-1]\n",
];

/// Fragments that steer mutations toward interesting syntax.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    "=",
    "==",
    "+",
    "-",
    "*",
    "**",
    "/",
    "//",
    "%",
    "<<",
    ">>",
    "&",
    "|",
    "^",
    "~",
    "<",
    ">",
    "'",
    "\"",
    "'''",
    "\"\"\"",
    "\\",
    "\n",
    "\t",
    "    ",
    "#",
    "@",
    ";",
    "lambda ",
    "def ",
    "class ",
    "if ",
    "else",
    "elif ",
    "for ",
    " in ",
    "while ",
    "return ",
    "yield ",
    "try:",
    "except",
    "finally:",
    "with ",
    " as ",
    "import ",
    "from ",
    "print ",
    "print >>",
    "global ",
    "del ",
    "not ",
    " and ",
    " or ",
    " is ",
    "None",
    "True",
    "0",
    "1",
    "-1",
    "1e308",
    "9999999999999999999",
    "0x",
    "2.5",
    "x",
    "self",
    "*args",
    "**kw",
    "\u{3000}",
    "é",
    "\u{FEFF}",
    "'\u{3000}a\u{3000}'.rsplit(None, 1)",
    "\r\n",
    "range(",
    "xrange(",
    "len(",
    "open(",
    "getattr(",
    "__init__",
    "%s",
    "%d",
    "{}",
    "{0:>9}",
];

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut bytes: Vec<u8> = src.as_bytes().to_vec();
    let n = 1 + rng.below(4);
    for _ in 0..n {
        let len = bytes.len();
        let at = rng.below(len + 1);
        match rng.below(6) {
            0 if len > 0 => {
                let end = (at + 1 + rng.below(8)).min(len);
                bytes.drain(at.min(len)..end);
            }
            1 => {
                let tok = rng.pick(TOKENS).as_bytes();
                bytes.splice(at..at, tok.iter().copied());
            }
            2 if len > 1 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(40)).min(len);
                let chunk: Vec<u8> = bytes[a..b].to_vec();
                let at = rng.below(bytes.len() + 1);
                bytes.splice(at..at, chunk);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                bytes[i] = *rng.pick(b"()[]{}:'\"\\\n\t #=,.0123456789abcxyz_*+-%\xff");
            }
            4 => {
                let tok = rng.pick(TOKENS).to_string().repeat(1 + rng.below(300));
                bytes.splice(at..at, tok.bytes());
            }
            _ => {
                let indent = rng.pick(&["\t", " ", "  ", "        ", "\t "]).as_bytes();
                bytes.splice(at..at, indent.iter().copied());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A random, mostly well-formed program: exercises the evaluator rather than the parser.
fn generate(rng: &mut Rng) -> String {
    let mut out = String::new();
    let names = ["a", "b", "c", "f", "xs", "d"];
    for _ in 0..(3 + rng.below(12)) {
        let line = match rng.below(9) {
            0 => format!("{} = {}\n", rng.pick(&names), expr(rng, 3)),
            1 => format!("def f(x, y=1, *r, **k):\n    return {}\n", expr(rng, 3)),
            2 => format!(
                "for i in {}:\n    {} = {}\n",
                expr(rng, 2),
                rng.pick(&names),
                expr(rng, 2)
            ),
            3 => format!(
                "if {}:\n    a = {}\nelse:\n    b = {}\n",
                expr(rng, 2),
                expr(rng, 2),
                expr(rng, 2)
            ),
            4 => format!(
                "try:\n    c = {}\nexcept Exception as e:\n    c = str(e)\n",
                expr(rng, 3)
            ),
            5 => format!(
                "xs = [{} for i in range({})]\n",
                expr(rng, 2),
                rng.below(20)
            ),
            6 => format!("print {}\n", expr(rng, 2)),
            7 => format!("while {}:\n    break\n", expr(rng, 2)),
            _ => format!("d = {{{}: {}}}\n", expr(rng, 1), expr(rng, 2)),
        };
        out.push_str(&line);
    }
    out
}

fn expr(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 {
        return rng
            .pick(&[
                "1", "0", "-3", "2.5", "'s'", "None", "True", "a", "b", "i", "xs", "d", "[]", "()",
                "{}", "(1, 2)", "'%d'",
            ])
            .to_string();
    }
    let d = depth - 1;
    match rng.below(12) {
        0 => format!(
            "{} {} {}",
            expr(rng, d),
            rng.pick(&[
                "+", "-", "*", "/", "//", "%", "**", "<<", "&", "|", "==", "<", "in", "is", "and",
                "or"
            ]),
            expr(rng, d)
        ),
        1 => format!("({})", expr(rng, d)),
        2 => format!("[{}, {}]", expr(rng, d), expr(rng, d)),
        3 => format!("f({}, y={})", expr(rng, d), expr(rng, d)),
        4 => format!("{}[{}]", expr(rng, d), expr(rng, d)),
        5 => format!("{}[{}:{}]", expr(rng, d), expr(rng, d), expr(rng, d)),
        6 => format!("{} if {} else {}", expr(rng, d), expr(rng, d), expr(rng, d)),
        7 => format!(
            "{}({})",
            rng.pick(&[
                "len", "str", "int", "float", "list", "sorted", "range", "sum", "repr", "abs",
                "max", "tuple", "set", "dict", "bool"
            ]),
            expr(rng, d)
        ),
        8 => format!(
            "{}.{}()",
            expr(rng, d),
            rng.pick(&[
                "keys", "upper", "split", "pop", "items", "strip", "copy", "sort", "values"
            ])
        ),
        9 => format!("(lambda q: {})({})", expr(rng, d), expr(rng, d)),
        10 => format!("[{} for q in {}]", expr(rng, d), expr(rng, d)),
        _ => format!("'%s' % ({},)", expr(rng, d)),
    }
}

fn corpus_seeds() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/paddle-v1/configs");
    let mut out: Vec<String> = SEEDS.iter().map(|s| s.to_string()).collect();
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            out.extend(paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()));
        }
        Err(_) => eprintln!(
            "notice: {} is absent; fuzzing the built-in seeds only",
            dir.display()
        ),
    }
    out
}

/// Runs one input; returns a description of the failure if it panicked or reported an
/// error outside the input.
fn run_one(src: &str) -> Option<String> {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut interp = Interp::with_limits(Limits {
            max_steps: 20_000,
            max_depth: 60,
            max_collection: 20_000,
            ..Limits::default()
        });
        interp.set_output(Box::new(std::io::sink()));
        match interp.run_source("fuzz.py", src) {
            Ok(_) => None,
            Err(d) => {
                let text = d.to_string();
                let lines = src.split('\n').count().max(1);
                if d.line > lines + 1 || text.is_empty() {
                    Some(format!("diagnostic outside the input: {}", d.headline()))
                } else {
                    None
                }
            }
        }
    }));
    match r {
        Ok(v) => v,
        Err(p) => Some(format!(
            "panic: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    }
}

#[test]
fn fuzz_parser_and_evaluator() {
    let iters: usize = std::env::var("PADDLERS_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let seed: u64 = std::env::var("PADDLERS_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_CAFE);
    let mut rng = Rng(seed | 1);
    let seeds = corpus_seeds();
    let mut failures = Vec::new();
    let prev_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for n in 0..iters {
        let src = if n % 3 == 2 {
            generate(&mut rng)
        } else {
            let base = rng_pick(&mut rng, &seeds);
            mutate(&mut rng, base)
        };
        if let Some(f) = run_one(&src) {
            failures.push(format!("{f}\n--- input ---\n{src}"));
        }
    }
    std::panic::set_hook(prev_hook);
    eprintln!(
        "fuzz: {iters} executions, {} failures (seed {seed})",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n=====\n")
    );
}

fn rng_pick<'a>(rng: &mut Rng, items: &'a [String]) -> &'a str {
    &items[rng.below(items.len())]
}

/// Inputs that once threatened the stack: deep nesting in every recursive construct.
#[test]
fn deep_nesting_is_a_clean_error_or_works() {
    let cases = [
        format!("x = {}1", "-".repeat(100_000)),
        format!("x = {}1", "not ".repeat(50_000)),
        format!("x = {}1{}", "(".repeat(199), ")".repeat(199)),
        format!("x = {}", "lambda: ".repeat(5_000) + "1"),
        format!("x = 1{}", " if 1 else 1".repeat(20_000)),
        format!("x = a{}", ".b".repeat(50_000)),
        format!("x = f{}", "()".repeat(50_000)),
        "x = []\nfor i in range(300000):\n    x = [x]\n".to_string(),
        "t = ()\nfor i in range(300000):\n    t = (t,)\nd = {t: 1}\n".to_string(),
        "class N(object):\n    pass\nh = None\nfor i in range(200000):\n    n = N()\n    n.next = h\n    h = n\n".to_string(),
        "a = []\na.append(a)\nb = []\nb.append(b)\nr = (a == b, repr(a))\n".to_string(),
        "def f(n):\n    return f(n + 1)\nf(0)\n".to_string(),
    ];
    for src in &cases {
        let r = catch_unwind(AssertUnwindSafe(|| {
            let mut interp = Interp::new();
            interp.set_output(Box::new(std::io::sink()));
            let _ = interp.run_source("deep.py", src).map_err(|d| d.to_string());
        }));
        assert!(
            r.is_ok(),
            "panicked on input starting {:?}",
            &src[..src.len().min(60)]
        );
    }
}

/// Objects the no-panic property test passes as arguments: every kind of value a config
/// holds, including the helpers' own objects, so natives get past their first type check.
const VALUE_POOL: &str = r#"from paddle.trainer_config_helpers import *
import math
d_ = data_layer(name='d_', size=16)
img_ = data_layer(name='img_', size=3 * 8 * 8, height=8, width=8)
lbl_ = data_layer(name='lbl_', size=4)
fc_ = fc_layer(input=d_, size=4)
seq_ = data_layer(name='seq_', size=8)
class K_(object):
    def __init__(self, v=1):
        self.v = v
pool_ = [0, 1, -1, 2, 3, 7, 64, 10 ** 5, -(2 ** 40), 2.5, -0.0, 0.5, float('inf'),
         float('nan'), '', 'x', 'relu', 'max', 'd_', '%s %d', '{0} {x}', None, True, False,
         [], [d_], [d_, fc_], [[1, [2, [3]]], 'a'], (1, 2), (), {'a': 1, 2: [3]}, set([1]),
         xrange(3), d_, img_, lbl_, fc_, seq_, TanhActivation(), SoftmaxActivation(),
         ParamAttr(), ExtraAttr(), MaxPooling(), AvgPooling(), K_(), K_, int, str,
         lambda *a, **k: a[0] if a else None, full_matrix_projection(input=d_, size=4),
         math]
"#;

/// Parameter names that appear in no signature or in some other native's: extra keywords.
const STRAY_KEYWORDS: &[&str] = &["label", "weight", "bogus", "input", "size", "name", "act"];

struct Target {
    label: String,
    f: Value,
    params: Vec<String>,
}

/// Every callable reachable from a registered module and the builtin types' methods.
fn native_targets(interp: &mut Interp) -> Vec<Target> {
    let mut out = Vec::new();
    for m in interp.module_names() {
        let Ok(module) = interp.import(&m) else {
            continue;
        };
        let vars: Vec<(String, Value)> = module
            .vars
            .borrow()
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        for (name, v) in vars {
            let params = match &v {
                Value::Native(n) => n.sig.params.iter().map(|p| p.name.to_string()).collect(),
                Value::Function(f) => f.sig.params.iter().map(|p| p.name.to_string()).collect(),
                Value::Type(_) | Value::HostType(_) | Value::Class(_) => Vec::new(),
                _ => continue,
            };
            out.push(Target {
                label: format!("{m}.{name}"),
                f: v,
                params,
            });
        }
    }
    out
}

fn method_targets(interp: &mut Interp, pool: &[Value]) -> Vec<Target> {
    const METHODS: &[&str] = &[
        "add",
        "append",
        "capitalize",
        "center",
        "clear",
        "copy",
        "count",
        "decode",
        "difference",
        "discard",
        "encode",
        "endswith",
        "extend",
        "find",
        "format",
        "get",
        "has_key",
        "index",
        "insert",
        "intersection",
        "isalnum",
        "isdigit",
        "items",
        "iteritems",
        "join",
        "keys",
        "ljust",
        "lower",
        "lstrip",
        "partition",
        "pop",
        "popitem",
        "remove",
        "replace",
        "reverse",
        "rfind",
        "rjust",
        "rsplit",
        "rstrip",
        "setdefault",
        "sort",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "title",
        "union",
        "update",
        "upper",
        "values",
        "zfill",
        "fromkeys",
    ];
    let getattr = interp.builtins().get("getattr").expect("getattr builtin");
    let mut out = Vec::new();
    for recv in pool.iter().filter(|v| {
        matches!(
            v,
            Value::Str(_) | Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::Tuple(_)
        )
    }) {
        for m in METHODS {
            if let Ok(f) = interp.call(&getattr, vec![recv.clone(), Value::str(m)], vec![]) {
                out.push(Target {
                    label: format!("{}.{m}", recv.type_name()),
                    f,
                    params: Vec::new(),
                });
            }
        }
    }
    out
}

fn random_value(rng: &mut Rng, pool: &[Value], depth: usize) -> Value {
    match rng.below(12) {
        0 if depth < 3 => {
            let n = rng.below(4);
            Value::list((0..n).map(|_| random_value(rng, pool, depth + 1)).collect())
        }
        1 if depth < 3 => {
            let n = rng.below(3);
            Value::tuple((0..n).map(|_| random_value(rng, pool, depth + 1)).collect())
        }
        2 => Value::None,
        _ => rng.pick(pool).clone(),
    }
}

/// One call with a random argument mix: some positionals (possibly too many), keywords
/// drawn from the signature (possibly repeating a positional one) and stray keywords.
fn random_call(
    rng: &mut Rng,
    t: &Target,
    pool: &[Value],
) -> (Vec<Value>, Vec<(std::rc::Rc<str>, Value)>) {
    let n = t.params.len();
    let npos = rng.below(n + 3);
    let args = (0..npos).map(|_| random_value(rng, pool, 0)).collect();
    let mut kwargs = Vec::new();
    for p in &t.params {
        if rng.below(3) == 0 {
            kwargs.push((std::rc::Rc::from(p.as_str()), random_value(rng, pool, 0)));
        }
    }
    if rng.below(4) == 0 {
        let k = rng.pick(STRAY_KEYWORDS);
        kwargs.push((std::rc::Rc::from(*k), random_value(rng, pool, 0)));
    }
    (args, kwargs)
}

fn fresh_helpers_interp() -> (Interp, Vec<Value>, Vec<Target>) {
    let mut interp = paddlers::helpers::interp_with_helpers(std::path::Path::new("prop.py"));
    interp.limits = Limits {
        max_steps: 2_000_000,
        max_depth: 60,
        max_collection: 20_000,
        ..Limits::default()
    };
    interp.set_output(Box::new(std::io::sink()));
    let main = match interp.run_source("prop.py", VALUE_POOL) {
        Ok(m) => m,
        Err(d) => panic!("the value pool does not evaluate:\n{d}"),
    };
    let pool = match main.get("pool_") {
        Some(Value::List(ref l)) => l.borrow().clone(),
        _ => panic!("pool_ is not a list"),
    };
    let mut targets = native_targets(&mut interp);
    targets.extend(method_targets(&mut interp, &pool));
    (interp, pool, targets)
}

/// Issue 16 item 4: every registered native, prelude function and builtin method, called
/// with random argument mixes (missing, extra, wrong types, None, nested lists), returns a
/// value or an error and never panics. `PADDLERS_NATIVE_CALLS` sets the number of calls
/// (default 10^5; the long run uses 10^7), `PADDLERS_FUZZ_SEED` the seed.
#[test]
fn natives_never_panic_on_random_arguments() {
    let calls: usize = std::env::var("PADDLERS_NATIVE_CALLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let seed: u64 = std::env::var("PADDLERS_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0016);
    let mut rng = Rng(seed | 1);
    // Names each call on stderr before it runs, to find a call that aborts the process.
    let trace = std::env::var_os("PADDLERS_NATIVE_TRACE").is_some();
    // A fresh interpreter now and then keeps the graph and the step count small.
    const CALLS_PER_INTERP: usize = 20_000;
    let (mut interp, mut pool, mut targets) = fresh_helpers_interp();
    let ntargets = targets.len();
    assert!(ntargets > 300, "only {ntargets} callables found");
    let mut panics: Vec<String> = Vec::new();
    let (mut ok, mut errors) = (0usize, 0usize);
    for i in 0..calls {
        if i > 0 && i % CALLS_PER_INTERP == 0 {
            (interp, pool, targets) = fresh_helpers_interp();
        }
        let t = &targets[rng.below(targets.len())];
        let (args, kwargs) = random_call(&mut rng, t, &pool);
        let shown = format!(
            "{}({} positional, keywords {:?})",
            t.label,
            args.len(),
            kwargs
                .iter()
                .map(|(k, _)| k.to_string())
                .collect::<Vec<_>>()
        );
        if trace {
            eprintln!("{i} {shown}");
        }
        let r = catch_unwind(AssertUnwindSafe(|| interp.call(&t.f, args, kwargs)));
        match r {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(_)) => errors += 1,
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panics.push(format!("{shown}: {msg}"));
                (interp, pool, targets) = fresh_helpers_interp();
            }
        }
    }
    println!(
        "natives_never_panic: {calls} calls over {ntargets} callables, {ok} returned, {errors} raised, {} panicked",
        panics.len()
    );
    panics.sort();
    panics.dedup();
    assert!(
        panics.is_empty(),
        "{} distinct panics:\n{}",
        panics.len(),
        panics.join("\n")
    );
}
