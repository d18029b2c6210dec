//! Snapshots of the diagnostics for helper misuse: each config below has one mistake, and the
//! error must name the user's line (with the call stack through their own functions). The
//! expected text lives in tests/golden/diagnostics/<case>.txt; `PADDLERS_REGENERATE=1`
//! rewrites it.

use paddlers::helpers::parse_config;
use paddlers_testkit::golden;
use std::path::Path;

const HEADER: &str = "from paddle.trainer_config_helpers import *\n";

const CASES: &[(&str, &str)] = &[
    (
        "conv_without_channels",
        "def block(x):\n    return img_conv_layer(input=x, filter_size=3, num_filters=8)\n\n\
         img = data_layer(name='image', size=3 * 32 * 32)\nc = block(img)\n",
    ),
    (
        "misspelled_keyword",
        "x = data_layer(name='x', size=10)\ny = fc_layer(input=x, size=10, actt=ReluActivation())\n",
    ),
    (
        "unknown_activation",
        "x = data_layer(name='x', size=10)\ny = fc_layer(input=x, size=10, act=ReluActivaton())\n",
    ),
    (
        "activation_given_as_string",
        "x = data_layer(name='x', size=10)\ny = fc_layer(input=x, size=10, act='relu')\n",
    ),
    ("missing_input", "y = fc_layer(size=10)\n"),
    ("input_given_as_name", "x = data_layer(name='x', size=10)\ny = fc_layer(input='x', size=10)\n"),
    (
        "addto_size_mismatch",
        "a = data_layer(name='a', size=10)\nb = data_layer(name='b', size=20)\n\
         s = addto_layer(input=[a, b])\n",
    ),
    (
        "image_size_mismatch",
        "img = data_layer(name='image', size=1000)\n\
         c = img_conv_layer(input=img, num_channels=3, filter_size=3, num_filters=8)\n",
    ),
    ("duplicated_layer_name", "a = data_layer(name='x', size=10)\nb = data_layer(name='x', size=10)\n"),
    (
        "classification_cost_without_softmax",
        "x = data_layer(name='x', size=10)\nlbl = data_layer(name='label', size=2)\n\
         out = fc_layer(input=x, size=2, act=TanhActivation())\n\
         cost = classification_cost(input=out, label=lbl)\n",
    ),
    (
        "lstmemory_input_not_4x",
        "x = data_layer(name='x', size=10)\nh = lstmemory(input=x)\n",
    ),
    (
        "learning_method_given_as_string",
        "settings(batch_size=10, learning_method='momentum')\n",
    ),
    ("memory_outside_recurrent_group", "m = memory(name='state', size=10)\n"),
    (
        "pooling_type_is_an_activation",
        "img = data_layer(name='image', size=3 * 8 * 8)\n\
         p = img_pool_layer(input=img, num_channels=3, pool_size=2, pool_type=ReluActivation())\n",
    ),
    (
        "param_attr_of_wrong_kind",
        "x = data_layer(name='x', size=10)\ny = fc_layer(input=x, size=10, param_attr=ExtraAttr())\n",
    ),
    (
        "dropout_on_a_data_layer",
        "x = data_layer(name='x', size=10, layer_attr=ExtraAttr(drop_rate=0.5))\n",
    ),
    (
        "layer_added_to_mixed_layer",
        "x = data_layer(name='x', size=10)\nwith mixed_layer(size=10) as m:\n    m += x\n",
    ),
    ("outputs_given_a_name", "x = data_layer(name='x', size=10)\noutputs('x')\n"),
    (
        "memory_size_mismatch",
        "x = data_layer(name='x', size=10)\n\n\ndef step(ipt):\n    \
         mem = memory(name='h', size=5)\n    return fc_layer(input=[ipt, mem], size=10, name='h')\n\n\n\
         out = recurrent_group(step=step, input=x)\n",
    ),
    (
        "error_inside_img_conv_group",
        "img = data_layer(name='image', size=3 * 32 * 32)\n\
         net = img_conv_group(input=img, conv_num_filter=[8, 8], pool_size=2, pool_stride=2)\n",
    ),
    (
        "layer_math_on_a_string",
        "x = data_layer(name='x', size=10)\ny = x + 'a'\n",
    ),
    (
        "layer_math_size_mismatch",
        "x = data_layer(name='x', size=10)\nz = data_layer(name='z', size=3)\ny = x * z\n",
    ),
    (
        "step_returns_a_number",
        "x = data_layer(name='x', size=10)\n\n\ndef step(ipt):\n    return 3\n\n\n\
         out = recurrent_group(step=step, input=x)\n",
    ),
];

#[test]
fn helper_mistakes_are_reported_at_the_users_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/diagnostics");
    let mut failures = Vec::new();
    for (name, body) in CASES {
        let path = dir.path().join(format!("{name}.cfg"));
        std::fs::write(&path, format!("{HEADER}{body}")).expect("config written");
        let rendered = match parse_config(&path, "") {
            Ok(_) => "(no error)\n".to_string(),
            Err(e) => format!("{e}\n"),
        };
        let rendered = rendered.replace(&dir.path().display().to_string(), "<dir>");
        if let Err(e) = golden::check(&snapshots.join(format!("{name}.txt")), &rendered) {
            failures.push(format!("{name}: {e}"));
        }
        assert!(
            rendered.contains(&format!("<dir>/{name}.cfg:")),
            "{name} names no line:\n{rendered}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
