//! The input of `paddlers predict` / `extract` for one image file, as the tutorial's
//! `classify.py` makes it (without `--multi_crop`): resize to size x size ignoring the aspect
//! ratio (PIL's `ANTIALIAS`, a Lanczos filter), lay out as C x H x W, subtract the mean.
//!
//! The mean is always the one training subtracted (see `PredictMean`): classify.py's silent
//! ImageNet fallback made a prediction depend on the working directory.
//!
//! classify.py also swaps the channels to B, G, R (`set_channel_swap((2,1,0))`) although the
//! CIFAR batches it trained on are R, G, B; that is a slip in the tutorial, so the swap is off
//! by default here and `bgr: true` reproduces it.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use ndarray::Array1;

use crate::builtin::cifar::load_mean;
use crate::error::{ProviderError, Result};

/// What is subtracted from every input, as training subtracted it.
#[derive(Debug, Clone, PartialEq)]
pub enum PredictMean {
    /// A mean file (`mean_path`, `--mean`): per pixel (3 * size * size) or per channel.
    File(PathBuf),
    /// `mean_value`: one value per channel.
    PerChannel(Vec<f32>),
    /// Training subtracted nothing (its data source names no mean).
    Zero,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PredictImageOptions {
    /// Output height and width (32 for the tutorial).
    pub size: usize,
    /// 3 * size * size values, C x H x W, in the order the network sees the channels.
    pub mean: Vec<f32>,
    /// Swap to B, G, R as classify.py does.
    pub bgr: bool,
}

impl PredictImageOptions {
    /// Loads the mean once for every image of a run.
    pub fn new(size: usize, mean: &PredictMean, bgr: bool) -> Result<PredictImageOptions> {
        let hw = size * size;
        let mean = match mean {
            PredictMean::File(p) => load_mean(p, 3, size, size)?,
            PredictMean::PerChannel(v) if v.len() == 3 => v
                .iter()
                .flat_map(|&m| std::iter::repeat(m).take(hw))
                .collect(),
            PredictMean::PerChannel(v) => {
                return Err(ProviderError::Usage(format!(
                    "mean_value has {} values; an RGB image needs 3",
                    v.len()
                )))
            }
            PredictMean::Zero => vec![0.0; 3 * hw],
        };
        Ok(PredictImageOptions { size, mean, bgr })
    }
}

/// One image as a `dense_vector(3 * size * size)` value.
pub fn load_predict_image(path: &Path, o: &PredictImageOptions) -> Result<Array1<f32>> {
    let bytes = std::fs::read(path).map_err(|e| ProviderError::io(path, e))?;
    let img = image::load_from_memory(&bytes)
        .map_err(|e| ProviderError::format(path, format!("unreadable image: {e}")))?
        .to_rgb8();
    let s = o.size as u32;
    let img = if img.dimensions() == (s, s) {
        img
    } else {
        image::imageops::resize(&img, s, s, FilterType::Lanczos3)
    };
    let hw = o.size * o.size;
    let mut out = Array1::<f32>::zeros(3 * hw);
    for (i, px) in img.pixels().enumerate() {
        for c in 0..3 {
            let src = if o.bgr { 2 - c } else { c };
            out[c * hw + i] = px[src] as f32 - o.mean[c * hw + i];
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resizes_lays_out_chw_subtracts_mean_and_swaps_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("dog.png");
        image::RgbaImage::from_pixel(64, 48, image::Rgba([10, 20, 30, 255]))
            .save(&p)
            .unwrap();
        let mean_path = dir.path().join("mean.meta");
        std::fs::write(
            &mean_path,
            crate::numpy::npz_f64(&[("mean", &[1.0, 2.0, 3.0])]),
        )
        .unwrap();
        let mut o = PredictImageOptions::new(32, &PredictMean::File(mean_path), false).unwrap();
        let v = load_predict_image(&p, &o).unwrap();
        assert_eq!(v.len(), 3072);
        assert_eq!((v[0], v[1024], v[2048]), (9.0, 18.0, 27.0));
        o.bgr = true;
        let v = load_predict_image(&p, &o).unwrap();
        assert_eq!((v[0], v[1024], v[2048]), (29.0, 18.0, 7.0));
        let o2 = PredictImageOptions::new(32, &PredictMean::PerChannel(vec![5.0, 6.0, 7.0]), false)
            .unwrap();
        let v = load_predict_image(&p, &o2).unwrap();
        assert_eq!((v[0], v[1024], v[2048]), (5.0, 14.0, 23.0));
        let e = PredictImageOptions::new(32, &PredictMean::PerChannel(vec![1.0]), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs 3"), "{e}");
        std::fs::write(&p, b"no image").unwrap();
        let e = load_predict_image(&p, &o).unwrap_err().to_string();
        assert!(e.contains("dog.png: unreadable image"), "{e}");
    }
}
