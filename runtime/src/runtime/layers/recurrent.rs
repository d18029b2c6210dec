//! lstmemory (LstmLayer), gated_recurrent (GatedRecurrentLayer, grumemory) and recurrent
//! (RecurrentLayer: h = act(x + b + h' W), W [H, H]) over sequences.
//! Their input is already projected (4H for LSTM, 3H for GRU, usually by a mixed or fc
//! layer); the layer adds the recurrent term step by step, each sequence on its own, last
//! step first when `reversed`. They apply their own activations (active_type on the cell
//! input, active_gate_type on the gates, active_state_type on the LSTM state), so the network
//! does not apply active_type again.
//!
//! LSTM (hl_lstm_ops): gates [in, ig, fg, og] = x + h W + b[0..4H], W [H, 4H];
//! peepholes b[4H..7H] for ig, fg, og;
//! a = act(in); i = gate(ig + c' ci); f = gate(fg + c' cf); c = a i + c' f;
//! o = gate(og + c co); h = o state_act(c).
//! GRU (hl_gru_ops): gates [u, r, s] = x + b; W = [W_ur (H x 2H), W_s (H x H)];
//! u, r = gate([u, r] + h' W_ur); s = act(s + (h' r) W_s); h = h' - u h' + u s.

use tch::Tensor;

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::activation::Activation;
use crate::runtime::error::Result;

#[derive(Clone, Copy, PartialEq)]
enum Cell {
    Lstm,
    Gru,
    Simple,
}

struct Recurrent {
    cell: Cell,
    size: i64,
    weight: String,
    bias: Option<String>,
    reversed: bool,
    act: Activation,
    gate: Activation,
    state: Activation,
}

fn activation(cx: &BuildCx, name: Option<&str>, default: &str) -> Result<Activation> {
    let name = name.unwrap_or(default);
    Activation::from_name(name).ok_or_else(|| cx.err(format!("activation '{name}' is unknown")))
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=1)?;
    let cell = match cx.cfg.r#type.as_str() {
        "lstmemory" => Cell::Lstm,
        "gated_recurrent" => Cell::Gru,
        _ => Cell::Simple,
    };
    let h = cx.size();
    let gates = match cell {
        Cell::Lstm => 4,
        Cell::Gru => 3,
        Cell::Simple => 1,
    };
    if cx.input_size(0)? != gates * h {
        return Err(cx.err(format!(
            "input size {} must be {gates} x the layer size {h}",
            cx.input_size(0)?
        )));
    }
    let bias_size = match cell {
        Cell::Lstm => 7 * h,
        Cell::Gru => 3 * h,
        Cell::Simple => h,
    };
    Ok(Box::new(Recurrent {
        cell,
        size: h,
        weight: cx.input_param(0, h * h * gates)?,
        bias: cx.bias(bias_size)?,
        reversed: cx.cfg.reversed.unwrap_or(false),
        act: activation(
            cx,
            cx.cfg.active_type.as_deref().filter(|s| !s.is_empty()),
            "tanh",
        )?,
        gate: activation(cx, cx.cfg.active_gate_type.as_deref(), "sigmoid")?,
        state: activation(cx, cx.cfg.active_state_type.as_deref(), "tanh")?,
    }))
}

fn act(a: Activation, x: &Tensor) -> Result<Tensor, String> {
    a.apply(x, None)
}

impl Layer for Recurrent {
    fn applies_own_activation(&self) -> bool {
        true
    }

    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "input")?;
        let starts = inputs[0]
            .seq_starts
            .as_ref()
            .ok_or("needs sequence input, but its input carries no sequence start positions")?;
        let h_size = self.size;
        let lens: Vec<i64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
        let s = lens.len() as i64;
        let steps = lens.iter().copied().max().unwrap_or(0);
        let dev = x.device();
        let kind = x.kind();
        let x = match (&self.bias, self.cell) {
            (Some(b), Cell::Lstm) => x + cx.param(b)?.narrow(0, 0, 4 * h_size),
            (Some(b), Cell::Gru | Cell::Simple) => x + cx.param(b)?,
            (None, _) => x.shallow_clone(),
        };
        let w = cx.param(&self.weight)?;
        let peep = match (&self.bias, self.cell) {
            (Some(b), Cell::Lstm) => {
                let b = cx.param(b)?;
                Some((
                    b.narrow(0, 4 * h_size, h_size),
                    b.narrow(0, 5 * h_size, h_size),
                    b.narrow(0, 6 * h_size, h_size),
                ))
            }
            _ => None,
        };
        let mut h = Tensor::zeros([s, h_size], (kind, dev));
        let mut c = Tensor::zeros([s, h_size], (kind, dev));
        let mut outs = Vec::with_capacity(steps as usize);
        // For each output row, its position in the stacked [steps * S, H] states.
        let mut place = vec![0i64; x.size()[0] as usize];
        for t in 0..steps {
            let mut rows = Vec::with_capacity(s as usize);
            let mut live = Vec::with_capacity(s as usize);
            for (k, (&start, &len)) in starts.iter().zip(&lens).enumerate() {
                let active = t < len;
                let row = if !active {
                    start.min(x.size()[0] - 1).max(0)
                } else if self.reversed {
                    start + len - 1 - t
                } else {
                    start + t
                };
                if active {
                    place[row as usize] = t * s + k as i64;
                }
                rows.push(row);
                live.push(if active { 1.0 } else { 0.0 });
            }
            let xt = x.index_select(0, &Tensor::from_slice(&rows).to_device(dev));
            let mask = Tensor::from_slice(&live)
                .to_kind(kind)
                .to_device(dev)
                .unsqueeze(1);
            let (h_new, c_new) = match self.cell {
                Cell::Lstm => {
                    let g = xt + h.matmul(&w.view([h_size, 4 * h_size]));
                    let part = |k: i64| g.narrow(1, k * h_size, h_size);
                    let (ci, cf, co) = match &peep {
                        Some((i, f, o)) => {
                            (i.shallow_clone(), f.shallow_clone(), o.shallow_clone())
                        }
                        None => {
                            let z = Tensor::zeros([h_size], (kind, dev));
                            (z.shallow_clone(), z.shallow_clone(), z)
                        }
                    };
                    let a = act(self.act, &part(0))?;
                    let i = act(self.gate, &(part(1) + &c * &ci))?;
                    let f = act(self.gate, &(part(2) + &c * &cf))?;
                    let c_new = a * i + &c * f;
                    let o = act(self.gate, &(part(3) + &c_new * &co))?;
                    let h_new = o * act(self.state, &c_new)?;
                    (h_new, c_new)
                }
                Cell::Simple => {
                    let h_new = act(self.act, &(xt + h.matmul(&w.view([h_size, h_size]))))?;
                    (h_new, c.shallow_clone())
                }
                Cell::Gru => {
                    let w_ur = w
                        .narrow(0, 0, h_size * 2 * h_size)
                        .view([h_size, 2 * h_size]);
                    let w_s = w
                        .narrow(0, h_size * 2 * h_size, h_size * h_size)
                        .view([h_size, h_size]);
                    let ur = xt.narrow(1, 0, 2 * h_size) + h.matmul(&w_ur);
                    let u = act(self.gate, &ur.narrow(1, 0, h_size))?;
                    let r = act(self.gate, &ur.narrow(1, h_size, h_size))?;
                    let st = act(
                        self.act,
                        &(xt.narrow(1, 2 * h_size, h_size) + (&h * r).matmul(&w_s)),
                    )?;
                    let h_new = &h - &u * &h + u * st;
                    (h_new, c.shallow_clone())
                }
            };
            // Finished sequences keep their state.
            let keep = mask.ones_like() - &mask;
            h = &h_new * &mask + &h * &keep;
            c = &c_new * &mask + &c * &keep;
            outs.push(h_new);
        }
        let stacked = Tensor::cat(&outs, 0);
        let y = stacked.index_select(0, &Tensor::from_slice(&place).to_device(dev));
        Ok(Arg {
            value: Some(y),
            seq_starts: inputs[0].seq_starts.clone(),
            subseq_starts: inputs[0].subseq_starts.clone(),
            ..Default::default()
        })
    }
}
