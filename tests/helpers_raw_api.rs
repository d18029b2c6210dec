//! config_parser's own API (`Settings`, `Inputs`, `Layer`, `Input`, `Bias`, `Evaluator`,
//! `Outputs`, `TrainData(PyData(...))`), which older configs call without importing anything,
//! and the data source declarations. Goldens in tests/golden/ (`PADDLERS_REGENERATE=1`).

use paddlers::graph::protostr;
use paddlers::helpers::parse_config;
use paddlers_testkit::golden;
use std::path::Path;

const RAW: &str = r#"
Settings(algorithm='sgd', batch_size=100, learning_rate=0.001)
default_initial_std(0.02)
Inputs("image", "label")
Layer(name="image", type="data", size=3 * 8 * 8)
Layer(name="conv", type="exconv", num_filters=4, active_type="relu",
      inputs=[Input("image", conv=Conv(filter_size=3, channels=3, padding=1, stride=1, groups=1))])
Layer(name="pool", type="pool", inputs=[Input("conv", pool=Pool(pool_type="max-projection", channels=4, size_x=2, stride=2))])
Layer(name="hidden", type="fc", size=16, active_type="sigmoid", inputs="pool")
Layer(name="output", type="fc", size=10, active_type="softmax",
      inputs=[Input("hidden", parameter_name="w_out", learning_rate=0.5)], bias=Bias(initial_std=0.5))
Layer(name="label", type="data", size=10)
Layer(name="cost", type="multi-class-cross-entropy", inputs=["output", "label"])
Evaluator(name="error", type="classification_error", inputs=["output", "label"])
Outputs("cost")
TrainData(PyData(files="train.list", load_data_module="provider", load_data_object="process"))
"#;

const RAW_RNN: &str = r#"
model_type("recurrent_nn")
Settings(algorithm='sgd', batch_size=10, learning_rate=0.01)
Inputs("word", "label")
Layer(name="word", type="data", size=100)
Layer(name="emb", type="mixed", size=16, bias=False, inputs=[TableProjection("word", parameter_name="emb_w")])
RecurrentLayerGroupBegin("rnn", in_links=["emb"], out_links=["rnn_out"])
mem = Memory(name="rnn_out", size=16)
Layer(name="rnn_out", type="mixed", size=16, active_type="tanh",
      inputs=[IdentityProjection("emb"), FullMatrixProjection(mem, parameter_name="rnn_w")])
RecurrentLayerGroupEnd("rnn")
Layer(name="last", type="seqlastins", inputs=["rnn_out"])
Layer(name="lstm_in", type="fc", size=32, inputs=["last"])
Layer(name="out", type="fc", size=2, active_type="softmax", inputs=["lstm_in"])
Layer(name="label", type="data", size=2)
Layer(name="cost", type="multi-class-cross-entropy", inputs=["out", "label"])
Outputs("cost")
"#;

const PY_SOURCES: &str = r#"from paddle.trainer_config_helpers import *
define_py_data_sources(train_list="train.list", test_list=None, module="provider",
                       obj="process", args={"dict": "words.txt", "n": 3})
settings(batch_size=16, learning_rate=0.1, learning_method=AdamOptimizer(),
         regularization=L2Regularization(1e-4), model_average=ModelAverage(0.5))
x = data_layer(name="x", size=4)
outputs(fc_layer(input=x, size=2))
"#;

fn check(name: &str, source: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.conf"));
    std::fs::write(&path, source).unwrap();
    let trainer = parse_config(&path, "").unwrap_or_else(|e| panic!("{e}"));
    let got = protostr::trainer_config_text(&trainer);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{name}.protostr"));
    golden::assert_golden(&path, &got);
}

#[test]
fn config_parser_api_builds_the_same_kind_of_graph() {
    check("raw_api", RAW);
}

#[test]
fn config_parser_recurrent_groups_and_projections() {
    check("raw_rnn", RAW_RNN);
}

#[test]
fn define_py_data_sources_pickles_its_args() {
    check("py_data_sources", PY_SOURCES);
}

#[test]
fn train_data_records_where_it_was_declared() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("raw.conf");
    std::fs::write(&path, RAW).unwrap();
    let trainer = parse_config(&path, "").unwrap();
    let at = trainer.data_config.unwrap().declared_at.unwrap();
    let line = RAW
        .lines()
        .position(|l| l.starts_with("TrainData("))
        .unwrap()
        + 1;
    assert_eq!(at.file, path);
    assert_eq!(at.line as usize, line);
}

fn run_config(
    dir: &Path,
    name: &str,
    text: &str,
) -> Result<paddlers::graph::TrainerConfig, String> {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    parse_config(&path, "").map_err(|e| e.to_string())
}

/// Each layer printed as Paddle's protobuf text.
fn layers_text(t: &paddlers::graph::TrainerConfig) -> Vec<String> {
    t.model_config
        .layers
        .iter()
        .map(|l| protostr::to_text(l).unwrap())
        .collect()
}

/// `Layer(type=...)` and the helpers build fc, addto and concat through one builder each, so
/// they agree: the helper's graph and the raw one are the same layer by layer, and the raw
/// API keeps config_parser's defaults (AddToLayer has a bias unless `bias=False`).
#[test]
fn raw_layers_and_helpers_share_one_builder() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, text: &str| run_config(dir.path(), name, text);
    let helpers = run(
        "h.conf",
        "from paddle.trainer_config_helpers import *\n\
         a = data_layer(name='a', size=12, height=2, width=2)\n\
         b = data_layer(name='b', size=12, height=2, width=2)\n\
         s = addto_layer(name='s', input=[a, b], bias_attr=True)\n\
         c = concat_layer(name='c', input=[a, s])\n\
         f = fc_layer(name='f', input=c, size=3, act=SigmoidActivation())\n",
    )
    .unwrap();
    let raw = run(
        "r.conf",
        "Layer(name='a', type='data', size=12, height=2, width=2)\n\
         Layer(name='b', type='data', size=12, height=2, width=2)\n\
         Layer(name='s', type='addto', inputs=['a', 'b'])\n\
         Layer(name='c', type='concat', inputs=['a', 's'])\n\
         Layer(name='f', type='fc', size=3, active_type='sigmoid', inputs='c')\n",
    )
    .unwrap();
    assert_eq!(layers_text(&helpers), layers_text(&raw));
    let c = &raw.model_config.layers[3];
    assert_eq!((c.size, c.height, c.width), (Some(24), Some(2), Some(2)));
    assert_eq!(
        raw.model_config.layers[2].bias_parameter_name.as_deref(),
        Some("_s.wbias")
    );

    let err = run(
        "bias.conf",
        "Layer(name='a', type='data', size=4)\nLayer(name='c', type='concat', inputs=['a'], bias=True)\n",
    )
    .unwrap_err();
    assert!(
        err.contains("ConfigError: Layer(): ConcatenateLayer cannot support bias."),
        "{err}"
    );
    let err = run(
        "shape.conf",
        "Layer(name='a', type='data', size=12, height=2, width=2)\n\
         Layer(name='b', type='data', size=12)\n\
         Layer(name='c', type='concat', inputs=['a', 'b'])\n",
    )
    .unwrap_err();
    assert!(
        err.contains("Layer(): inputs 'a' and 'b' have different image shapes"),
        "{err}"
    );
    assert!(err.contains("shape.conf:3:1"), "{err}");
}

/// Sequence pooling (SequenceLastInstanceLayer, SequenceFirstInstanceLayer, MaxLayer,
/// AverageLayer) goes through one builder too: the raw layers equal the helpers' and keep
/// config_parser's stride check.
#[test]
fn raw_sequence_pooling_matches_the_helpers() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, text: &str| run_config(dir.path(), name, text);
    let helpers = run(
        "h.conf",
        "from paddle.trainer_config_helpers import *\n\
         x = data_layer(name='x', size=5)\n\
         last_seq(name='l', input=x, stride=2)\n\
         first_seq(name='f', input=x)\n\
         pooling_layer(name='m', input=x, pooling_type=MaxPooling())\n\
         pooling_layer(name='s', input=x, pooling_type=SumPooling())\n",
    )
    .unwrap();
    let raw = run(
        "r.conf",
        "Layer(name='x', type='data', size=5)\n\
         Layer(name='l', type='seqlastins', inputs='x', stride=2)\n\
         Layer(name='f', type='seqfirstins', inputs='x')\n\
         Layer(name='m', type='max', inputs='x')\n\
         Layer(name='s', type='average', inputs='x', average_strategy='sum')\n",
    )
    .unwrap();
    assert_eq!(layers_text(&helpers), layers_text(&raw));
    let err = run(
        "stride.conf",
        "Layer(name='x', type='data', size=5)\n\
         Layer(name='m', type='max', inputs='x', trans_type='seq', stride=2)\n",
    )
    .unwrap_err();
    assert!(
        err.contains("Layer(): subseq does not support stride window"),
        "{err}"
    );
    let err = run(
        "helper_stride.conf",
        "from paddle.trainer_config_helpers import *\n\
         x = data_layer(name='x', size=5)\n\
         last_seq(input=x, agg_level=AggregateLevel.TO_SEQUENCE, stride=2)\n",
    )
    .unwrap_err();
    assert!(
        err.contains("last_seq(): subseq does not support stride window"),
        "{err}"
    );
}

/// lstmemory, grumemory and recurrent_layer and `Layer(type='lstmemory'|'gated_recurrent'|
/// 'recurrent')` go through one builder: the same layers, and config_parser's size check.
#[test]
fn raw_recurrent_layers_match_the_helpers() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, text: &str| run_config(dir.path(), name, text);
    let helpers = run(
        "h.conf",
        "from paddle.trainer_config_helpers import *\n\
         x = data_layer(name='x', size=12)\n\
         lstmemory(name='l', input=x, reverse=True)\n\
         grumemory(name='g', input=x)\n\
         recurrent_layer(name='r', input=x, bias_attr=False)\n",
    )
    .unwrap();
    let raw = run(
        "r.conf",
        "Layer(name='x', type='data', size=12)\n\
         Layer(name='l', type='lstmemory', inputs='x', reversed=True, active_type='tanh', \
         active_state_type='tanh')\n\
         Layer(name='g', type='gated_recurrent', inputs='x', active_type='tanh')\n\
         Layer(name='r', type='recurrent', inputs='x', active_type='tanh', bias=False)\n",
    )
    .unwrap();
    assert_eq!(layers_text(&helpers), layers_text(&raw));
    let sizes: Vec<_> = raw.model_config.layers.iter().map(|l| l.size).collect();
    assert_eq!(sizes, [Some(12), Some(3), Some(4), Some(12)]);
    let err = run(
        "size.conf",
        "Layer(name='x', type='data', size=6)\nLayer(name='l', type='lstmemory', inputs='x')\n",
    )
    .unwrap_err();
    assert!(err.contains("size % 4 should be 0!"), "{err}");
    assert!(err.contains("size.conf:2:1"), "{err}");
    let err = run(
        "two.conf",
        "Layer(name='x', type='data', size=6)\n\
         Layer(name='g', type='gated_recurrent', inputs=['x', 'x'])\n",
    )
    .unwrap_err();
    assert!(
        err.contains("GatedRecurrentLayer must have 1 input"),
        "{err}"
    );
}

/// The cost helpers and `Layer(type=<cost type>)` share one builder per cost class: the same
/// layers, coefficients, and the fields only some classes set (selfnorm's alpha and unset
/// size, huber_regression's delta).
#[test]
fn raw_cost_layers_match_the_helpers() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, text: &str| run_config(dir.path(), name, text);
    let helpers = run(
        "h.conf",
        "from paddle.trainer_config_helpers import *\n\
         x = data_layer(name='x', size=4)\n\
         y = data_layer(name='y', size=4)\n\
         square_error_cost(name='se', input=x, label=y, coeff=0.5)\n\
         cross_entropy(name='ce', input=x, label=y)\n\
         cross_entropy_with_selfnorm(name='sn', input=x, label=y, softmax_selfnorm_alpha=0.2)\n\
         huber_regression_cost(name='hr', input=x, label=y, delta=2.0)\n\
         sum_cost(name='sc', input=x)\n",
    )
    .unwrap();
    let raw = run(
        "r.conf",
        "Layer(name='x', type='data', size=4)\n\
         Layer(name='y', type='data', size=4)\n\
         Layer(name='se', type='square_error', inputs=['x', 'y'], coeff=0.5)\n\
         Layer(name='ce', type='multi-class-cross-entropy', inputs=['x', 'y'])\n\
         Layer(name='sn', type='multi_class_cross_entropy_with_selfnorm', inputs=['x', 'y'], \
         softmax_selfnorm_alpha=0.2)\n\
         Layer(name='hr', type='huber_regression', inputs=['x', 'y'], delta=2.0)\n\
         Layer(name='sc', type='sum_cost', inputs='x')\n",
    )
    .unwrap();
    assert_eq!(layers_text(&helpers), layers_text(&raw));
    let sn = &raw.model_config.layers[4];
    assert_eq!(sn.size, None);
    let err = run(
        "huber.conf",
        "Layer(name='x', type='data', size=4)\n\
         Layer(name='hr', type='huber_regression', inputs=['x'])\n",
    )
    .unwrap_err();
    assert!(err.contains("HuberRegression must have 2 inputs"), "{err}");
}

/// trans, sum_to_one_norm, row_l2_norm, sampling_id, maxid, slope_intercept, scaling, power,
/// interpolation and expand: one builder serves the helpers and `Layer(type=...)`, with
/// config_parser's input-count and size checks.
#[test]
fn raw_simple_layers_match_the_helpers() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, text: &str| run_config(dir.path(), name, text);
    let helpers = run(
        "h.conf",
        "from paddle.trainer_config_helpers import *\n\
         x = data_layer(name='x', size=6)\n\
         y = data_layer(name='y', size=6)\n\
         w = data_layer(name='w', size=1)\n\
         trans_layer(name='t', input=x)\n\
         sum_to_one_norm_layer(name='n', input=x)\n\
         row_l2_norm_layer(name='r', input=x)\n\
         sampling_id_layer(name='s', input=x)\n\
         maxid_layer(name='m', input=x)\n\
         slope_intercept_layer(name='si', input=x, slope=2.0, intercept=0.5)\n\
         scaling_layer(name='sc', input=x, weight=w)\n\
         power_layer(name='p', input=x, weight=w)\n\
         interpolation_layer(name='i', input=[x, y], weight=w)\n\
         expand_layer(name='e', input=w, expand_as=x)\n",
    )
    .unwrap();
    let raw = run(
        "r.conf",
        "Layer(name='x', type='data', size=6)\n\
         Layer(name='y', type='data', size=6)\n\
         Layer(name='w', type='data', size=1)\n\
         Layer(name='t', type='trans', inputs='x')\n\
         Layer(name='n', type='sum_to_one_norm', inputs='x')\n\
         Layer(name='r', type='row_l2_norm', inputs='x')\n\
         Layer(name='s', type='sampling_id', inputs='x')\n\
         Layer(name='m', type='maxid', inputs='x')\n\
         Layer(name='si', type='slope_intercept', inputs='x', slope=2.0, intercept=0.5)\n\
         Layer(name='sc', type='scaling', inputs=['w', 'x'])\n\
         Layer(name='p', type='power', inputs=['w', 'x'])\n\
         Layer(name='i', type='interpolation', inputs=['w', 'x', 'y'])\n\
         Layer(name='e', type='expand', inputs=['w', 'x'])\n",
    )
    .unwrap();
    assert_eq!(layers_text(&helpers), layers_text(&raw));
    let e = raw.model_config.layers.last().unwrap();
    assert_eq!(
        (e.size, e.trans_type.as_deref()),
        (Some(1), Some("non-seq"))
    );
    for (text, want) in [
        (
            "Layer(name='p', type='power', inputs=['x', 'y'])\n",
            "The left input is the exponent and should be of size 1",
        ),
        (
            "Layer(name='sc', type='scaling', inputs=['w'])\n",
            "ScalingLayer must have 2 inputs",
        ),
        (
            "Layer(name='t', type='trans', inputs=['x', 'y'])\n",
            "TransLayer must have one and only one input",
        ),
    ] {
        let conf = format!(
            "Layer(name='x', type='data', size=6)\n\
             Layer(name='y', type='data', size=6)\n\
             Layer(name='w', type='data', size=1)\n{text}"
        );
        let err = run("bad.conf", &conf).unwrap_err();
        assert!(err.contains(want), "{err}");
        assert!(err.contains("bad.conf:4:1"), "{err}");
    }
}

/// data_layer and `Layer(type='data')` share DataLayer's builder: depth, height and width
/// alike (the raw API used to drop depth).
#[test]
fn raw_data_layer_matches_the_helper() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, text: &str| run_config(dir.path(), name, text);
    let helpers = run(
        "h.conf",
        "from paddle.trainer_config_helpers import *\n\
         data_layer(name='v', size=48, depth=2, height=4, width=2)\n\
         data_layer(name='z', size=8)\n",
    )
    .unwrap();
    let raw = run(
        "r.conf",
        "Layer(name='v', type='data', size=48, depth=2, height=4, width=2)\n\
         Layer(name='z', type='data', size=8, height=0, width=4)\n",
    )
    .unwrap();
    assert_eq!(layers_text(&helpers), layers_text(&raw));
    let v = &raw.model_config.layers[0];
    assert_eq!((v.depth, v.height, v.width), (Some(2), Some(4), Some(2)));
    assert_eq!(raw.model_config.layers[1].height, None);
}

/// TrainData/TestData and define_py_data_sources2 record their declaration through one
/// function, which allows one train and one test declaration, as config_parser does.
#[test]
fn a_second_data_declaration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, text: &str| run_config(dir.path(), name, text);
    let data =
        "TrainData(PyData(files='train.list', load_data_module='p', load_data_object='f'))\n";
    let err = run("raw.conf", &format!("{data}{data}")).unwrap_err();
    assert!(
        err.contains("ConfigError: Only one TrainData definition is allowed"),
        "{err}"
    );
    assert!(err.contains("raw.conf:2:1"), "{err}");
    let helper = "define_py_data_sources2(train_list='train.list', test_list='test.list', \
                  module='p', obj='f')\n";
    let err = run(
        "helper.conf",
        &format!("from paddle.trainer_config_helpers import *\n{helper}{helper}"),
    )
    .unwrap_err();
    assert!(
        err.contains("Only one TrainData definition is allowed"),
        "{err}"
    );
    assert!(err.contains("helper.conf:3:1"), "{err}");
}
