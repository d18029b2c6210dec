//! roi_pool (ROIPoolLayer): max pooling of a feature map over regions of interest.
//!
//! Input 0 is the feature map ([N, C*H*W]); input 1 holds one region per row, whose first
//! five values are [batch_idx, x1, y1, x2, y2] in image coordinates. The output has one row
//! per region: C x pooled_height x pooled_width maxima. As in Paddle, corners are
//! round(v * spatial_scale), the region spans end - start + 1 cells (at least 1), and bin
//! (ph, pw) covers rows floor(ph * bin_h) .. ceil((ph + 1) * bin_h) (in float32, like Paddle's
//! `real`), offset by the region's start and clipped to the map; an empty bin gives 0.
//!
//! Two deliberate departures from Paddle's C++: a bin's maximum starts from minus infinity
//! (Paddle compares against the output buffer it never initialised, Caffe's rule is the
//! intended one), and the gradient reaches cell 0 of a channel (Paddle's backward tests
//! `argmax > 0` and drops it). Coordinates below 0 are clipped to 0. Regions carry no
//! gradient, as in Paddle.

use tch::{Kind, Tensor};

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct RoiPool {
    channels: i64,
    height: i64,
    width: i64,
    pooled_h: i64,
    pooled_w: i64,
    scale: f64,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(2..=2)?;
    let conf = cx.cfg.inputs[0]
        .roi_pool_conf
        .as_ref()
        .ok_or_else(|| cx.err("input 0 has no roi_pool_conf"))?;
    let source = &cx.cfg.inputs[0].input_layer_name;
    let frame = cx.model.layer(source);
    let dim = |layer: Option<u64>, conf: Option<u32>| -> i64 {
        layer
            .filter(|&v| v > 0)
            .map(|v| v as i64)
            .or(conf.filter(|&v| v > 0).map(i64::from))
            .unwrap_or(0)
    };
    let height = dim(frame.and_then(|l| l.height), conf.height);
    let width = dim(frame.and_then(|l| l.width), conf.width);
    if height == 0 || width == 0 {
        return Err(cx.err(format!(
            "the height and width of input '{source}' are unknown (set them on the input layer)"
        )));
    }
    let in_size = cx.input_size(0)?;
    if in_size % (height * width) != 0 {
        return Err(cx.err(format!(
            "input size {in_size} is not a whole number of {height}x{width} channels"
        )));
    }
    let channels = in_size / (height * width);
    let (pooled_h, pooled_w) = (conf.pooled_height as i64, conf.pooled_width as i64);
    if pooled_h == 0 || pooled_w == 0 {
        return Err(cx.err("pooled_height and pooled_width must be positive"));
    }
    if cx.size() != channels * pooled_h * pooled_w {
        return Err(cx.err(format!(
            "size {} is not {channels} channels of {pooled_h}x{pooled_w}",
            cx.size()
        )));
    }
    if cx.input_size(1)? < 5 {
        return Err(cx.err(format!(
            "the regions input has {} values a row; it needs [batch_idx, x1, y1, x2, y2]",
            cx.input_size(1)?
        )));
    }
    Ok(Box::new(RoiPool {
        channels,
        height,
        width,
        pooled_h,
        pooled_w,
        scale: conf.spatial_scale.as_f64(),
    }))
}

/// One axis of Paddle's bin rule: the [start, end) cells of `bins` bins over a region whose
/// corners are `lo` and `hi` (already scaled and rounded), clipped to `limit` cells.
pub fn roi_bins(lo: i64, hi: i64, bins: i64, limit: i64) -> Vec<(i64, i64)> {
    let lo = lo.max(0);
    let extent = (hi - lo + 1).max(1);
    let bin = extent as f32 / bins as f32;
    (0..bins)
        .map(|p| {
            let start = (p as f32 * bin).floor() as i64;
            let end = ((p + 1) as f32 * bin).ceil() as i64;
            ((start + lo).min(limit), (end + lo).min(limit))
        })
        .collect()
}

impl RoiPool {
    /// For every region and bin, the flat cell indices of the bin padded with `pad` (a cell
    /// that holds minus infinity), the region's batch row, and which bins are empty.
    fn windows(&self, rois: &[f64], width: usize, batch: i64) -> Result<Plan, String> {
        let cells = self.height * self.width;
        let regions = rois.len() / width;
        let bins = (self.pooled_h * self.pooled_w) as usize;
        let mut rows = Vec::with_capacity(regions);
        let mut lists: Vec<Vec<i64>> = Vec::with_capacity(regions * bins);
        for r in 0..regions {
            let roi = &rois[r * width..r * width + 5];
            // Paddle converts the float to size_t, which truncates toward zero.
            let b = roi[0].trunc();
            if !(0.0..batch as f64).contains(&b) {
                return Err(format!(
                    "region {r}: batch_idx {} is not a row of the feature map's batch of {batch}",
                    roi[0]
                ));
            }
            rows.push(b as i64);
            // Paddle scales and rounds in float32 (`real`).
            let corner = |v: f64| ((v as f32) * (self.scale as f32)).round() as i64;
            let ys = roi_bins(corner(roi[2]), corner(roi[4]), self.pooled_h, self.height);
            let xs = roi_bins(corner(roi[1]), corner(roi[3]), self.pooled_w, self.width);
            for &(h0, h1) in &ys {
                for &(w0, w1) in &xs {
                    let mut list = Vec::new();
                    for h in h0..h1 {
                        for w in w0..w1 {
                            list.push(h * self.width + w);
                        }
                    }
                    lists.push(list);
                }
            }
        }
        let longest = lists.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let mut index = Vec::with_capacity(lists.len() * longest);
        let mut empty = Vec::with_capacity(lists.len());
        for list in &lists {
            empty.push(list.is_empty());
            index.extend_from_slice(list);
            index.resize(index.len() + longest - list.len(), cells);
        }
        Ok(Plan {
            rows,
            index,
            empty,
            longest: longest as i64,
        })
    }
}

struct Plan {
    rows: Vec<i64>,
    index: Vec<i64>,
    empty: Vec<bool>,
    longest: i64,
}

impl Layer for RoiPool {
    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "feature map input")?;
        let rois = value(inputs[1], "regions input")?;
        let width = rois.size().get(1).copied().unwrap_or(0) as usize;
        if width < 5 {
            return Err(format!(
                "the regions input has {width} values a row; it needs [batch_idx, x1, y1, x2, y2]"
            ));
        }
        let roi_values = Vec::<f64>::try_from(
            &rois
                .detach()
                .to_device(tch::Device::Cpu)
                .to_kind(Kind::Double)
                .reshape([-1]),
        )
        .map_err(|e| e.to_string())?;
        let n = x.size()[0];
        let plan = self.windows(&roi_values, width, n)?;
        let regions = plan.rows.len() as i64;
        let bins = self.pooled_h * self.pooled_w;
        let device = x.device();
        let cells = self.height * self.width;
        let map = x.reshape([n, self.channels, cells]);
        let pad = Tensor::full([n, self.channels, 1], f64::NEG_INFINITY, (x.kind(), device));
        let map = Tensor::cat(&[map, pad], 2);
        let rows = Tensor::from_slice(&plan.rows).to_device(device);
        let index = Tensor::from_slice(&plan.index)
            .to_device(device)
            .view([regions, 1, bins * plan.longest])
            .expand([regions, self.channels, bins * plan.longest], false);
        let picked = map.index_select(0, &rows).gather(2, &index, false).view([
            regions,
            self.channels,
            bins,
            plan.longest,
        ]);
        let (maxima, _) = picked.max_dim(3, false);
        let empty = Tensor::from_slice(&plan.empty)
            .to_device(device)
            .view([regions, 1, bins]);
        let y = maxima.masked_fill(&empty, 0.0);
        Ok(Arg::dense(y.reshape([regions, -1])))
    }

    /// The output has a row per region, not per input row.
    fn keeps_sequence(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::roi_bins;

    #[test]
    fn bins_follow_paddles_floor_ceil_rule() {
        // A 3-cell region in 2 bins: [0, 2) and [1, 3), overlapping as in Paddle.
        assert_eq!(roi_bins(4, 6, 2, 100), vec![(4, 6), (5, 7)]);
        // Clipped to the map; a region past the edge gives empty bins.
        assert_eq!(roi_bins(9, 12, 2, 10), vec![(9, 10), (10, 10)]);
        // end < start still spans one cell.
        assert_eq!(roi_bins(3, 1, 2, 10), vec![(3, 4), (3, 4)]);
    }
}
