//! crop and blockexpand.

use crate::support::*;

#[test]
fn crop_takes_the_window_at_the_offset() {
    // 1 channel 3x3 cropped from row 1, column 0 to the 2x2 reference's size.
    let text = r#"layers { name: "x" type: "data" size: 9 height: 3 width: 3 }
layers { name: "ref" type: "data" size: 4 height: 2 width: 2 }
layers { name: "c" type: "crop" size: 4 inputs { input_layer_name: "x" }
  inputs { input_layer_name: "ref" } axis: 2 offset: 1 offset: 0 }
output_layer_names: "c""#;
    let x: Vec<f64> = (0..9).map(f64::from).collect();
    let f = feed(vec![("x", dense(1, &x)), ("ref", dense(1, &[0.0; 4]))]);
    assert_close(&output(&net(text), &f, "c"), &[3.0, 4.0, 6.0, 7.0], 0.0);
    // The same through `shape` instead of a reference input.
    let text = r#"layers { name: "x" type: "data" size: 9 height: 3 width: 3 }
layers { name: "c" type: "crop" size: 2 inputs { input_layer_name: "x" }
  axis: 2 offset: 2 offset: 1 shape: 1 shape: 2 }
output_layer_names: "c""#;
    let f = feed(vec![("x", dense(1, &x))]);
    assert_close(&output(&net(text), &f, "c"), &[7.0, 8.0], 0.0);
}

#[test]
fn blockexpand_turns_each_image_into_a_sequence_of_blocks() {
    let text = r#"layers { name: "x" type: "data" size: 9 height: 3 width: 3 }
layers { name: "b" type: "blockexpand" size: 4 inputs { input_layer_name: "x"
  block_expand_conf { channels: 1 stride_x: 2 stride_y: 2 padding_x: 0 padding_y: 0
    block_x: 2 block_y: 2 output_x: 0 output_y: 0 img_size_x: 0 img_size_y: 0 } } }
output_layer_names: "b""#;
    let x: Vec<f64> = (1..=9).map(f64::from).collect();
    let fwd = net(text)
        .forward(&feed(vec![("x", dense(1, &x))]), Mode::Test)
        .unwrap();
    let b = fwd.output("b").unwrap();
    // Blocks at (0,0), (0,2), (2,0), (2,2); the partial ones are zero-padded (ceil count).
    assert_close(
        &values(b.value.as_ref().unwrap()),
        &[
            1.0, 2.0, 4.0, 5.0, 3.0, 0.0, 6.0, 0.0, 7.0, 8.0, 0.0, 0.0, 9.0, 0.0, 0.0, 0.0,
        ],
        0.0,
    );
    assert_eq!(b.seq_starts, Some(vec![0, 4]));
}
