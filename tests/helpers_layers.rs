//! Helpers the Paddle corpus does not exercise: beam search with attention, and a few image
//! and sequence layers. Goldens in tests/golden/ (`PADDLERS_REGENERATE=1` rewrites them).

use paddlers::graph::protostr;
use paddlers::helpers::parse_config;
use paddlers_testkit::golden;
use std::path::Path;

const BEAM_SEARCH: &str = r#"from paddle.trainer_config_helpers import *
settings(batch_size=10, learning_rate=0.1)
src = data_layer(name='src', size=100)
emb = embedding_layer(input=src, size=16)
enc = simple_gru(input=emb, size=16)
enc_last = last_seq(input=enc)
enc_proj = fc_layer(input=enc, size=16, act=LinearActivation(), bias_attr=False)


def step(enc_vec, enc_proj, current_word):
    decoder_mem = memory(name='gru_decoder', size=16, boot_layer=enc_last)
    context = simple_attention(encoded_sequence=enc_vec, encoded_proj=enc_proj,
                               decoder_state=decoder_mem)
    with mixed_layer(size=48) as decoder_inputs:
        decoder_inputs += full_matrix_projection(input=context)
        decoder_inputs += full_matrix_projection(input=current_word)
    gru_step = gru_step_layer(name='gru_decoder', input=decoder_inputs,
                              output_mem=decoder_mem, size=16)
    with mixed_layer(size=100, bias_attr=True, act=SoftmaxActivation()) as out:
        out += full_matrix_projection(input=gru_step)
    return out


gen = beam_search(name='decoder', step=step,
                  input=[StaticInput(input=enc, is_seq=True),
                         StaticInput(input=enc_proj, is_seq=True),
                         GeneratedInput(size=100, embedding_name='_target_emb',
                                        embedding_size=16)],
                  bos_id=0, eos_id=1, beam_size=3, max_length=10)
outputs(gen)
"#;

const MISC: &str = r#"from paddle.trainer_config_helpers import *
img = data_layer(name='image', size=3 * 8 * 8, height=8, width=8)
conv = img_conv_layer(input=img, num_channels=3, filter_size=3, num_filters=4, padding=1)
norm = cross_channel_norm_layer(input=conv)
pb = priorbox_layer(input=conv, image=img, aspect_ratio=[2.], variance=[0.1, 0.1, 0.2, 0.2],
                    min_size=[4], max_size=[8])
rot = rotate_layer(input=conv, height=8, width=8)
seq = data_layer(name='seq', size=10)
sub = sub_seq_layer(input=seq, offsets=data_layer(name='off', size=1),
                    sizes=data_layer(name='sz', size=1))
lstm = lstmemory_group(input=fc_layer(input=seq, size=32), size=8)
outputs(norm, pb, rot, sub, lstm)
"#;

fn check(name: &str, source: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.py"));
    std::fs::write(&path, source).unwrap();
    let trainer = parse_config(&path, "").unwrap_or_else(|e| panic!("{e}"));
    let got = protostr::model_config_text(&trainer.model_config);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{name}.protostr"));
    golden::assert_golden(&path, &got);
}

#[test]
fn beam_search_generates_through_a_recurrent_group() {
    check("beam_search", BEAM_SEARCH);
}

#[test]
fn image_and_sequence_helpers_beyond_the_corpus() {
    check("misc_layers", MISC);
}

/// concat_layer over conv projections (benchmark GoogLeNet's inception blocks pass
/// `bias_attr=True`): Paddle's helper hands `ParamAttr.to_bias(bias_attr)` to config_parser,
/// which is False for anything but a ParamAttr, so only a ParamAttr creates the shared bias.
#[test]
fn concat_of_conv_projections_has_a_bias_only_from_a_param_attr() {
    let config = |bias: &str| {
        format!(
            "from paddle.trainer_config_helpers import *\n\
             img = data_layer(name='img', size=3 * 8 * 8, height=8, width=8)\n\
             a = conv_projection(input=img, filter_size=1, num_filters=4, num_channels=3)\n\
             b = conv_projection(input=img, filter_size=3, num_filters=2, num_channels=3, padding=1)\n\
             c = concat_layer(name='inception', input=[a, b], act=ReluActivation(), {bias})\n"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    for (bias, want) in [
        ("bias_attr=True", None),
        ("bias_attr=False", None),
        ("bias_attr=None", None),
        ("bias_attr=ParamAttr(initial_std=0.)", Some(6)),
    ] {
        let path = dir.path().join("c.py");
        std::fs::write(&path, config(bias)).unwrap();
        let t = parse_config(&path, "").unwrap_or_else(|e| panic!("{e}"));
        let concat = t.model_config.layers.last().unwrap();
        assert_eq!(concat.r#type, "concat2");
        assert_eq!(concat.size, Some(6 * 8 * 8), "{bias}");
        assert_eq!(concat.shared_biases, Some(true), "{bias}");
        assert_eq!(concat.bias_size, want, "{bias}");
        assert_eq!(
            concat.bias_parameter_name.is_some(),
            want.is_some(),
            "{bias}"
        );
        let has_bias_param = t
            .model_config
            .parameters
            .iter()
            .any(|p| p.name.ends_with(".wbias"));
        assert_eq!(has_bias_param, want.is_some(), "{bias}");
    }
}
