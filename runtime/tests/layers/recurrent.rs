//! lstmemory, grumemory and recurrent against plain loops of Paddle's cell formulas.

use crate::support::*;

/// LSTM and GRU against plain loops of Paddle's cell formulas (hl_lstm_ops, hl_gru_ops), two
/// sequences of 3 and 1 steps, forward and reversed.
#[test]
fn recurrent_cells_match_paddles_formulas() {
    let h = 2usize;
    let starts = vec![0i64, 3, 4];
    for reversed in [false, true] {
        // ---- LSTM
        let text = format!(
            r#"layers {{ name: "x" type: "data" size: 8 }}
layers {{ name: "l" type: "lstmemory" size: 2 active_type: "tanh"
  inputs {{ input_layer_name: "x" input_parameter_name: "w" }} bias_parameter_name: "b"
  reversed: {reversed} active_gate_type: "sigmoid" active_state_type: "tanh" }}
parameters {{ name: "w" size: 16 dims: 2 dims: 2 dims: 4 }}
parameters {{ name: "b" size: 14 dims: 1 dims: 14 }}
output_layer_names: "l""#
        );
        let mut n = net(&text);
        let w: Vec<f64> = ramp(16, 0.4).iter().map(|v| v * 0.3).collect();
        let b: Vec<f64> = ramp(14, 1.3).iter().map(|v| v * 0.2).collect();
        set(&mut n, "w", &w);
        set(&mut n, "b", &b);
        let w: Vec<f64> = w.iter().map(|&v| v as f32 as f64).collect();
        let b: Vec<f64> = b.iter().map(|&v| v as f32 as f64).collect();
        let x = ramp(32, 2.2);
        let mut arg = dense(4, &x);
        arg.seq_starts = Some(starts.clone());
        let got = output(&n, &feed(vec![("x", arg)]), "l");
        let mut want = vec![0.0; 8];
        for seq in starts.windows(2) {
            let (mut hp, mut cp) = (vec![0.0; h], vec![0.0; h]);
            let order: Vec<i64> = if reversed {
                (seq[0]..seq[1]).rev().collect()
            } else {
                (seq[0]..seq[1]).collect()
            };
            for r in order {
                let r = r as usize;
                // gate value g[k] = x[r, k] + sum_j h'[j] W[j, k] + b[k], W is [H, 4H]
                let g: Vec<f64> = (0..4 * h)
                    .map(|k| {
                        x[r * 8 + k] + (0..h).map(|j| hp[j] * w[j * 4 * h + k]).sum::<f64>() + b[k]
                    })
                    .collect();
                let mut hn = vec![0.0; h];
                let mut cn = vec![0.0; h];
                for q in 0..h {
                    let a = g[q].tanh();
                    let i = sigmoid(g[h + q] + cp[q] * b[4 * h + q]);
                    let f = sigmoid(g[2 * h + q] + cp[q] * b[5 * h + q]);
                    cn[q] = a * i + cp[q] * f;
                    let o = sigmoid(g[3 * h + q] + cn[q] * b[6 * h + q]);
                    hn[q] = o * cn[q].tanh();
                    want[r * h + q] = hn[q];
                }
                hp = hn;
                cp = cn;
            }
        }
        assert_close(&got, &want, 1e-9);

        // ---- GRU
        let text = format!(
            r#"layers {{ name: "x" type: "data" size: 6 }}
layers {{ name: "g" type: "gated_recurrent" size: 2 active_type: "tanh"
  inputs {{ input_layer_name: "x" input_parameter_name: "w" }} bias_parameter_name: "b"
  reversed: {reversed} active_gate_type: "sigmoid" }}
parameters {{ name: "w" size: 12 dims: 2 dims: 6 }}
parameters {{ name: "b" size: 6 dims: 1 dims: 6 }}
output_layer_names: "g""#
        );
        let mut n = net(&text);
        let w: Vec<f64> = ramp(12, 0.8).iter().map(|v| v * 0.4).collect();
        let b: Vec<f64> = ramp(6, 0.1).iter().map(|v| v * 0.3).collect();
        set(&mut n, "w", &w);
        set(&mut n, "b", &b);
        let w: Vec<f64> = w.iter().map(|&v| v as f32 as f64).collect();
        let b: Vec<f64> = b.iter().map(|&v| v as f32 as f64).collect();
        let x = ramp(24, 0.6);
        let mut arg = dense(4, &x);
        arg.seq_starts = Some(starts.clone());
        let got = output(&n, &feed(vec![("x", arg)]), "g");
        let mut want = vec![0.0; 8];
        for seq in starts.windows(2) {
            let mut hp = vec![0.0; h];
            let order: Vec<i64> = if reversed {
                (seq[0]..seq[1]).rev().collect()
            } else {
                (seq[0]..seq[1]).collect()
            };
            for r in order {
                let r = r as usize;
                let xb: Vec<f64> = (0..3 * h).map(|k| x[r * 6 + k] + b[k]).collect();
                // W_ur is [H, 2H] (first 2H*H values), W_s is [H, H] after it
                let ur: Vec<f64> = (0..2 * h)
                    .map(|k| xb[k] + (0..h).map(|j| hp[j] * w[j * 2 * h + k]).sum::<f64>())
                    .collect();
                let u: Vec<f64> = (0..h).map(|q| sigmoid(ur[q])).collect();
                let rg: Vec<f64> = (0..h).map(|q| sigmoid(ur[h + q])).collect();
                let hn: Vec<f64> = (0..h)
                    .map(|q| {
                        let s = (xb[2 * h + q]
                            + (0..h)
                                .map(|j| hp[j] * rg[j] * w[2 * h * h + j * h + q])
                                .sum::<f64>())
                        .tanh();
                        hp[q] - u[q] * hp[q] + u[q] * s
                    })
                    .collect();
                for q in 0..h {
                    want[r * h + q] = hn[q];
                }
                hp = hn;
            }
        }
        assert_close(&got, &want, 1e-9);
    }
}

/// recurrent (RecurrentLayer): h_t = act(x_t + b + h_{t-1} W), per sequence.
#[test]
fn simple_recurrent_layer_matches_loops() {
    let text = r#"layers { name: "x" type: "data" size: 2 }
layers { name: "r" type: "recurrent" size: 2 active_type: "tanh"
  inputs { input_layer_name: "x" input_parameter_name: "w" } bias_parameter_name: "b" reversed: false }
parameters { name: "w" size: 4 dims: 2 dims: 2 }
parameters { name: "b" size: 2 dims: 1 dims: 2 }
output_layer_names: "r""#;
    let mut n = net(text);
    set(&mut n, "w", &[0.5, -0.25, 0.75, 1.0]);
    set(&mut n, "b", &[0.125, -0.5]);
    let x = [1.0, 0.0, -1.0, 2.0, 0.5, 0.5];
    let mut arg = dense(3, &x);
    arg.seq_starts = Some(vec![0, 2, 3]);
    let got = output(&n, &feed(vec![("x", arg)]), "r");
    let w = [[0.5, -0.25], [0.75, 1.0]];
    let b = [0.125, -0.5];
    let mut want = Vec::new();
    for seq in [0..2usize, 2..3] {
        let mut hp = [0.0f64; 2];
        for r in seq {
            let hn: Vec<f64> = (0..2)
                .map(|k| (x[r * 2 + k] + b[k] + hp[0] * w[0][k] + hp[1] * w[1][k]).tanh())
                .collect();
            want.extend(&hn);
            hp = [hn[0], hn[1]];
        }
    }
    assert_close(&got, &want, 1e-12);
}
