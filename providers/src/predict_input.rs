//! The input of `paddlers predict` / `extract` for one image file, as the tutorial's
//! `classify.py` makes it (without `--multi_crop`): resize to size x size ignoring the aspect
//! ratio (PIL's `ANTIALIAS`, a Lanczos filter), lay out as C x H x W, subtract the mean.
//!
//! classify.py also swaps the channels to B, G, R (`set_channel_swap((2,1,0))`) although the
//! CIFAR batches it trained on are R, G, B; that is a slip in the tutorial, so the swap is off
//! by default here and `bgr: true` reproduces it.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use ndarray::Array1;

use crate::builtin::cifar::load_mean;
use crate::error::{ProviderError, Result};

/// classify.py's mean when no mean file is given (ImageNet's, per channel, in B, G, R order).
pub const IMAGENET_MEAN_BGR: [f32; 3] = [103.939, 116.779, 123.68];

#[derive(Debug, Clone, PartialEq)]
pub struct PredictImageOptions {
    /// Output height and width (32 for the tutorial).
    pub size: usize,
    /// `--mean` (default `data/mean.meta`): per pixel (3 * size * size) or per channel.
    /// None: classify.py's ImageNet mean.
    pub mean_path: Option<PathBuf>,
    /// Swap to B, G, R as classify.py does.
    pub bgr: bool,
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
    let mean = match &o.mean_path {
        Some(p) => load_mean(p, 3, o.size, o.size)?,
        None => {
            let order = if o.bgr { [0, 1, 2] } else { [2, 1, 0] };
            order
                .iter()
                .flat_map(|&c| std::iter::repeat(IMAGENET_MEAN_BGR[c]).take(hw))
                .collect()
        }
    };
    let mut out = Array1::<f32>::zeros(3 * hw);
    for (i, px) in img.pixels().enumerate() {
        for c in 0..3 {
            let src = if o.bgr { 2 - c } else { c };
            out[c * hw + i] = px[src] as f32 - mean[c * hw + i];
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
        let mut o = PredictImageOptions {
            size: 32,
            mean_path: Some(mean_path),
            bgr: false,
        };
        let v = load_predict_image(&p, &o).unwrap();
        assert_eq!(v.len(), 3072);
        assert_eq!((v[0], v[1024], v[2048]), (9.0, 18.0, 27.0));
        o.bgr = true;
        let v = load_predict_image(&p, &o).unwrap();
        assert_eq!((v[0], v[1024], v[2048]), (29.0, 18.0, 7.0));
        o.mean_path = None;
        let v = load_predict_image(&p, &o).unwrap();
        assert!((v[0] - (30.0 - 103.939)).abs() < 1e-4);
        std::fs::write(&p, b"no image").unwrap();
        let e = load_predict_image(&p, &o).unwrap_err().to_string();
        assert!(e.contains("dog.png: unreadable image"), "{e}");
    }
}
