//! `paddlers predict` and `paddlers extract`: the tutorial's classify.py. The binary parses the
//! config with `is_predict=1`; parameters come from a `pass-%05d` directory in Paddle's format,
//! and each image is resized, laid out C x H x W and mean-subtracted as classify.py does.
//!
//! predict prints `Label of <path> is: <n>` (the arg-max of the first output layer); extract
//! writes the chosen layer's output, one row per image, as a float32 .npy file.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use paddlers_graph::TrainerConfig;
use paddlers_providers::durable;
use paddlers_providers::predict_input::{load_predict_image, PredictImageOptions};
use tch::{Device, Kind, Tensor};

use crate::runtime::{Arg, Feed, Mode, Network};
use crate::train::checkpoint;

/// Images per forward pass.
const BATCH: usize = 128;

/// What `paddlers predict` was asked, validated by the binary.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictOptions {
    /// The config file, for messages.
    pub config_path: PathBuf,
    /// A `pass-%05d` directory (or any directory of Paddle parameter files).
    pub model: PathBuf,
    /// Images, or lists of image paths.
    pub data: Vec<PathBuf>,
    /// The mean to subtract (`mean.meta`, .npy or .npz).
    pub mean: Option<PathBuf>,
    pub use_gpu: bool,
    pub gpu_id: usize,
    pub seed: u64,
}

/// What `paddlers extract` was asked, validated by the binary.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractOptions {
    pub predict: PredictOptions,
    /// The layer whose output is written; the first convolution when `None`.
    pub layer: Option<String>,
    /// The .npy file to write.
    pub output: PathBuf,
}

/// A network with trained parameters, and the data layer images go into.
pub struct Predictor {
    pub net: Network,
    pub config: TrainerConfig,
    input: String,
    image_size: usize,
    options: PredictImageOptions,
}

fn device(args: &PredictOptions) -> Device {
    if args.use_gpu {
        Device::Cuda(args.gpu_id)
    } else {
        Device::Cpu
    }
}

impl Predictor {
    /// `config` is the prediction graph (the config parsed with `is_predict=1`).
    pub fn load(config: TrainerConfig, args: &PredictOptions) -> anyhow::Result<Predictor> {
        let model = &config.model_config;
        let mut net = Network::build(model, device(args), args.seed)?;
        let wanted: Vec<(String, usize)> = model
            .parameters
            .iter()
            .map(|p| (p.name.clone(), p.size as usize))
            .collect();
        for (name, values) in checkpoint::load_params(&args.model, &wanted)? {
            net.params_mut().set_values_f32(&name, &values)?;
        }
        let (input, size) = net
            .data_layers()
            .next()
            .map(|(n, s)| (n.to_string(), s))
            .context("the config has no data layer to feed images into")?;
        let side = ((size / 3) as f64).sqrt().round() as usize;
        if size <= 0 || 3 * side * side != size as usize {
            bail!("data layer '{input}' has size {size}, not 3 x N x N: predict takes RGB images");
        }
        let mean_path = args.mean.clone();
        Ok(Predictor {
            net,
            config,
            input,
            image_size: side,
            options: PredictImageOptions {
                size: side,
                mean_path,
                bgr: false,
            },
        })
    }

    /// Runs images through the network, `BATCH` at a time, calling `each` with every batch's
    /// paths and forward result.
    pub fn run(
        &self,
        images: &[PathBuf],
        mut each: impl FnMut(&[PathBuf], &crate::runtime::Forward) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let dim = 3 * self.image_size * self.image_size;
        for chunk in images.chunks(BATCH) {
            let mut data = Vec::with_capacity(chunk.len() * dim);
            for p in chunk {
                let v = load_predict_image(p, &self.options)?;
                data.extend(v.iter().copied());
            }
            let t = Tensor::from_slice(&data)
                .view([chunk.len() as i64, dim as i64])
                .to_device(self.net.device());
            let mut feed = Feed::new();
            feed.insert(self.input.clone(), Arg::dense(t));
            let fwd = self.net.forward(&feed, Mode::Test)?;
            each(chunk, &fwd)?;
        }
        Ok(())
    }
}

/// `--data` entries: image files, or lists of image paths (one per line, relative to the
/// list's directory when not absolute).
pub fn expand_data(data: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in data {
        let ext = p
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if matches!(ext.as_str(), "png" | "jpg" | "jpeg") {
            out.push(p.clone());
            continue;
        }
        let text = std::fs::read_to_string(p).with_context(|| {
            format!(
                "--data={}: not an image, and not a readable file list",
                p.display()
            )
        })?;
        let base = p.parent().unwrap_or(Path::new("."));
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let q = PathBuf::from(line);
            out.push(if q.is_absolute() || q.exists() {
                q
            } else {
                base.join(q)
            });
        }
    }
    Ok(out)
}

/// `paddlers predict`.
pub fn predict(config: TrainerConfig, args: &PredictOptions) -> anyhow::Result<()> {
    let images = expand_data(&args.data)?;
    let p = Predictor::load(config, args)?;
    let output = p
        .config
        .model_config
        .output_layer_names
        .first()
        .cloned()
        .context("the config declares no output layer")?;
    let stdout = std::io::stdout();
    p.run(&images, |paths, fwd| {
        let probs = fwd
            .output(&output)
            .and_then(|a| a.value.as_ref())
            .with_context(|| format!("output layer '{output}' has no dense value"))?;
        let labels = Vec::<i64>::try_from(&probs.argmax(-1, false).to_device(Device::Cpu))?;
        let mut out = stdout.lock();
        for (path, label) in paths.iter().zip(labels) {
            writeln!(out, "Label of {} is: {label}", path.display())?;
        }
        Ok(())
    })
}

/// `paddlers extract`.
pub fn extract(config: TrainerConfig, args: &ExtractOptions) -> anyhow::Result<()> {
    let images = expand_data(&args.predict.data)?;
    let p = Predictor::load(config, &args.predict)?;
    let model = &p.config.model_config;
    let layer = match &args.layer {
        Some(l) => {
            if model.layer(l).is_none() {
                bail!(
                    "--layer={l}: no such layer in {}",
                    args.predict.config_path.display()
                );
            }
            l.clone()
        }
        None => model
            .layers
            .iter()
            .find(|l| matches!(l.r#type.as_str(), "exconv" | "cudnn_conv" | "conv"))
            .map(|l| l.name.clone())
            .context("the config has no convolution layer: choose one with --layer")?,
    };
    let mut rows: Vec<f32> = Vec::new();
    let mut width = 0;
    p.run(&images, |_, fwd| {
        let v = fwd
            .output(&layer)
            .and_then(|a| a.value.as_ref())
            .with_context(|| format!("layer '{layer}' has no dense output"))?;
        width = v.size()[1] as usize;
        rows.extend(Vec::<f32>::try_from(
            &v.to_kind(Kind::Float).to_device(Device::Cpu).reshape([-1]),
        )?);
        Ok(())
    })?;
    write_npy_f32(&args.output, &rows, &[images.len(), width])
        .with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "Wrote the output of layer '{layer}' for {} images ({} values each) to {}",
        images.len(),
        width,
        args.output.display()
    );
    // classify.py's picture: the first image's feature maps side by side, when the layer is
    // an image (height and width known).
    let cfg = model.layer(&layer).expect("checked above");
    let (h, w) = (
        cfg.height.unwrap_or(0) as usize,
        cfg.width.unwrap_or(0) as usize,
    );
    if h > 0 && w > 0 && width % (h * w) == 0 && !rows.is_empty() {
        let png = args.output.with_extension("png");
        write_feature_grid(&png, &rows[..width], width / (h * w), h, w)
            .with_context(|| format!("writing {}", png.display()))?;
        println!(
            "Wrote its feature maps for {} to {}",
            images[0].display(),
            png.display()
        );
    }
    Ok(())
}

/// Feature maps [channels, h, w] as one grayscale PNG: a square grid of maps, 1-pixel gaps,
/// values scaled from their min..max to 0..255.
pub fn write_feature_grid(
    path: &Path,
    maps: &[f32],
    channels: usize,
    h: usize,
    w: usize,
) -> anyhow::Result<()> {
    let side = (channels as f64).sqrt().ceil().max(1.0) as usize;
    let gw = side * (w + 1) - 1;
    let gh = channels.div_ceil(side) * (h + 1) - 1;
    let (lo, hi) = maps
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let scale = if hi > lo { 255.0 / (hi - lo) } else { 0.0 };
    let mut pixels = vec![255u8; gw * gh];
    for c in 0..channels {
        let (gy, gx) = ((c / side) * (h + 1), (c % side) * (w + 1));
        for y in 0..h {
            for x in 0..w {
                let v = maps[(c * h + y) * w + x];
                pixels[(gy + y) * gw + gx + x] = ((v - lo) * scale).round() as u8;
            }
        }
    }
    // Written whole or not at all, as every file paddlers writes.
    durable::write_file_with(path, |file| {
        let mut buf = std::io::BufWriter::new(file);
        let mut enc = png::Encoder::new(&mut buf, gw as u32, gh as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(std::io::Error::other)?;
        w.write_image_data(&pixels).map_err(std::io::Error::other)?;
        w.finish().map_err(std::io::Error::other)?;
        buf.flush()
    })?;
    Ok(())
}

/// A little-endian float32 .npy file (format version 1.0).
pub fn write_npy_f32(path: &Path, values: &[f32], shape: &[usize]) -> std::io::Result<()> {
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {dims}, }}");
    // The magic, version, header length and header pad to a multiple of 64, ending in \n.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut bytes = Vec::with_capacity(10 + header.len() + values.len() * 4);
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    durable::write_file(path, &bytes)
}
