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

/// A cell's activations: active_type (the cell input, or the GRU candidate), the gates',
/// and the LSTM state's.
#[derive(Clone, Copy)]
pub(super) struct Acts {
    pub act: Activation,
    pub gate: Activation,
    pub state: Activation,
}

impl Acts {
    pub fn of(cx: &BuildCx) -> Result<Acts> {
        Ok(Acts {
            act: activation(
                cx,
                cx.cfg.active_type.as_deref().filter(|s| !s.is_empty()),
                "tanh",
            )?,
            gate: activation(cx, cx.cfg.active_gate_type.as_deref(), "sigmoid")?,
            state: activation(cx, cx.cfg.active_state_type.as_deref(), "tanh")?,
        })
    }
}

/// One LSTM step (hl_lstm_ops) over the rows of `g`, the gate pre-activations
/// [in, ig, fg, og] with `h' W` (and any gate bias) already added; `c` is the previous state
/// and `peep` the peephole weights for ig, fg, og. Returns (h, c).
pub(super) fn lstm_cell(
    g: &Tensor,
    c: &Tensor,
    peep: Option<(&Tensor, &Tensor, &Tensor)>,
    acts: Acts,
) -> Result<(Tensor, Tensor), String> {
    let h_size = c.size()[1];
    let part = |k: i64| g.narrow(1, k * h_size, h_size);
    let (i_pre, f_pre) = match peep {
        Some((ci, cf, _)) => (part(1) + c * ci, part(2) + c * cf),
        None => (part(1), part(2)),
    };
    let a = act(acts.act, &part(0))?;
    let i = act(acts.gate, &i_pre)?;
    let f = act(acts.gate, &f_pre)?;
    let c_new = a * i + c * f;
    let o_pre = match peep {
        Some((_, _, co)) => part(3) + &c_new * co,
        None => part(3),
    };
    let o = act(acts.gate, &o_pre)?;
    let h_new = o * act(acts.state, &c_new)?;
    Ok((h_new, c_new))
}

/// One GRU step (hl_gru_ops) over the rows of `x`, the input [u, r, s] with any bias added;
/// `h` is the previous output and `w` the flat [W_ur (H x 2H), W_s (H x H)] weight.
pub(super) fn gru_cell(x: &Tensor, h: &Tensor, w: &Tensor, acts: Acts) -> Result<Tensor, String> {
    let h_size = h.size()[1];
    let w_ur = w
        .narrow(0, 0, h_size * 2 * h_size)
        .view([h_size, 2 * h_size]);
    let w_s = w
        .narrow(0, h_size * 2 * h_size, h_size * h_size)
        .view([h_size, h_size]);
    let ur = x.narrow(1, 0, 2 * h_size) + h.matmul(&w_ur);
    let u = act(acts.gate, &ur.narrow(1, 0, h_size))?;
    let r = act(acts.gate, &ur.narrow(1, h_size, h_size))?;
    let s = act(
        acts.act,
        &(x.narrow(1, 2 * h_size, h_size) + (h * r).matmul(&w_s)),
    )?;
    Ok(h - &u * h + u * s)
}

impl Recurrent {
    fn acts(&self) -> Acts {
        Acts {
            act: self.act,
            gate: self.gate,
            state: self.state,
        }
    }
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
                    let peep = peep.as_ref().map(|(i, f, o)| (i, f, o));
                    lstm_cell(&g, &c, peep, self.acts())?
                }
                Cell::Simple => {
                    let h_new = act(self.act, &(xt + h.matmul(&w.view([h_size, h_size]))))?;
                    (h_new, c.shallow_clone())
                }
                Cell::Gru => (gru_cell(&xt, &h, w, self.acts())?, c.shallow_clone()),
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

/// lstm_step (LstmStepLayer) and gru_step (GruStepLayer): one step of the cells above, for
/// the step of a recurrent layer group. lstm_step reads [gates (4H), previous state] and
/// outputs h, with the new state as its "state" output (get_output reads it); its bias is
/// the 3H peepholes only. gru_step reads [input (3H), previous output] with its own [H, 3H]
/// weight and a 3H bias added to the input.
pub fn build_step(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(2..=2)?;
    let h = cx.size();
    let lstm = cx.cfg.r#type == "lstm_step";
    let gates = if lstm { 4 } else { 3 };
    if cx.input_size(0)? != gates * h || cx.input_size(1)? != h {
        return Err(cx.err(format!(
            "inputs of sizes {} and {} must be {gates} x and 1 x the layer size {h}",
            cx.input_size(0)?,
            cx.input_size(1)?
        )));
    }
    let acts = Acts::of(cx)?;
    let bias = cx.bias(3 * h)?;
    Ok(if lstm {
        Box::new(LstmStep { bias, acts })
    } else {
        Box::new(GruStep {
            weight: cx.input_param(0, 3 * h * h)?,
            bias,
            acts,
        })
    })
}

struct LstmStep {
    bias: Option<String>,
    acts: Acts,
}

/// The rows of a step's two inputs must agree: each row is one sequence still running.
fn same_rows(inputs: &[&Arg]) -> Result<(), String> {
    let (a, b) = (inputs[0].rows(), inputs[1].rows());
    if a == b {
        Ok(())
    } else {
        Err(format!(
            "its inputs have {a} and {b} rows; a step reads one row per sequence from each"
        ))
    }
}

impl Layer for LstmStep {
    fn applies_own_activation(&self) -> bool {
        true
    }

    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        same_rows(inputs)?;
        let g = value(inputs[0], "input")?;
        let c = value(inputs[1], "state")?;
        let (h_new, c_new) = match &self.bias {
            Some(b) => {
                let b = cx.param(b)?;
                let h_size = c.size()[1];
                let (ci, cf, co) = (
                    b.narrow(0, 0, h_size),
                    b.narrow(0, h_size, h_size),
                    b.narrow(0, 2 * h_size, h_size),
                );
                lstm_cell(g, c, Some((&ci, &cf, &co)), self.acts)?
            }
            None => lstm_cell(g, c, None, self.acts)?,
        };
        let mut state = Arg::dense(c_new);
        state.seq_starts = inputs[0].seq_starts.clone();
        state.subseq_starts = inputs[0].subseq_starts.clone();
        let mut out = Arg::dense(h_new);
        out.others.push(("state".into(), state));
        Ok(out)
    }
}

struct GruStep {
    weight: String,
    bias: Option<String>,
    acts: Acts,
}

impl Layer for GruStep {
    fn applies_own_activation(&self) -> bool {
        true
    }

    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        same_rows(inputs)?;
        let x = value(inputs[0], "input")?;
        let h = value(inputs[1], "output_mem")?;
        let x = match &self.bias {
            Some(b) => x + cx.param(b)?,
            None => x.shallow_clone(),
        };
        Ok(Arg::dense(gru_cell(
            &x,
            h,
            cx.param(&self.weight)?,
            self.acts,
        )?))
    }
}
