//! `switch_order` (SwitchOrderLayer.cpp): an image's values from NCHW to NHWC order, then
//! viewed as Paddle reshapes its output: the product of the dims before `reshape_conf`'s
//! first width axis as rows, the rest as the row width (the config's size). With
//! reshape_axis=3 each pixel becomes a row of its channels.

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct SwitchOrder {
    chw: [i64; 3],
    size: i64,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=1)?;
    let name = &cx.cfg.inputs[0].input_layer_name;
    let input = cx
        .model
        .layer(name)
        .ok_or_else(|| cx.err(format!("input '{name}' is not a layer of the model")))?;
    // Paddle reads the input's frame height and width, as the image layers before it set them.
    let (h, w) = match (input.height, input.width) {
        (Some(h), Some(w)) if h > 0 && w > 0 => (h as i64, w as i64),
        _ => return Err(cx.err(format!("input '{name}' has no image height and width"))),
    };
    let total = input.size() as i64;
    if total % (h * w) != 0 || input.depth.unwrap_or(1) > 1 {
        return Err(cx.err(format!(
            "input '{name}' of size {total} is not a 2-D image of {h}x{w}"
        )));
    }
    let c = total / (h * w);
    let size = cx.size();
    if size == 0 || total % size != 0 {
        return Err(cx.err(format!(
            "size {size} does not divide the input's {total} values"
        )));
    }
    Ok(Box::new(SwitchOrder {
        chw: [c, h, w],
        size,
    }))
}

impl Layer for SwitchOrder {
    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "the input")?;
        let [c, h, w] = self.chw;
        let n = x.size()[0];
        Ok(Arg::dense(
            x.view([n, c, h, w])
                .permute([0, 2, 3, 1])
                .reshape([-1, self.size]),
        ))
    }
}
