//! `paddlers predict` and `paddlers extract`: the tutorial's classify.py. The config is parsed
//! with `is_predict=1`, parameters come from a `pass-%05d` directory in Paddle's format, and
//! each image is resized, laid out C x H x W and mean-subtracted as classify.py does, with the
//! mean training subtracted (see `predict_mean`).
//!
//! predict prints `Label of <path> is: <n>` (the arg-max of the output layer, see
//! `predict_graph`), and the accuracy when the list gave labels; extract writes the chosen
//! layer's output, one row per image, as a float32 .npy file.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use paddlers_graph::{ModelConfig, TrainerConfig};
use paddlers_providers::durable;
use paddlers_providers::predict_input::{load_predict_image, PredictImageOptions, PredictMean};
use tch::{Device, Kind, Tensor};

use crate::predict_graph;
use crate::runtime::{Arg, Feed, Mode, Network};
use crate::train::checkpoint;

/// Images per forward pass.
const BATCH: usize = 128;

/// A network with trained parameters, and the data layer images go into.
pub struct Predictor {
    pub net: Network,
    pub config: TrainerConfig,
    input: String,
    options: PredictImageOptions,
}

/// What `paddlers predict` was asked, validated by the binary.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictOptions {
    /// The config file, for messages.
    pub config_path: PathBuf,
    /// A `pass-%05d` directory (or any directory of Paddle parameter files).
    pub model: PathBuf,
    /// Images, or lists of image paths (`path` or Paddle's `path label` lines).
    pub data: Vec<PathBuf>,
    /// The mean training subtracted, resolved by the binary (`predict_mean::resolve`).
    pub mean: PredictMean,
    /// The layer whose arg-max is the label; the config's output layer (or, without a
    /// prediction branch, the input of its cost) when `None`.
    pub output_layer: Option<String>,
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

fn device(args: &PredictOptions) -> Device {
    if args.use_gpu {
        Device::Cuda(args.gpu_id)
    } else {
        Device::Cpu
    }
}

impl Predictor {
    /// Loads the config's prediction graph, cut down to the layer `target` picks, with the
    /// parameters of `--model` and the mean training used.
    /// `config` is the prediction graph (the config parsed with `is_predict=1`).
    pub fn load(
        config: TrainerConfig,
        args: &PredictOptions,
        target: impl FnOnce(&ModelConfig) -> anyhow::Result<String>,
    ) -> anyhow::Result<Predictor> {
        let mean = &args.mean;
        let target = target(&config.model_config)?;
        let model = predict_graph::prune(&config.model_config, std::slice::from_ref(&target))?;
        let mut net = Network::build(&model, device(args), args.seed)?;
        let wanted: Vec<(String, usize)> = model
            .parameters
            .iter()
            .map(|p| (p.name.clone(), p.size as usize))
            .collect();
        for (name, values) in checkpoint::load_params(&args.model, &wanted)? {
            net.params_mut().set_values_f32(&name, &values)?;
        }
        let data: Vec<(String, i64)> = net.data_layers().map(|(n, s)| (n.to_string(), s)).collect();
        let (input, size) = match data.as_slice() {
            [one] => one.clone(),
            [] => {
                bail!("layer '{target}' reads no data layer: there is nothing to feed images into")
            }
            many => bail!(
                "layer '{target}' reads {} data layers ({}); predict feeds one image input: \
                 choose a layer that reads only the image with --output_layer=NAME",
                many.len(),
                many.iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let side = ((size / 3) as f64).sqrt().round() as usize;
        if size <= 0 || 3 * side * side != size as usize {
            bail!("data layer '{input}' has size {size}, not 3 x N x N: predict takes RGB images");
        }
        let options = PredictImageOptions::new(side, mean, false)?;
        Ok(Predictor {
            net,
            config,
            input,
            options,
        })
    }

    /// Runs images through the network, `BATCH` at a time, calling `each` with every batch's
    /// entries and forward result.
    pub fn run(
        &self,
        images: &[Entry],
        mut each: impl FnMut(&[Entry], &crate::runtime::Forward) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let dim = 3 * self.options.size * self.options.size;
        for chunk in images.chunks(BATCH) {
            let mut data = Vec::with_capacity(chunk.len() * dim);
            for e in chunk {
                let v = load_predict_image(&e.path, &self.options)?;
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

/// One image to predict, with its label when a list gave one.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub path: PathBuf,
    pub label: Option<i64>,
}

/// A list line: `path`, or Paddle's `path label` (the label an integer after the last
/// whitespace). `list:line` is named in errors.
fn list_line(line: &str, list: &Path, n: usize) -> anyhow::Result<(String, Option<i64>)> {
    match line.rsplit_once(char::is_whitespace) {
        Some((path, label)) if !path.trim().is_empty() => match label.parse::<i64>() {
            Ok(l) if l >= 0 => Ok((path.trim().to_string(), Some(l))),
            _ if label.contains('.') || label.contains('/') => Ok((line.to_string(), None)),
            _ => bail!(
                "{}:{n}: '{label}' is not a label (a non-negative integer after the path, as \
                 in Paddle's `path label` lists)",
                list.display()
            ),
        },
        _ => Ok((line.to_string(), None)),
    }
}

/// `--data` entries: image files, or lists of images (one per line, `path` or `path label`).
/// A relative path in a list is taken from the list's directory, else from the working
/// directory (where Paddle's lists are relative to), so the same list works from anywhere.
pub fn expand_data(data: &[PathBuf]) -> anyhow::Result<Vec<Entry>> {
    let mut out = Vec::new();
    for p in data {
        let ext = p
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if matches!(ext.as_str(), "png" | "jpg" | "jpeg") {
            out.push(Entry {
                path: p.clone(),
                label: None,
            });
            continue;
        }
        if p.is_dir() {
            bail!(
                "--data={}: is a directory; give image files or a list file",
                p.display()
            );
        }
        let text = std::fs::read_to_string(p).with_context(|| {
            format!(
                "--data={}: not an image, and not a readable file list",
                p.display()
            )
        })?;
        let base = p.parent().unwrap_or(Path::new("."));
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (path, label) = list_line(line, p, i + 1)?;
            let q = PathBuf::from(&path);
            let path = if q.is_absolute() || base.join(&q).exists() || !q.exists() {
                base.join(q)
            } else {
                q
            };
            out.push(Entry { path, label });
        }
    }
    Ok(out)
}

/// `paddlers predict`.
pub fn predict(config: TrainerConfig, args: &PredictOptions) -> anyhow::Result<()> {
    let images = expand_data(&args.data)?;
    let p = Predictor::load(config, args, |m| {
        predict_graph::output_layer(m, args.output_layer.as_deref())
    })?;
    let output = p.net.model().output_layer_names[0].clone();
    let stdout = std::io::stdout();
    let (mut labelled, mut correct) = (0usize, 0usize);
    p.run(&images, |entries, fwd| {
        let probs = fwd
            .output(&output)
            .and_then(|a| a.value.as_ref())
            .with_context(|| format!("output layer '{output}' has no dense value"))?;
        let labels = Vec::<i64>::try_from(&probs.argmax(-1, false).to_device(Device::Cpu))?;
        let mut out = stdout.lock();
        for (e, label) in entries.iter().zip(labels) {
            writeln!(out, "Label of {} is: {label}", e.path.display())?;
            if let Some(want) = e.label {
                labelled += 1;
                correct += usize::from(want == label);
            }
        }
        Ok(())
    })?;
    if labelled > 0 {
        println!(
            "Accuracy: {:.4} ({correct} of {labelled} labelled images; error rate {:.4})",
            correct as f64 / labelled as f64,
            1.0 - correct as f64 / labelled as f64
        );
    }
    Ok(())
}

/// `paddlers extract`.
pub fn extract(config: TrainerConfig, args: &ExtractOptions) -> anyhow::Result<()> {
    let images = expand_data(&args.predict.data)?;
    let p = Predictor::load(config, &args.predict, |model| match &args.layer {
        Some(l) => {
            if model.layer(l).is_none() {
                bail!(
                    "--layer={l}: no such layer in {}",
                    args.predict.config_path.display()
                );
            }
            Ok(l.clone())
        }
        None => model
            .layers
            .iter()
            .find(|l| matches!(l.r#type.as_str(), "exconv" | "cudnn_conv" | "conv"))
            .map(|l| l.name.clone())
            .context("the config has no convolution layer: choose one with --layer"),
    })?;
    let layer = p.net.model().output_layer_names[0].clone();
    let model = &p.config.model_config;
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
            images[0].path.display(),
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
