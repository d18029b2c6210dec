//! seq_slice and sub_nested_seq: the rows and sequence positions they pick, against lists
//! worked out by hand from Paddle's loops (and Paddle's own example for sub_nested_seq).

use crate::support::*;

const CFG: &str = "
from paddle.trainer_config_helpers import *
settings(batch_size=3, learning_rate=1e-3)
x = data_layer(name='x', size=1)
starts = data_layer(name='starts', size=2)
ends = data_layer(name='ends', size=2)
both = seq_slice_layer(input=x, starts=starts, ends=ends)
first = seq_slice_layer(input=x, starts=starts, ends=None)
last = seq_slice_layer(input=x, starts=None, ends=ends)
outputs(both, first, last)
";

const SUB_CFG: &str = "
from paddle.trainer_config_helpers import *
settings(batch_size=3, learning_rate=1e-3)
x = data_layer(name='x', size=1)
sel = data_layer(name='sel', size=3)
sub = sub_nested_seq_layer(input=x, selected_indices=sel)
outputs(sub)
";

fn rows_arg(rows: i64, v: &[f64]) -> Arg {
    Arg::dense(Tensor::from_slice(v).view([rows, -1]))
}

/// The picked rows (x holds each row's number) and the output's positions.
fn picked(
    net: &Network,
    feed: &Feed,
    layer: &str,
) -> (Vec<f64>, Option<Vec<i64>>, Option<Vec<i64>>) {
    let fwd = net.forward(feed, Mode::Test).unwrap();
    let out = fwd.output(layer).unwrap();
    let v = Vec::<f64>::try_from(&out.value.as_ref().unwrap().reshape([-1])).unwrap();
    (v, out.seq_starts.clone(), out.subseq_starts.clone())
}

fn numbered(rows: i64, starts: &[i64], sub: Option<&[i64]>) -> Arg {
    let v: Vec<f64> = (0..rows).map(|r| r as f64).collect();
    let mut a = seq_dense(rows, &v, starts);
    a.subseq_starts = sub.map(|s| s.to_vec());
    a
}

fn slice_feed(x: Arg, starts: &[f64], ends: &[f64], rows: i64) -> Feed {
    let mut feed = Feed::new();
    feed.insert("x".into(), x);
    feed.insert("starts".into(), rows_arg(rows, starts));
    feed.insert("ends".into(), rows_arg(rows, ends));
    feed
}

#[test]
fn seq_slice_over_sequences() {
    let net = net_of(&model_from_text("seq_slice", CFG));
    let x = numbered(7, &[0, 3, 7], None);
    let feed = slice_feed(x, &[1.0, -1.0, 0.0, 2.0], &[2.0, -1.0, 1.0, 3.0], 2);
    let f = |l: &str| {
        let (v, s, sub) = picked(&net, &feed, l);
        assert_eq!(sub, None, "{l}");
        (v, s.unwrap())
    };
    assert_eq!(
        f("__seq_slice_layer_0__"),
        (vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], vec![0, 2, 4, 6])
    );
    assert_eq!(
        f("__seq_slice_layer_1__"),
        (
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 5.0, 6.0],
            vec![0, 2, 6, 8]
        )
    );
    assert_eq!(
        f("__seq_slice_layer_2__"),
        (
            vec![0.0, 1.0, 2.0, 3.0, 4.0, 3.0, 4.0, 5.0, 6.0],
            vec![0, 3, 5, 9]
        )
    );
}

#[test]
fn seq_slice_over_sub_sequences() {
    let net = net_of(&model_from_text("seq_slice", CFG));
    let x = numbered(7, &[0, 3, 7], Some(&[0, 1, 3, 5, 7]));
    let starts = [0.0, -1.0, 1.0, -1.0, 0.0, -1.0, 0.0, 1.0];
    let ends = [0.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, 1.0];
    let feed = slice_feed(x, &starts, &ends, 4);
    let (v, s, sub) = picked(&net, &feed, "__seq_slice_layer_0__");
    assert_eq!(v, vec![0.0, 2.0, 3.0, 4.0, 5.0, 6.0, 6.0]);
    assert_eq!(sub, Some(vec![0, 1, 2, 4, 6, 7]));
    assert_eq!(s, Some(vec![0, 2, 7]));
}

#[test]
fn seq_slice_refuses_a_slice_past_its_sequence() {
    let net = net_of(&model_from_text("seq_slice", CFG));
    let x = numbered(7, &[0, 3, 7], None);
    let feed = slice_feed(x, &[1.0, -1.0, 0.0, 2.0], &[3.0, -1.0, 1.0, 3.0], 2);
    let e = forward_error(&net, &feed);
    assert!(
        e.contains("__seq_slice_layer_0__") && e.contains("outside its 3 rows"),
        "{e}"
    );
}

#[test]
fn seq_slice_refuses_index_rows_other_than_the_sequences() {
    let net = net_of(&model_from_text("seq_slice", CFG));
    let x = numbered(7, &[0, 3, 7], None);
    let feed = slice_feed(
        x,
        &[1.0, -1.0, 0.0, 2.0, 0.0, 0.0],
        &[2.0, -1.0, 1.0, 3.0, 0.0, 0.0],
        3,
    );
    let e = forward_error(&net, &feed);
    assert!(
        e.contains("has 3 rows, one is needed for each of the 2"),
        "{e}"
    );
}

/// The example in SubNestedSequenceLayer.cpp's comment.
#[test]
fn sub_nested_seq_picks_paddles_example_rows() {
    let net = net_of(&model_from_text("sub_nested_seq", SUB_CFG));
    let x = numbered(
        28,
        &[0, 4, 15, 20, 28],
        Some(&[0, 3, 4, 5, 7, 10, 15, 20, 22, 23, 25, 28]),
    );
    let mut feed = Feed::new();
    feed.insert("x".into(), x);
    feed.insert(
        "sel".into(),
        rows_arg(
            4,
            &[
                0.0, 1.0, -1.0, 0.0, 1.0, 2.0, 0.0, -1.0, -1.0, 0.0, 2.0, 3.0,
            ],
        ),
    );
    let fwd = net.forward(&feed, Mode::Test).unwrap();
    let out = fwd.output("__sub_nested_seq_layer_0__").unwrap();
    let v = Vec::<f64>::try_from(&out.value.as_ref().unwrap().reshape([-1])).unwrap();
    let want: Vec<f64> = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27,
    ]
    .iter()
    .map(|&r| r as f64)
    .collect();
    assert_eq!(v, want);
    assert_eq!(
        out.subseq_starts,
        Some(vec![0, 3, 4, 5, 7, 10, 15, 17, 19, 22])
    );
    assert_eq!(out.seq_starts, Some(vec![0, 4, 10, 15, 22]));
}

#[test]
fn sub_nested_seq_refuses_a_missing_sub_sequence() {
    let net = net_of(&model_from_text("sub_nested_seq", SUB_CFG));
    let x = numbered(4, &[0, 4], Some(&[0, 3, 4]));
    let mut feed = Feed::new();
    feed.insert("x".into(), x);
    feed.insert("sel".into(), rows_arg(1, &[2.0, -1.0, -1.0]));
    let e = forward_error(&net, &feed);
    assert!(
        e.contains("sequence 0 has 2 sub-sequences, index 2 was selected"),
        "{e}"
    );
}

#[test]
fn seq_select_gradients() {
    checkgrad("seq_select");
}
