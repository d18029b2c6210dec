//! Paddle's activations (activations.py / ActivationFunction.cpp), by their `active_type`
//! names. Where Paddle clips (brelu at 24, softrelu's input at ±40) we clip the same way.

use tch::Tensor;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Linear,
    Sigmoid,
    Tanh,
    Softmax,
    SequenceSoftmax,
    Relu,
    BRelu,
    SoftRelu,
    STanh,
    Abs,
    Square,
    Exponential,
    Reciprocal,
    Sqrt,
    Log,
    SoftSign,
}

impl Activation {
    /// `None` for a name Paddle does not define.
    pub fn from_name(name: &str) -> Option<Activation> {
        use Activation::*;
        Some(match name {
            "" | "linear" => Linear,
            "sigmoid" => Sigmoid,
            "tanh" => Tanh,
            "softmax" => Softmax,
            "sequence_softmax" => SequenceSoftmax,
            "relu" => Relu,
            "brelu" => BRelu,
            "softrelu" => SoftRelu,
            "stanh" => STanh,
            "abs" => Abs,
            "square" => Square,
            "exponential" => Exponential,
            "reciprocal" => Reciprocal,
            "sqrt" => Sqrt,
            "log" => Log,
            "softsign" => SoftSign,
            _ => return None,
        })
    }

    /// Whether each output value depends on its input value alone (so any tensor shape and
    /// memory layout will do): all but the softmaxes, which normalize rows.
    pub fn is_elementwise(self) -> bool {
        !matches!(self, Activation::Softmax | Activation::SequenceSoftmax)
    }

    /// Applies the activation to [rows, size] values. `seq_starts` is needed only by
    /// sequence_softmax, which normalizes each sequence's column of scalars.
    pub fn apply(self, x: &Tensor, seq_starts: Option<&[i64]>) -> Result<Tensor, String> {
        use Activation::*;
        Ok(match self {
            Linear => x.shallow_clone(),
            Sigmoid => x.sigmoid(),
            Tanh => x.tanh(),
            Softmax => x.softmax(-1, x.kind()),
            SequenceSoftmax => {
                let starts = seq_starts.ok_or(
                    "sequence_softmax needs sequence input, but the input is not a sequence",
                )?;
                if x.size()[1] != 1 {
                    return Err(format!(
                        "sequence_softmax needs size 1 per time step, got {}",
                        x.size()[1]
                    ));
                }
                let parts: Vec<Tensor> = starts
                    .windows(2)
                    .map(|w| x.narrow(0, w[0], w[1] - w[0]).softmax(0, x.kind()))
                    .collect();
                Tensor::cat(&parts, 0)
            }
            Relu => x.relu(),
            BRelu => x.clamp(0.0, 24.0),
            SoftRelu => x.clamp(-40.0, 40.0).exp().log1p(),
            STanh => (x * (2.0 / 3.0)).tanh() * 1.7159,
            Abs => x.abs(),
            Square => x.square(),
            Exponential => x.exp(),
            Reciprocal => x.reciprocal(),
            Sqrt => x.sqrt(),
            Log => x.log(),
            SoftSign => x / (x.abs() + 1.0),
        })
    }
}
