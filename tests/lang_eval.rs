//! Language features, each checked by value.

use paddlers::eval::{Interp, Limits, Value};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// Captures what a config prints.
#[derive(Clone, Default)]
struct Capture(Rc<RefCell<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn run(src: &str) -> Rc<paddlers::eval::Module> {
    let mut i = Interp::new();
    i.set_output(Box::new(Capture::default()));
    match i.run_source("t.py", src) {
        Ok(m) => m,
        Err(d) => panic!("{d}"),
    }
}

/// Runs `src` and returns `repr(result)` of the variable `r`.
fn r(src: &str) -> String {
    let m = run(src);
    m.get("r")
        .map(|v| v.repr())
        .unwrap_or_else(|| "<unset>".into())
}

fn printed(src: &str) -> String {
    let mut i = Interp::new();
    let cap = Capture::default();
    i.set_output(Box::new(cap.clone()));
    if let Err(d) = i.run_source("t.py", src) {
        panic!("{d}");
    }
    let out = String::from_utf8(cap.0.borrow().clone()).unwrap();
    out
}

fn err(src: &str) -> String {
    let mut i = Interp::with_limits(Limits {
        max_steps: 100_000,
        max_depth: 100,
        max_collection: 100_000,
        ..Limits::default()
    });
    i.set_output(Box::new(Capture::default()));
    match i.run_source("t.py", src) {
        Ok(_) => panic!("expected an error from:\n{src}"),
        Err(d) => d.headline(),
    }
}

#[test]
fn arithmetic_is_python_2() {
    assert_eq!(r("r = (20 - 2) / 6"), "3");
    assert_eq!(r("r = 7 / 2"), "3");
    assert_eq!(r("r = -7 / 2"), "-4");
    assert_eq!(r("r = 7.0 / 2"), "3.5");
    assert_eq!(r("r = -7 % 3"), "2");
    assert_eq!(r("r = 7 // 2.0"), "3.0");
    assert_eq!(r("r = 2 ** 10"), "1024");
    assert_eq!(r("r = 2 ** -1"), "0.5");
    assert_eq!(r("r = 1e-4 * 3"), "0.00030000000000000003");
    assert_eq!(r("r = (1 << 4) | 3 & ~1 ^ 8"), "26");
    assert_eq!(r("r = -2 ** 2"), "-4");
    assert_eq!(r("r = 0x1F + 017 + 0b11 + 10L"), "59L");
    assert_eq!(r("r = 1 < 2 <= 2 < 3 != 4"), "True");
    assert_eq!(r("r = 1 < 2 > 5"), "False");
    assert_eq!(r("r = True + True"), "2");
    assert_eq!(r("r = 3 if 0 else 4"), "4");
    assert_eq!(r("r = 0 or [] or 'x'"), "'x'");
    assert_eq!(r("r = 1 and 0"), "0");
    assert_eq!(r("r = not None"), "True");
    assert_eq!(
        r("r = abs(-3), round(2.5), round(-2.5), round(1.234, 2)"),
        "(3, 3.0, -3.0, 1.23)"
    );
    assert_eq!(r("r = divmod(-7, 2)"), "(-4, 1)");
    assert_eq!(
        r("r = int('42') + int(3.9) + int('-0x10', 16) + int('101', 2)"),
        "34"
    );
    assert_eq!(r("r = float('1e-3'), float(3)"), "(0.001, 3.0)");
}

#[test]
fn strings_and_formatting() {
    assert_eq!(r(r#"r = 'a' "b" '''c''' + """d""""#), "'abcd'");
    assert_eq!(r(r"r = r'\n' + '\t\x41\101'"), r"'\\n\tAA'");
    assert_eq!(r("r = 'layer_%d' % 3"), "'layer_3'");
    assert_eq!(
        r("r = '%s-%05.2f|%-4s|%x|%r' % ('a', 3.14159, 'b', 255, 'q')"),
        "\"a-03.14|b   |ff|'q'\""
    );
    assert_eq!(r("r = '%(name)s=%(v)d' % {'name': 'k', 'v': 2}"), "'k=2'");
    assert_eq!(
        r("r = '%e %g %g %g' % (0.00001, 0.00001, 123456789.0, 0.5)"),
        "'1.000000e-05 1e-05 1.23457e+08 0.5'"
    );
    assert_eq!(
        r("r = '{} {:>5} {name} {0}'.format(1, 'ab', name='n')"),
        "'1    ab n 1'"
    );
    assert_eq!(
        r("r = '{:.3f} {:,} {:08.2f} {!r}'.format(3.14159, 1234567, -3.5, 'x')"),
        "\"3.142 1,234,567 -0003.50 'x'\""
    );
    assert_eq!(r("r = 'a,b,,c'.split(',')"), "['a', 'b', '', 'c']");
    assert_eq!(r("r = '  a b  c '.split()"), "['a', 'b', 'c']");
    assert_eq!(r("r = 'a b c'.split(None, 1)"), "['a', 'b c']");
    assert_eq!(
        r("r = '-'.join(['x', 'y']) + 'abc'.upper() + ' q '.strip()"),
        "'x-yABCq'"
    );
    assert_eq!(
        r("r = 'hello'[1:4], 'hello'[::-1], 'hello'[-1]"),
        "('ell', 'olleh', 'o')"
    );
    assert_eq!(
        r("r = 'abc'.startswith(('x', 'a')), 'abc'.find('c'), 'abc'.replace('b', 'B')"),
        "(True, 2, 'aBc')"
    );
    assert_eq!(
        r("r = 'ab' * 3, 'a' in 'cat', len('héllo')"),
        "('ababab', True, 5)"
    );
    assert_eq!(
        r("r = str(0.1), repr(0.1), str(1.0/3), str(10), str(None), str(1e20)"),
        "('0.1', '0.1', '0.333333333333', '10', 'None', '1e+20')"
    );
    assert_eq!(
        r("r = '%.3s|%5d|%+d|%c' % ('abcdef', 42, 5, 65)"),
        "'abc|   42|+5|A'"
    );
    assert_eq!(
        r("r = 'x'.zfill(3), 'ab'.center(6, '*'), 'a\\nb\\n'.splitlines()"),
        "('00x', '**ab**', ['a', 'b'])"
    );
}

#[test]
fn float_text_matches_python_2() {
    assert_eq!(
        r("r = repr(1e16), repr(1e15), str(1e12), str(1e11), repr(1e-5), repr(0.0001), str(-2.5e-7)"),
        "('1e+16', '1000000000000000.0', '1e+12', '100000000000.0', '1e-05', '0.0001', '-2.5e-07')"
    );
    assert_eq!(
        r("r = [0.1, 1.0 / 3, 2.0 ** 0.5]"),
        "[0.1, 0.3333333333333333, 1.4142135623730951]"
    );
    assert_eq!(
        r("r = str(1.0 / 3), str(0.1 + 0.2), str(100.0), '%s' % 0.25"),
        "('0.333333333333', '0.3', '100.0', '0.25')"
    );
}

#[test]
fn identity_and_membership() {
    assert_eq!(
        r("a = [1]
b = a
c = [1]
r = a is b, a is c, a == c, a is not c, None is None, 2 not in a"),
        "(True, False, True, True, True, True)"
    );
    assert_eq!(
        r("d = {1: 'x'}
r = d[1.0], 1 in d, 'x' in d.values(), (1, 2) in [(1, 2)]"),
        "('x', True, True, True)"
    );
}

#[test]
fn collections() {
    assert_eq!(r("a = [1, 2, 3]\na.append(4)\na.extend((5,))\na.insert(0, 0)\nr = a, a.pop(), a.index(2), a.count(1)"), "([0, 1, 2, 3, 4], 5, 2, 1)");
    assert_eq!(
        r("a = range(10)\nr = a[2:8:2], a[::-3], a[-2:], a[:0]"),
        "([2, 4, 6], [9, 6, 3, 0], [8, 9], [])"
    );
    assert_eq!(r("a = [3, 1, 2]\na.sort()\nb = sorted(['bb', 'a', 'ccc'], key=len, reverse=True)\nr = a, b"), "([1, 2, 3], ['ccc', 'bb', 'a'])");
    assert_eq!(
        r("a = [5, 1, 4]\na.sort(cmp=lambda x, y: y - x)\nr = a"),
        "[5, 4, 1]"
    );
    assert_eq!(r("d = {'a': 1}\nd['b'] = 2\nd.update({'c': 3})\nr = sorted(d.keys()), d.get('z', 0), d.has_key('a'), sorted(d.iteritems())"), "(['a', 'b', 'c'], 0, True, [('a', 1), ('b', 2), ('c', 3)])");
    assert_eq!(r("d = dict(a=1, b=2)\ndel d['a']\nr = d, dict([(1, 2)]), d.setdefault('q', []), d.pop('b')"), "({'q': []}, {1: 2}, [], 2)");
    assert_eq!(r("s = {1, 2, 2, 3}\ns.add(4)\nr = len(s), 2 in s, sorted(s | set([9])), sorted(s & {1, 4}), sorted(s - {1})"), "(4, True, [1, 2, 3, 4, 9], [1, 4], [2, 3, 4])");
    assert_eq!(
        r("r = [x * y for x in range(3) for y in (1, 10) if x]"),
        "[1, 10, 2, 20]"
    );
    assert_eq!(
        r("r = {k: v for k, v in zip('ab', [1, 2])}, {x % 2 for x in range(5)} == {0, 1}"),
        "({'a': 1, 'b': 2}, True)"
    );
    assert_eq!(
        r("r = sum(x * x for x in xrange(4)), any(x > 2 for x in [1, 3]), all([])"),
        "(14, True, True)"
    );
    assert_eq!(
        r("r = list(enumerate('ab', 1)), zip([1, 2], 'xyz'), list(reversed((1, 2)))"),
        "([(1, 'a'), (2, 'b')], [(1, 'x'), (2, 'y')], [2, 1])"
    );
    assert_eq!(r("r = map(str, [1, 2]), filter(None, [0, 1, '', 'a']), map(lambda a, b: a + b, [1, 2], [3, 4])"), "(['1', '2'], [1, 'a'], [4, 6])");
    assert_eq!(
        r("r = min(3, 1, 2), max([1, 5, 2]), max('ab', 'b', key=len), min([], ) if False else 0"),
        "(1, 5, 'ab', 0)"
    );
    assert_eq!(r("a = [1, 2, 3, 4]\na[1:3] = ['x']\ndel a[0]\nr = a, [1, [2, 3]] == [1, [2, 3]], (1, 2) < (1, 3)"), "(['x', 4], True, True)");
    assert_eq!(
        r("r = (1,), (), tuple([1, 2]) + (3,), [0] * 3, 2 * (1, 2)"),
        "((1,), (), (1, 2, 3), [0, 0, 0], (1, 2, 1, 2))"
    );
    assert_eq!(
        r("r = len(xrange(0, 10, 3)), list(xrange(3)), xrange(5)[-1], 7 in xrange(0, 10, 7)"),
        "(4, [0, 1, 2], 4, True)"
    );
    assert_eq!(r("r = [i for i in range(3)]\nq = i"), "[0, 1, 2]");
}

#[test]
fn assignment_forms() {
    assert_eq!(r("a = b = 1\nb += 1\nr = a, b"), "(1, 2)");
    assert_eq!(r("a, (b, c) = 1, [2, 3]\nr = a + b + c"), "6");
    assert_eq!(r("x = [1, 2]\nx[0], x[1] = x[1], x[0]\nr = x"), "[2, 1]");
    assert_eq!(
        r("d = {}\nd['k'] = []\nd['k'] += [1]\nd['k'] *= 2\nr = d"),
        "{'k': [1, 1]}"
    );
    assert_eq!(r("a = []\nb = a\nb += [1]\nr = a"), "[1]");
    assert_eq!(
        r("x = 5\nx -= 1; x *= 3; x //= 2; x **= 2; x %= 7; x <<= 2; x |= 1\nr = x"),
        "5"
    );
    assert_eq!(
        r("for i, (a, b) in enumerate([(1, 2), (3, 4)]):\n    pass\nr = i, a, b"),
        "(1, 3, 4)"
    );
}

#[test]
fn control_flow() {
    assert_eq!(r("r = []\nfor i in range(10):\n    if i % 2: continue\n    if i > 6: break\n    r.append(i)\nelse:\n    r.append('no')"), "[0, 2, 4, 6]");
    assert_eq!(
        r("r = []\nfor i in range(2):\n    r.append(i)\nelse:\n    r.append('done')"),
        "[0, 1, 'done']"
    );
    assert_eq!(
        r("i = 0\nwhile i < 5:\n    i += 1\nelse:\n    i = -i\nr = i"),
        "-5"
    );
    assert_eq!(
        r("x = 3\nif x == 1:\n    r = 'a'\nelif x == 3:\n    r = 'c'\nelse:\n    r = 'z'"),
        "'c'"
    );
    assert_eq!(r("if 0: r = 1\nelse: r = 2"), "2");
    assert_eq!(
        r("r = 0\nwhile True:\n    r += 1\n    if r == 3:\n        break"),
        "3"
    );
}

#[test]
fn functions_closures_decorators() {
    assert_eq!(r("def f(a, b=2, *args, **kw):\n    return a, b, args, sorted(kw.items())\nr = f(1), f(1, 3, 4, 5, x=6), f(b=1, a=0)"),
        "((1, 2, (), []), (1, 3, (4, 5), [('x', 6)]), (0, 1, (), []))");
    assert_eq!(
        r("def f(*a, **k):\n    return a, k\nr = f(*[1, 2], **{'z': 3})"),
        "((1, 2), {'z': 3})"
    );
    assert_eq!(r("def mk(n):\n    def add(x):\n        return x + n\n    return add\nr = mk(3)(4), (lambda x, y=2: x * y)(5)"), "(7, 10)");
    assert_eq!(r("def counter():\n    c = [0]\n    def inc():\n        c[0] += 1\n        return c[0]\n    return inc\ni = counter()\ni()\nr = i()"), "2");
    assert_eq!(r("def deco(f):\n    def w(*a):\n        return f(*a) * 2\n    return w\n@deco\ndef g(x):\n    return x + 1\nr = g(1)"), "4");
    assert_eq!(r("def tag(t):\n    def d(f):\n        f.tagged = t\n        return f\n    return d\ndef rep(n):\n    def d(f):\n        return lambda: [f() for _ in range(n)]\n    return d\n@rep(3)\ndef one():\n    return 1\nr = one()"), "[1, 1, 1]");
    assert_eq!(
        r("g = 1\ndef f():\n    global g\n    g = 5\nf()\nr = g"),
        "5"
    );
    assert_eq!(
        r("def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\nr = fact(20)"),
        "2432902008176640000"
    );
    assert_eq!(
        r("def f(x):\n    def g():\n        return x\n    x = 9\n    return g()\nr = f(1)"),
        "9"
    );
    assert_eq!(r("r = (lambda *a: len(a))(1, 2, 3)"), "3");
}

#[test]
fn classes_and_exceptions() {
    assert_eq!(r("class A(object):\n    k = 10\n    def __init__(self, v):\n        self.v = v\n    def get(self):\n        return self.v + self.k\nclass B(A):\n    def get(self):\n        return super(B, self).get() * 2\nr = B(1).get(), A(2).get(), isinstance(B(0), A), issubclass(B, A)"), "(22, 12, True, True)");
    assert_eq!(r("class V(object):\n    def __init__(self, x):\n        self.x = x\n    def __add__(self, o):\n        return V(self.x + o)\n    def __radd__(self, o):\n        return V(o * 100 + self.x)\n    def __repr__(self):\n        return 'V(%d)' % self.x\nr = repr(V(1) + 2), str(3 + V(1))"), "('V(3)', 'V(301)')");
    assert_eq!(
        r("try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    r = 'caught: %s' % e"),
        "'caught: integer division or modulo by zero'"
    );
    assert_eq!(
        r("try:\n    {}['x']\nexcept (ValueError, KeyError), e:\n    r = type(e).__name__"),
        "'KeyError'"
    );
    assert_eq!(r("class MyErr(ValueError):\n    pass\ntry:\n    raise MyErr('bad')\nexcept ValueError as e:\n    r = str(e), e.message, isinstance(e, Exception)"), "('bad', 'bad', True)");
    assert_eq!(
        r("r = []\ntry:\n    r.append(1)\nfinally:\n    r.append(2)"),
        "[1, 2]"
    );
    assert_eq!(
        r("r = []\ntry:\n    pass\nexcept:\n    r.append('x')\nelse:\n    r.append('else')"),
        "['else']"
    );
    assert_eq!(r("def f():\n    try:\n        return 1\n    finally:\n        r.append('fin')\nr = []\nr.append(f())"), "['fin', 1]");
    assert_eq!(r("try:\n    try:\n        undefined_name\n    except NameError:\n        raise\nexcept Exception as e:\n    r = str(e)"), "\"name 'undefined_name' is not defined\"");
    assert_eq!(
        r("try:\n    raise ValueError, 'old style'\nexcept ValueError as e:\n    r = str(e)"),
        "'old style'"
    );
    assert_eq!(
        r("try:\n    assert 1 == 2, 'nope'\nexcept AssertionError as e:\n    r = str(e)"),
        "'nope'"
    );
    assert_eq!(r("class Ctx(object):\n    def __enter__(self):\n        log.append('in')\n        return 7\n    def __exit__(self, *a):\n        log.append('out')\nlog = []\nwith Ctx() as v:\n    log.append(v)\nr = log"), "['in', 7, 'out']");
}

#[test]
fn builtins_and_types() {
    assert_eq!(r("r = isinstance(1, int), isinstance(True, int), isinstance('s', basestring), isinstance(1.0, (int, float)), isinstance([], tuple)"), "(True, True, True, True, False)");
    assert_eq!(
        r("r = type(1) == int, type('') is str, type([]).__name__, callable(len), callable(3)"),
        "(True, True, 'list', True, False)"
    );
    assert_eq!(r("class A(object): pass\na = A()\nsetattr(a, 'x', 1)\nr = getattr(a, 'x'), getattr(a, 'y', 2), hasattr(a, 'x'), hasattr(a, 'z')"), "(1, 2, True, False)");
    assert_eq!(
        r("r = bool([]), bool('0'), list('ab'), tuple([1]), str(u'x'), unicode('y'), long(3)"),
        "(False, True, ['a', 'b'], (1,), 'x', 'y', 3L)"
    );
    assert_eq!(
        r("r = chr(65), ord('a'), hex(255), oct(8), repr('it\\'s')"),
        "('A', 97, '0xff', '010', '\"it\\'s\"')"
    );
    assert_eq!(r("import math\nr = math.sqrt(16), math.floor(2.5), math.log(math.e), int(math.pi * 100), math.pow(2, 3)"), "(4.0, 2.0, 1.0, 314, 8.0)");
    assert_eq!(r("import os\nimport os.path\nr = os.path.join('a', 'b', 'c.txt'), os.path.basename('/x/y.py'), os.path.dirname('/x/y.py'), os.path.splitext('a/b.tar.gz')"), "('a/b/c.txt', 'y.py', '/x', ('a/b.tar', '.gz'))");
    assert_eq!(
        r("from os.path import join as j\nimport math as m\nr = j('a', 'b'), m.ceil(0.1)"),
        "('a/b', 1.0)"
    );
    assert_eq!(
        r("import sys\nr = type(sys.argv).__name__, hasattr(sys.stderr, 'write')"),
        "('list', True)"
    );
    assert_eq!(
        r("r = reduce(lambda a, b: a * b, [1, 2, 3, 4]), sum([[1], [2]], [])"),
        "(24, [1, 2])"
    );
}

#[test]
fn print_goes_to_the_output_sink() {
    assert_eq!(printed("print 'a', 1\nprint 'b',\nprint 'c'\nprint('d', 'e')\nimport sys\nprint >>sys.stderr, 'f'\nsys.stderr.write('g\\n')\nprint"), "a 1\nb c\nd e\nf\ng\n\n");
}

#[test]
fn config_args() {
    let mut i = Interp::new();
    i.set_config_args("is_predict=1,layer_num=50,lr=0.1,name=resnet,flag=False")
        .unwrap();
    let m = i
        .run_source(
            "c.py",
            "a = get_config_arg('is_predict', bool, False)\nb = get_config_arg('layer_num', int, 32)\nc = get_config_arg('lr', float)\nd = get_config_arg('name', str, 'x')\ne = get_config_arg('missing', int, 7)\nf = get_config_arg('flag', bool, True)\ng = get_config_arg('missing2', bool, None)\nall_args = get_config_args()\n",
        )
        .unwrap();
    assert_eq!(m.get("a").unwrap().repr(), "True");
    assert_eq!(m.get("b").unwrap().repr(), "50");
    assert_eq!(m.get("c").unwrap().repr(), "0.1");
    assert_eq!(m.get("d").unwrap().repr(), "'resnet'");
    assert_eq!(m.get("e").unwrap().repr(), "7");
    assert_eq!(m.get("f").unwrap().repr(), "False");
    assert_eq!(m.get("g").unwrap().repr(), "None");
    assert_eq!(
        m.get("all_args").unwrap().repr(),
        // CPython 2's dict order, as Paddle's get_config_args() dict printed.
        "{'lr': '0.1', 'flag': 'False', 'layer_num': '50', 'is_predict': '1', 'name': 'resnet'}"
    );
    let mut i = Interp::new();
    i.set_config_args("x=maybe").unwrap();
    let d = i
        .run_source("c.py", "a = get_config_arg('x', bool, False)\n")
        .unwrap_err();
    assert_eq!(
        d.headline(),
        "c.py:1:5: ValueError: Value of config_arg x is not boolean: 'maybe'"
    );
    assert!(Interp::new().set_config_args("novalue").is_err());
}

#[test]
fn files_are_readable_not_writable() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("dict.txt");
    std::fs::write(&dict, "apple\nbanana\ncherry\n").unwrap();
    let p = dict.display().to_string();
    let src = format!(
        "word_dict = {{}}\nwith open('{p}') as f:\n    for i, line in enumerate(f):\n        word_dict[line.strip()] = i\nn = len(open('{p}').readlines())\nf = open('{p}', 'r')\nfirst = f.readline()\nrest = f.read()\nf.close()\n"
    );
    let m = run(&src);
    assert_eq!(
        m.get("word_dict").unwrap().repr(),
        "{'cherry': 2, 'apple': 0, 'banana': 1}"
    );
    assert_eq!(m.get("n").unwrap().repr(), "3");
    assert_eq!(m.get("first").unwrap().repr(), "'apple\\n'");
    assert_eq!(m.get("rest").unwrap().repr(), "'banana\\ncherry\\n'");
    let e = err(&format!("open('{p}', 'w')\n"));
    assert!(e.contains("IOError: configs may only read files"), "{e}");
    let e = err("open('/definitely/not/here.txt')\n");
    assert_eq!(
        e,
        "t.py:1:1: IOError: [Errno 2] No such file or directory: '/definitely/not/here.txt'"
    );
}

#[test]
fn sibling_modules_import_from_the_config_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("seqToseq_net.py"), "__all__ = ['encoder']\ndef encoder(x):\n    return x * 2\ndef _private():\n    pass\nhidden = 1\n").unwrap();
    std::fs::write(dir.path().join("main.cfg"), "from seqToseq_net import *\nimport seqToseq_net\nr = encoder(21), seqToseq_net.hidden\ntry:\n    hidden\nexcept NameError:\n    r = r + ('hidden not exported',)\n").unwrap();
    let mut i = Interp::new();
    let m = i.run_file(&dir.path().join("main.cfg")).unwrap();
    assert_eq!(m.get("r").unwrap().repr(), "(42, 1, 'hidden not exported')");
}

#[test]
fn unknown_modules_and_names_are_clear_errors() {
    assert_eq!(
        err("import numpy\n"),
        "t.py:1:8: ImportError: No module named numpy"
    );
    assert_eq!(
        err("from paddle.trainer.config_parser import nothing_here\n"),
        "t.py:1:42: ImportError: cannot import name nothing_here"
    );
    assert_eq!(
        err("x = lenn([1])\n"),
        "t.py:1:5: NameError: name 'lenn' is not defined"
    );
}

#[test]
fn values_reach_rust_with_their_types() {
    let m = run("a = [1, 'x', 2.5, None, True, (1,), {'k': [1]}]\n");
    let Value::List(ref l) = m.get("a").unwrap() else {
        panic!()
    };
    let l = l.borrow();
    assert_eq!(l[0].as_int(), Some(1));
    assert_eq!(l[1].as_str(), Some("x"));
    assert_eq!(l[2].as_float(), Some(2.5));
    assert!(l[3].is_none());
    assert!(l[4].truthy());
    assert_eq!(l[6].repr(), "{'k': [1]}");
}

#[test]
fn line_endings_comments_and_continuations() {
    assert_eq!(
        r("\u{FEFF}# -*- coding: utf-8 -*-\r\nx = [1,  # one\r\n     2]\r\nif x:\r\n    r = x + \\\r\n        [3]\r\n"),
        "[1, 2, 3]"
    );
    assert_eq!(r("def f(a,\n      b):  # comment with 'quote\n    return a + \\\n        b\nr = f(1,\n\n  2)\n"), "3");
    assert_eq!(
        r("s = '''line1\n  # not a comment\nline3'''\nr = s.count('\\n'), '#' in s"),
        "(2, True)"
    );
    assert_eq!(r("if True:\n\tr = 1\n\tif r:\n\t\tr = 2\n"), "2");
}

#[test]
fn operator_precedence() {
    assert_eq!(
        r("r = -2 ** 2, 2 ** -1 * 3, 2 ** 3 ** 2, ~1 + 2, 1 + 2 * 3 - 4 / 2"),
        "(-4, 1.5, 512, 0, 5)"
    );
    assert_eq!(
        r("r = 1 | 2 ^ 3 & 4 << 1, 7 - 2 - 1, 2 * 3 % 4, -7 // 2 * 2, 1 << 2 + 1"),
        "(3, 4, 2, -8, 8)"
    );
    assert_eq!(
        r("x = 3\nr = -x ** 2, not 1 == 2, not not 1, - - x, 1 + -x, 1 < 2 == 2 > 1"),
        "(-9, True, True, 3, -2, True)"
    );
    assert_eq!(
        r("r = 1 if 0 else 2 if 0 else 3, (lambda: 1 or 2)(), 0 or 1 and 2"),
        "(3, 1, 2)"
    );
}

#[test]
fn layout_edge_cases() {
    assert_eq!(r("if True:\n    r = 1"), "1");
    assert_eq!(
        r("def f():\n    if True:\n        if True:\n            return 5\nr = f()"),
        "5"
    );
    assert_eq!(r("x = 1; y = 2;\nr = x + y"), "3");
    assert_eq!(r("if 0: r = 1\nelif 1: r = 2\nelse: r = 3"), "2");
    assert_eq!(r("r = 0\nfor i in range(3): r += i\n"), "3");
    assert_eq!(r("class A(object): x = 1\nr = A.x"), "1");
    assert_eq!(
        r("\n\n# only a comment\n   # indented comment\n\nr = 1\n\n\n"),
        "1"
    );
    assert_eq!(r("def f():\n    x = 1\n\n        # comment at another indentation\n\n    return x\nr = f()"), "1");
    assert_eq!(r("r = cmp(1, 2), cmp('b', 'a'), cmp(3, 3)"), "(-1, 1, 0)");
    run("");
    run("# nothing but a comment");
}

#[test]
fn sandboxed_os_names_say_why() {
    assert_eq!(
        err("import os\nhome = os.environ['HOME']\n"),
        "t.py:2:8: AttributeError: os.environ is not available: configs run in a sandbox without environment variables, processes or writes"
    );
}

#[test]
fn unicode_text() {
    assert_eq!(
        r("r = u'a\u{3000}b\u{3000}c'.rsplit(None, 1), u'a\u{3000}b c'.split(None, 1)"),
        "(['a\u{3000}b', 'c'], ['a', 'b c'])"
    );
    assert_eq!(
        r("r = len('héllo'), 'héllo'[1], 'héllo'.upper(), 'héllo'.find('l')"),
        "(5, 'é', 'HÉLLO', 2)"
    );
}

#[test]
fn static_class_methods_and_properties() {
    let src = "\
class Shape(object):
    count = 2
    def __init__(self, w, h):
        self.w = w
        self.h = h
    @property
    def area(self):
        return self.w * self.h
    @staticmethod
    def unit():
        return Shape(1, 1)
    @classmethod
    def square(cls, n):
        return cls(n, n)
s = Shape.square(3)
r = s.area, Shape.unit().area, s.unit().w, Shape.count
";
    assert_eq!(r(src), "(9, 1, 1, 2)");
}

#[test]
fn namespace_snapshots() {
    assert_eq!(
        r("a = 1\nb = 'x'\ng = globals()\nr = g['a'], g['b'], 'g' in g"),
        "(1, 'x', False)"
    );
    assert_eq!(
        r("def f(p, q=2):\n    z = p + q\n    return locals()\nr = f(1)"),
        "{'q': 2, 'p': 1, 'z': 3}"
    );
    assert_eq!(r("x = 5\nr = vars()['x']"), "5");
}

/// Issue 16's "Python 2 semantics where they still differ": each expression with the value
/// CPython 2.7 gives, as `repr()` shows it. Expected values are written from Python 2's
/// documented behaviour (floatobject.c's float_divmod and float_repr/str, the int -> long
/// promotion rule, object.c's default comparison order, round() on the exact decimal value).
const PYTHON2_CASES: &[(&str, &str)] = &[
    // float // and % follow fmod, the remainder takes the divisor's sign
    ("7 // 0.1", "69.0"),
    ("7 % 0.1", "0.09999999999999962"),
    ("-0.0 % 3", "0.0"),
    ("0.0 % -3", "-0.0"),
    ("-7.5 // 2", "-4.0"),
    ("divmod(7, 0.1)", "(69.0, 0.09999999999999962)"),
    // str() of floats: 12 significant digits, exponent form from 1e12
    ("str(1e11)", "'100000000000.0'"),
    ("str(123456789012.0)", "'123456789012.0'"),
    ("str(1234567890123.0)", "'1.23456789012e+12'"),
    ("str(999999999999.9)", "'1e+12'"),
    ("str(2.0 / 3)", "'0.666666666667'"),
    ("repr(1e16)", "'1e+16'"),
    // round() with digits, on the stored value, halves away from zero
    ("round(2.675, 2)", "2.67"),
    ("round(0.5)", "1.0"),
    ("round(-2.5)", "-3.0"),
    ("round(1234.5678, -2)", "1200.0"),
    ("round(5)", "5.0"),
    // bool operators keep bool
    ("True | False", "True"),
    ("True & False", "False"),
    ("True ^ True", "False"),
    ("True + True", "2"),
    // arbitrary-precision long
    ("2 ** 64", "18446744073709551616L"),
    ("str(2 ** 64)", "'18446744073709551616'"),
    ("5L", "5L"),
    ("5L + 1", "6L"),
    ("9223372036854775807 + 1", "9223372036854775808L"),
    ("-9223372036854775807 - 2", "-9223372036854775809L"),
    ("int(1e19)", "10000000000000000000L"),
    ("int(2 ** 64 // 2 ** 40)", "16777216"),
    ("long(3)", "3L"),
    ("123456789012345678901234567890 % 97", "52L"),
    ("-(2 ** 70) // 3", "-393530540239137101142L"),
    ("(1 << 70) >> 68", "4L"),
    ("2 ** 64 == 2.0 ** 64", "True"),
    ("{2 ** 64: 'a'}[18446744073709551616]", "'a'"),
    ("hex(2 ** 64)", "'0x10000000000000000L'"),
    ("type(5L).__name__", "'long'"),
    ("isinstance(5L, long)", "True"),
    ("isinstance(5, long)", "False"),
    ("isinstance(5L, (int, long))", "True"),
    ("[1] * 3L", "[1, 1, 1]"),
    ("'%d' % 1e20", "'100000000000000000000'"),
    ("'%d' % 2 ** 70", "'1180591620717411303424'"),
    ("math.factorial(21)", "51090942171709440000L"),
    ("math.trunc(2.7)", "2"),
    ("math.trunc(-1e19)", "-10000000000000000000L"),
    // formatting
    ("'{:<6}|'.format(2.0 / 3)", "'0.666666666667|'"),
    ("'{:>6}'.format(1.5)", "'   1.5'"),
    ("'%*d' % (5, 3)", "'    3'"),
    ("'%#o' % 8", "'010'"),
    ("'{:,}'.format(2 ** 64)", "'18,446,744,073,709,551,616'"),
    ("format(3.0)", "'3.0'"),
    ("format(255, 'x')", "'ff'"),
    ("bin(10)", "'0b1010'"),
    ("bin(-3)", "'-0b11'"),
    // Python 2's order across types: None, numbers, then by type name
    ("0 < ''", "True"),
    ("sorted([None, 1, 'a'])", "[None, 1, 'a']"),
    (
        "sorted(['b', (1,), [2], {}, 3.5, None])",
        "[None, 3.5, {}, [2], 'b', (1,)]",
    ),
    ("[] < ''", "True"),
    ("None < -10 ** 30", "True"),
    ("{1: 2} < {1: 2, 3: 4}", "True"),
    ("max(1, 'a')", "'a'"),
    // xrange, builtins, str methods with start/end, dict.fromkeys, math
    ("xrange(3)", "xrange(3)"),
    ("xrange(1, 5)", "xrange(1, 5)"),
    ("xrange(0, 10, 3)", "xrange(0, 12, 3)"),
    ("pow(3, 4, 5)", "1"),
    ("pow(-3, 3, 7)", "1"),
    ("pow(2, 100, 10 ** 9 + 7L)", "976371285L"),
    ("hash(-1)", "-2"),
    ("hash(7) == hash(7.0) == hash(7L)", "True"),
    ("'abcabc'.find('b', 2)", "4"),
    ("'abcabc'.find('b', 2, 4)", "-1"),
    ("'abcabc'.rfind('a', 0, 3)", "0"),
    ("'abcabc'.count('a', 1)", "1"),
    ("'abcabc'.index('c', -2)", "5"),
    ("'abc'.startswith('b', 1)", "True"),
    ("'abc'.endswith('b', 0, 2)", "True"),
    ("'abc'.startswith('', 4)", "False"),
    ("dict.fromkeys(['a', 'b'], 0)", "{'a': 0, 'b': 0}"),
    ("math.fmod(-7, 3)", "-1.0"),
    ("math.copysign(1, -0.0)", "-1.0"),
    ("math.degrees(math.pi)", "180.0"),
    ("math.radians(180)", "3.141592653589793"),
    ("math.frexp(8.0)", "(0.5, 4)"),
    ("math.ldexp(0.5, 4)", "8.0"),
    ("math.modf(-2.5)", "(-0.5, -2.0)"),
];

#[test]
fn python_2_semantics_differential() {
    let mut failures = Vec::new();
    for (expr, want) in PYTHON2_CASES {
        let src = format!("import math\nr = {expr}\n");
        let mut i = Interp::new();
        i.set_output(Box::new(Capture::default()));
        let got = match i.run_source("t.py", &src) {
            Ok(m) => m.get("r").map(|v| v.repr()).unwrap_or_default(),
            Err(d) => format!("error: {}", d.headline()),
        };
        if got != *want {
            failures.push(format!("{expr}: got {got}, Python 2 gives {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn python_2_errors_are_located() {
    // A long too large for the sandbox, and one that cannot become a float.
    let e = err("x = 1\nr = 2 ** 10 ** 9\n");
    assert!(e.contains("t.py:2:5: MemoryError"), "{e}");
    let e = err("r = float(10 ** 400)\n");
    assert!(e.contains("OverflowError"), "{e}");
    let e = err("r = int(float('nan'))\n");
    assert!(
        e.contains("ValueError: cannot convert float NaN to integer"),
        "{e}"
    );
}

/// Total memory is bounded like steps and depth: the issue's example ends with a located
/// MemoryError instead of growing to gigabytes and aborting.
#[test]
fn memory_is_bounded_with_a_located_error() {
    let mut i = Interp::with_limits(Limits {
        max_memory: 128 << 20,
        ..Limits::default()
    });
    i.set_output(Box::new(Capture::default()));
    let d = i
        .run_source("m.py", "x = 1\ny = [[0] * 1000 for i in range(10**7)]\n")
        .expect_err("a MemoryError");
    let text = d.to_string();
    assert!(text.starts_with("m.py:2:5: MemoryError"), "{text}");
}

#[test]
fn non_utf8_source_is_a_located_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.py");
    std::fs::write(&bad, b"x = 1\ny = 'caf\xe9'\n").unwrap();
    let d = Interp::new().run_file(&bad).expect_err("a SyntaxError");
    let text = d.to_string();
    assert!(
        text.contains("bad.py:2:9: SyntaxError: Non-ASCII character '\\xe9'"),
        "{text}"
    );
    // With a PEP 263 Latin-1 declaration, Python 2 reads it, and so do we.
    let ok = dir.path().join("ok.py");
    std::fs::write(&ok, b"# -*- coding: latin-1 -*-\ny = 'caf\xe9'\n").unwrap();
    let m = Interp::new()
        .run_file(&ok)
        .unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(m.get("y").unwrap().repr(), "'caf\u{e9}'");
}

/// Issue 16 item 5: `import cPickle` / `import pickle` read meta files at parse time, in every
/// protocol (fixtures from tests/fixtures/pickle/make.py).
#[test]
fn pickle_loads_every_protocol_read_only() {
    for p in 0..5 {
        let src = format!(
            "import cPickle\nimport pickle\nf = open('tests/fixtures/pickle/meta_p{p}.pkl', 'rb')\nm = cPickle.load(f)\nf.close()\nr = sorted(m.items())\ns = pickle.loads(open('tests/fixtures/pickle/meta_p{p}.pkl').read())\n"
        );
        let m = run(&src);
        assert_eq!(
            m.get("r").unwrap().repr(),
            "[('big', 5000000000), ('dim', 128), ('neg', -70000), ('pair', (1, None, True)), ('ratio', 0.25), ('words', ['a', 'b\\n'])]",
            "protocol {p}"
        );
        if p == 0 {
            // Text protocol: loads() of the file's text gives the same value.
            assert_eq!(m.get("s").unwrap().repr(), m.get("m").unwrap().repr());
        }
    }
    // Two pickles in one file: each load() reads one.
    assert_eq!(
        r("import pickle\nf = open('tests/fixtures/pickle/two.pkl', 'rb')\nr = (pickle.load(f), pickle.load(f))\n"),
        "([1, 2], 'second')"
    );
}

#[test]
fn pickle_numpy_arrays_become_lists() {
    use paddlers_pickle::{Dtype, Pickler, WriteValue};
    let dir = tempfile::tempdir().unwrap();
    let pixels: Vec<u8> = (0..6).collect();
    let mean: Vec<u8> = [1.5f64, -2.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let bytes = Pickler::dumps(&WriteValue::Dict(vec![
        (
            "data",
            WriteValue::Array {
                shape: vec![2, 3],
                dtype: Dtype::parse("u1").unwrap(),
                data: &pixels,
            },
        ),
        (
            "mean",
            WriteValue::Array {
                shape: vec![2],
                dtype: Dtype::parse("<f8").unwrap(),
                data: &mean,
            },
        ),
    ]));
    let path = dir.path().join("batch.pkl");
    std::fs::write(&path, bytes).unwrap();
    let src = format!(
        "import cPickle\nd = cPickle.load(open({:?}, 'rb'))\nr = d['data'], d['mean']\n",
        path.display().to_string()
    );
    assert_eq!(r(&src), "([[0, 1, 2], [3, 4, 5]], [1.5, -2.0])");
}

#[test]
fn pickle_writes_and_numpy_are_refused_with_what_to_do() {
    let e = err("import cPickle\ncPickle.dump({}, open('tests/fixtures/pickle/two.pkl', 'rb'))\n");
    assert!(
        e.contains("t.py:2:1: IOError: cPickle.dump() is not allowed"),
        "{e}"
    );
    let e = err("import pickle\ns = pickle.dumps([1])\n");
    assert!(e.contains("pickle.dumps() is not allowed"), "{e}");
    let e = err("import pickle\nx = pickle.loads('garbage')\n");
    assert!(e.contains("t.py:2:5: UnpicklingError"), "{e}");
    let d = Interp::new()
        .run_source("t.py", "import numpy\n")
        .err()
        .unwrap();
    let text = d.to_string();
    assert!(
        text.starts_with("t.py:1:8: ImportError: No module named numpy"),
        "{text}"
    );
    assert!(text.contains("cPickle.load(open(path, 'rb'))"), "{text}");
    assert!(text.contains("a config may import"), "{text}");
}

/// Python 2's tuple parameters (issue 16): unpacked when the call starts, nested, with
/// defaults, in lambdas and defs.
#[test]
fn tuple_parameters() {
    assert_eq!(r("f = lambda (a, b): a + b\nr = f((1, 2))"), "3");
    assert_eq!(
        r("r = map(lambda (k, v): '%s=%s' % (k, v), [('a', 1), ('b', 2)])"),
        "['a=1', 'b=2']"
    );
    assert_eq!(
        r("def f(x, (w, (h, d)), scale=2):\n    return x + (w * h * d) * scale\nr = f(1, (2, (3, 4)))"),
        "49"
    );
    assert_eq!(r("def f((a, b)=(3, 4)):\n    return a - b\nr = f()"), "-1");
    assert_eq!(
        r("r = sorted([(1, 'b'), (0, 'c')], key=lambda (n, s): s)"),
        "[(1, 'b'), (0, 'c')]"
    );
    // Unpacking a value of the wrong length is Python's ValueError, at the call.
    assert!(err("f = lambda (a, b): a\nf((1, 2, 3))").contains("ValueError"));
    assert!(err("def f((a, b), a):\n    pass\n").contains("duplicate argument 'a'"));
}

/// `Inputs()`/`Outputs()` naming a layer that does not exist points at that call, though
/// Paddle checks the names only after the whole config has run.
#[test]
fn unknown_input_or_output_layer_points_at_the_call() {
    let dir = std::env::temp_dir().join(format!("paddlers-inputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (call, kind) in [("Inputs('nope')", "input"), ("Outputs('nope')", "output")] {
        let cfg = dir.join("net.cfg");
        std::fs::write(
            &cfg,
            format!(
                "from paddle.trainer_config_helpers import *\n\
                 x = data_layer(name='x', size=4)\n\
                 y = fc_layer(input=x, size=2)\n\
                 {call}\n\
                 outputs(y)\n"
            ),
        )
        .unwrap();
        let e = paddlers::helpers::parse_config(&cfg, "")
            .unwrap_err()
            .to_string();
        let head = format!(
            "{}:4:1: ConfigError: {kind} name \"nope\" does not correspond to a layer name",
            cfg.display()
        );
        assert!(e.starts_with(&head), "{call}: {e}");
        assert!(e.contains(call), "the source line is shown: {e}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Dicts iterate in CPython 2.7's table order (64-bit build, no -R), derived from its
/// string/int/tuple hashes, probe sequence and resize rule.
#[test]
fn dict_iteration_follows_cpython_2_hash_order() {
    // The classic: hash('a') & 7 == 0, hash('b') & 7 == 3, hash('c') & 7 == 2.
    assert_eq!(r("r = {'a': 1, 'b': 2, 'c': 3}.keys()"), "['a', 'c', 'b']");
    assert_eq!(
        r("r = {'a': 1, 'b': 2, 'c': 3}"),
        "{'a': 1, 'c': 3, 'b': 2}"
    );
    assert_eq!(r("r = [k for k in dict(c=3, b=2, a=1)]"), "['a', 'c', 'b']");
    assert_eq!(
        r("d = {}\nd['c'] = 3\nd['b'] = 2\nd['a'] = 1\nr = d.items()"),
        "[('a', 1), ('c', 3), ('b', 2)]"
    );
    // Small ints hash to themselves: slot order is numeric order below the table size...
    assert_eq!(r("r = {3: 'c', 1: 'a', 2: 'b'}.keys()"), "[1, 2, 3]");
    // ...and wraps modulo the size: in an 8-slot table 9 lands in slot 1, before 2.
    assert_eq!(r("r = {9: 0, 2: 0}.keys()"), "[9, 2]");
    // Collisions probe i = 5*i + perturb + 1: 0 takes slot 0, 8 (slot 0 taken) goes to
    // (5*0 + 8 + 1) & 7 = 1, and 1 (slot 1 taken) to (5*1 + 1 + 1) & 7 = 7.
    assert_eq!(
        r("d = {}\nd[0] = 0\nd[8] = 0\nd[1] = 0\nr = d.keys()"),
        "[0, 8, 1]"
    );
    // The sixth key fills the 8-slot table to 2/3: it grows to 32 slots, where 9 stays
    // after 2..6 (slot 9).
    assert_eq!(
        r("d = {}\nfor k in [9, 2, 3, 4, 5, 6]:\n    d[k] = 0\nr = d.keys()"),
        "[2, 3, 4, 5, 6, 9]"
    );
    assert_eq!(
        r("d = {}\nfor k in [9, 2, 3, 4, 5]:\n    d[k] = 0\nr = d.keys()"),
        "[9, 2, 3, 4, 5]"
    );
    // -1 hashes as -2 (slot 6 of 8), -2 then collides and probes on.
    assert_eq!(r("r = {-1: 0, 0: 0}.keys()"), "[0, -1]");
    // hash(('a', 1)) and friends come from tuplehash: orders as CPython 2.7 prints them.
    assert_eq!(r("r = {'x': 1, 'y': 2, 'z': 3}.keys()"), "['y', 'x', 'z']");
    assert_eq!(
        r("r = {'one': 1, 'two': 2, 'three': 3}.keys()"),
        "['three', 'two', 'one']"
    );
    // values() and items() agree with keys(); sorted() is unaffected.
    assert_eq!(
        r("d = {'a': 1, 'b': 2, 'c': 3}\nr = (d.values(), sorted(d))"),
        "([1, 3, 2], ['a', 'b', 'c'])"
    );
}
