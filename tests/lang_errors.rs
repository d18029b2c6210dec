//! Snapshot tests of the diagnostics for bad configs: message, kind, position, caret and
//! call stack are all in the snapshot. Regenerate with `PADDLERS_REGENERATE=1` and review
//! the diff.

use paddlers::eval::{Interp, Limits};
use paddlers_testkit::golden;
use std::path::PathBuf;

const CASES: &[(&str, &str)] = &[
    // ---- SyntaxError
    ("syntax_invalid", "x = = 1\n"),
    ("syntax_missing_colon", "if x\n    pass\n"),
    ("syntax_missing_colon_def", "def f(a, b)\n    return a\n"),
    ("syntax_unterminated_string", "name = 'abc\nsize = 3\n"),
    ("syntax_unterminated_triple", "doc = \"\"\"starts here\nand never ends\n"),
    ("syntax_unclosed_paren", "fc = fc_layer(input=x,\n              size=3\n\nnext_line = 1\n"),
    ("syntax_unmatched_close", "x = 1)\n"),
    ("syntax_mismatched_bracket", "x = [1, 2)\n"),
    ("syntax_keyword_after_positional", "f(a=1, 2)\n"),
    ("syntax_assign_to_literal", "1 = x\n"),
    ("syntax_assign_to_call", "f() = 3\n"),
    ("syntax_duplicate_parameter", "def f(a, a):\n    pass\n"),
    ("syntax_default_order", "def f(a=1, b):\n    pass\n"),
    ("syntax_return_outside_function", "x = 1\nreturn x\n"),
    ("syntax_break_outside_loop", "if True:\n    break\n"),
    ("syntax_too_deeply_nested", "x = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"),
    ("syntax_invalid_escape", "x = 'bad \\x4g escape'\n"),
    ("syntax_yield", "def gen():\n    yield 1\n"),
    ("syntax_stray_token", "settings(batch_size=128 learning_rate=0.1)\n"),
    ("syntax_assign_in_condition", "x = 1\nif x = 1:\n    pass\n"),
    ("syntax_plain_invalid", "x = 1 +* 2\n"),
    // ---- indentation
    ("indent_unexpected", "x = 1\n    y = 2\n"),
    ("indent_expected_block", "def f():\nreturn 1\n"),
    ("indent_expected_block_at_eof", "for i in range(3):\n"),
    ("indent_unindent_mismatch", "if True:\n        a = 1\n    b = 2\n"),
    ("indent_else_misaligned", "if True:\n    pass\n  else:\n    pass\n"),
    ("tab_mixed_in_block", "if True:\n\ta = 1\n        b = 2\n"),
    ("tab_mixed_in_nested_block", "def f():\n    if True:\n    \tx = 1\n        return x\n"),
    // ---- NameError and friends
    ("name_undefined_with_suggestion", "layer_num = 3\ndepth = layer_nun + 1\n"),
    ("name_undefined_builtin_typo", "n = lenght([1, 2])\n"),
    ("name_unbound_local", "x = 1\ndef f():\n    y = x\n    x = 2\nf()\n"),
    ("name_del_undefined", "del nothing\n"),
    // ---- TypeError
    ("type_unsupported_operands", "size = 1 + '2'\n"),
    ("type_not_callable", "x = 3\nx()\n"),
    ("type_missing_argument", "def conv(input, num_filters):\n    pass\nconv(1)\n"),
    ("type_too_many_arguments", "def f(a):\n    pass\nf(1, 2)\n"),
    ("type_unexpected_keyword", "def img_conv(input, num_filters=1, filter_size=3):\n    pass\nimg_conv(1, num_filter=64)\n"),
    ("type_multiple_values", "def f(a):\n    pass\nf(1, a=2)\n"),
    ("type_unhashable_key", "d = {[1]: 2}\n"),
    ("type_not_iterable", "for x in 5:\n    pass\n"),
    ("type_format_args", "s = '%d and %d' % (1,)\n"),
    ("type_native_argument", "r = range('10')\n"),
    ("type_isinstance_arg", "ok = isinstance(1, 'int')\n"),
    // ---- other runtime errors
    ("attribute_list_typo", "x = [1]\nx.apend(2)\n"),
    ("attribute_module_typo", "import math\ny = math.sqroot(2)\n"),
    ("key_error_with_suggestion", "conf = {'size': 1}\ns = conf['sise']\n"),
    ("index_out_of_range", "x = [1, 2]\ny = x[5]\n"),
    ("zero_division", "ratio = 10 / (3 - 3)\n"),
    ("value_int_literal", "n = int('12a')\n"),
    ("value_unpack_count", "a, b = [1, 2, 3]\n"),
    ("assertion_with_message", "num_class = 10\nassert num_class == 100, 'expected 100 classes, got %d' % num_class\n"),
    ("raise_custom_exception", "class ConfigError(Exception):\n    pass\nraise ConfigError('unsupported layer type')\n"),
    ("import_unknown_module", "from missing_module import *\n"),
    ("import_unknown_name", "from math import sqroot\n"),
    ("io_missing_file", "lines = open('no_such_dict.txt').readlines()\n"),
    ("io_write_refused", "f = open('out.txt', 'w')\n"),
    ("long_too_large", "x = 2 ** 10 ** 9\n"),
    ("long_to_float_overflow", "x = 1.0 * 10 ** 400\n"),
    ("sys_exit", "import sys\nsys.exit(1)\n"),
    // ---- errors inside nested calls: the call stack
    (
        "nested_calls_stack",
        "def inner(n):\n    return 10 / n\n\ndef middle(n):\n    return inner(n - 1)\n\ndef outer():\n    return middle(1)\n\nresult = outer()\n",
    ),
    (
        "nested_lambda_and_map",
        "def scale(xs, k):\n    return map(lambda x: x * k, xs)\n\nvalues = scale([1, 2], None)\n",
    ),
    (
        "nested_method_call",
        "class Net(object):\n    def __init__(self, depth):\n        self.depth = depth\n    def blocks(self):\n        return (self.depth - 2) / 0\n\nn = Net(20)\nb = n.blocks()\n",
    ),
    // ---- sandbox limits
    ("limit_endless_loop", "while True:\n    pass\n"),
    ("limit_endless_loop_not_catchable", "try:\n    while True:\n        x = 1\nexcept:\n    pass\n"),
    ("limit_recursion", "def f(n):\n    return f(n + 1)\n\nf(0)\n"),
    ("limit_collection_size", "x = [0] * 10000000000\n"),
    ("limit_collection_growth", "x = [1]\nwhile True:\n    x = x + x\n"),
];

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/lang_snapshots")
}

fn render(src: &str) -> String {
    let mut interp = Interp::with_limits(Limits {
        max_steps: 200_000,
        max_depth: 200,
        max_collection: 1_000_000,
        ..Limits::default()
    });
    interp.set_output(Box::new(std::io::sink()));
    match interp.run_source("config.py", src) {
        Ok(_) => "<no error>\n".to_string(),
        Err(d) => d.to_string(),
    }
}

#[test]
fn at_least_forty_distinct_cases() {
    let mut names: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), CASES.len(), "duplicate case names");
    assert!(CASES.len() >= 40);
}

#[test]
fn diagnostics_match_snapshots() {
    let dir = snapshot_dir();
    let mut mismatches = Vec::new();
    for (name, src) in CASES {
        let got = render(src);
        assert!(!got.starts_with("<no error>"), "{name}: expected an error");
        // Every diagnostic names the file, line and column.
        assert!(got.starts_with("config.py:"), "{name}: {got}");
        if let Err(e) = golden::check(&dir.join(format!("{name}.txt")), &got) {
            mismatches.push(format!("{name}: {e}"));
        }
    }
    // A snapshot without a case is a case that was dropped: delete it or restore the case.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".txt")
                .to_string();
            if !CASES.iter().any(|(n, _)| *n == name) {
                mismatches.push(format!("stale snapshot {name}.txt has no case"));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
