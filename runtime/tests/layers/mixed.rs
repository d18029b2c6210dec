//! mixed-layer projections: context_projection within sequences.

use crate::support::*;

/// context projection: neighbours within each sequence, zeros or trainable padding outside.
#[test]
fn context_projection_gathers_neighbours_within_sequences() {
    let model_text = |trainable: bool| {
        let pad = if trainable {
            r#"input_parameter_name: "pad""#
        } else {
            ""
        };
        format!(
            r#"layers {{ name: "x" type: "data" size: 1 }}
layers {{ name: "c" type: "mixed" size: 3 inputs {{ input_layer_name: "x" {pad}
  proj_conf {{ type: "context" name: "pad" input_size: 1 output_size: 3 context_start: -1
    context_length: 3 trainable_padding: {trainable} }} }} }}
parameters {{ name: "pad" size: 2 dims: 2 dims: 1 }}
output_layer_names: "c""#
        )
    };
    let mut x = dense(4, &[1.0, 2.0, 3.0, 4.0]);
    x.seq_starts = Some(vec![0, 3, 4]);
    let f = feed(vec![("x", x)]);
    // rows: [prev, self, next] inside each sequence
    assert_close(
        &output(&net(&model_text(false)), &f, "c"),
        &[0.0, 1.0, 2.0, 1.0, 2.0, 3.0, 2.0, 3.0, 0.0, 0.0, 4.0, 0.0],
        0.0,
    );
    let mut n = net(&model_text(true));
    set(&mut n, "pad", &[-7.0, 9.0]); // one row before the start, one after the end
    assert_close(
        &output(&n, &f, "c"),
        &[-7.0, 1.0, 2.0, 1.0, 2.0, 3.0, 2.0, 3.0, 9.0, -7.0, 4.0, 9.0],
        0.0,
    );
}
