//! `image_list`: JPEG or PNG files with labels, lines of `path label`. Each entry of the
//! config's file list is either such a line or a text file of such lines. Images are decoded
//! once (and cached with CACHE_PASS_IN_MEM), optionally resized so the shorter side is
//! `resize_size` (Lanczos, like PIL's ANTIALIAS in Paddle's image_util); each pass then crops
//! `crop_size` x `crop_size` (at random with `padding` when training, from the centre when
//! testing), flips at random when training, subtracts the mean and lays the pixels out as
//! C x H x W, like the CIFAR batches.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;

use crate::batch::BatchBuilder;
use crate::builtin::cifar::load_mean;
use crate::error::{ProviderError, Result};
use crate::filelist::{read_list, ListEntry};
use crate::options::Options;
use crate::pipeline::{RecordStream, Source};
use crate::provider::{CacheType, DataProvider, PoolSettings};
use crate::rng::Rng;
use crate::slots::{dense_vector, integer_value, Slot};
use crate::spec::DataSourceSpec;

#[derive(Debug, Clone)]
pub struct ImageListConfig {
    pub channels: usize,
    pub crop_size: usize,
    pub resize_size: Option<usize>,
    pub padding: usize,
    pub random_crop: bool,
    pub flip: bool,
    pub num_classes: usize,
    /// C * crop * crop values.
    pub mean: Vec<f32>,
    pub names: [String; 2],
}

/// A decoded image, H x W x C bytes.
#[derive(Debug, Clone)]
pub struct ImageRecord {
    pub pixels: Box<[u8]>,
    pub height: usize,
    pub width: usize,
    pub label: u32,
}

pub struct ImageListSource {
    pub config: ImageListConfig,
    pub units: Vec<Unit>,
}

/// An entry of the file list: one labelled image, or a file of them.
#[derive(Debug, Clone)]
pub enum Unit {
    Image(ListEntry, i64),
    File(ListEntry),
}

/// Splits `path label`; the path may contain spaces, the label is the last field.
fn split_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    let at = line.rfind(|c: char| c.is_whitespace())?;
    let (p, l) = (line[..at].trim(), line[at..].trim());
    (!p.is_empty() && l.parse::<i64>().is_ok()).then_some((p, l))
}

fn decode(entry: &ListEntry, label: i64, cfg: &ImageListConfig) -> Result<ImageRecord> {
    if label < 0 || label as usize >= cfg.num_classes {
        return Err(entry.error(format!(
            "label {label} out of range [0, {})",
            cfg.num_classes
        )));
    }
    let bytes = entry.read()?;
    let img = image::load_from_memory(&bytes)
        .map_err(|e| entry.error(format!("unreadable image '{}': {e}", entry.path.display())))?;
    let mut img = if cfg.channels == 1 {
        image::DynamicImage::ImageLuma8(img.to_luma8())
    } else {
        image::DynamicImage::ImageRgb8(img.to_rgb8())
    };
    if let Some(s) = cfg.resize_size {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let (nw, nh) = if w <= h {
            (s, (h * s).div_ceil(w))
        } else {
            ((w * s).div_ceil(h), s)
        };
        if (nw, nh) != (w, h) {
            img = img.resize_exact(nw as u32, nh as u32, FilterType::Lanczos3);
        }
    }
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w + 2 * cfg.padding < cfg.crop_size || h + 2 * cfg.padding < cfg.crop_size {
        return Err(entry.error(format!(
            "image '{}' is {w}x{h}, smaller than crop_size {} (set resize_size)",
            entry.path.display(),
            cfg.crop_size
        )));
    }
    Ok(ImageRecord {
        pixels: img.into_bytes().into(),
        height: h,
        width: w,
        label: label as u32,
    })
}

impl Source for ImageListSource {
    type Record = ImageRecord;

    fn slots(&self) -> Vec<Slot> {
        let c = &self.config;
        vec![
            Slot::new(
                &c.names[0],
                dense_vector(c.channels * c.crop_size * c.crop_size),
            ),
            Slot::new(&c.names[1], integer_value(c.num_classes)),
        ]
    }

    fn unit_name(&self, unit: usize) -> String {
        match &self.units[unit] {
            Unit::Image(e, _) | Unit::File(e) => e.path.display().to_string(),
        }
    }

    fn units(&self) -> usize {
        self.units.len()
    }

    fn open(&self, unit: usize) -> Result<RecordStream<ImageRecord>> {
        let cfg = self.config.clone();
        match &self.units[unit] {
            Unit::Image(e, label) => Ok(Box::new(std::iter::once(decode(e, *label, &cfg)))),
            Unit::File(e) => {
                let text = String::from_utf8(e.read()?).map_err(|_| {
                    e.error(format!(
                        "'{}' is not a text list of images",
                        e.path.display()
                    ))
                })?;
                let mut lines = Vec::new();
                for (i, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let (p, l) = split_line(line).ok_or_else(|| {
                        ProviderError::line(&e.path, i + 1, "expected 'path label'")
                    })?;
                    let entry = ListEntry {
                        list: e.path.clone(),
                        line: i + 1,
                        path: PathBuf::from(p),
                    };
                    lines.push((entry, l.parse::<i64>().expect("checked by split_line")));
                }
                let mut it = lines.into_iter();
                let mut failed = false;
                Ok(Box::new(std::iter::from_fn(move || {
                    if failed {
                        return None;
                    }
                    let (entry, label) = it.next()?;
                    let r = decode(&entry, label, &cfg);
                    failed = r.is_err();
                    Some(r)
                })))
            }
        }
    }

    fn emit(&self, r: &ImageRecord, rng: &mut Rng, out: &mut BatchBuilder) -> Result<()> {
        let c = &self.config;
        let (cs, pad, ch) = (c.crop_size, c.padding, c.channels);
        // Crop origin in padded coordinates.
        let (ph, pw) = (r.height + 2 * pad, r.width + 2 * pad);
        let (y0, x0) = if c.random_crop {
            (rng.below(ph - cs + 1), rng.below(pw - cs + 1))
        } else {
            ((ph - cs) / 2, (pw - cs) / 2)
        };
        let flip = c.flip && rng.coin();
        let row = out.dense_row(0);
        for k in 0..ch {
            for y in 0..cs {
                let sy = (y0 + y) as isize - pad as isize;
                for x in 0..cs {
                    let xx = if flip { cs - 1 - x } else { x };
                    let sx = (x0 + xx) as isize - pad as isize;
                    let v = if sy < 0 || sx < 0 || sy as usize >= r.height || sx as usize >= r.width
                    {
                        0.0
                    } else {
                        r.pixels[(sy as usize * r.width + sx as usize) * ch + k] as f32
                    };
                    let i = (k * cs + y) * cs + x;
                    row[i] = v - c.mean[i];
                }
            }
        }
        out.index(1, r.label as i64)
            .map_err(|e| ProviderError::Usage(e.to_string()))?;
        out.end_sample();
        Ok(())
    }
}

fn option_error(key: &str, msg: impl Into<String>) -> ProviderError {
    ProviderError::Option {
        origin: "image_list provider".into(),
        key: key.into(),
        msg: msg.into(),
    }
}

pub fn source(spec: &DataSourceSpec, o: &Options) -> Result<ImageListSource> {
    let num_classes = o
        .positive("num_classes")?
        .ok_or_else(|| option_error("num_classes", "required: the label range"))?;
    let channels = if o.bool("color")?.unwrap_or(true) {
        3
    } else {
        1
    };
    let crop_size = o.positive("crop_size")?.unwrap_or(32);
    let resize_size = o.positive("resize_size")?;
    let padding = o.size("padding")?.unwrap_or(0);
    let random_crop = o.bool("random_crop")?.unwrap_or(spec.is_train);
    let flip = o.bool("flip")?.unwrap_or(spec.is_train);
    let dim = channels * crop_size * crop_size;
    let mean = match (o.string("mean_path")?, o.floats("mean_value")?) {
        (Some(_), Some(_)) => {
            return Err(option_error(
                "mean_value",
                "give mean_path or mean_value, not both",
            ))
        }
        (Some(p), None) => load_mean(Path::new(&p), channels, crop_size, crop_size)?,
        (None, Some(v)) if v.len() == channels => v
            .iter()
            .flat_map(|&m| std::iter::repeat(m).take(crop_size * crop_size))
            .collect(),
        (None, Some(v)) => {
            return Err(option_error(
                "mean_value",
                format!("{} values, expected one per channel ({channels})", v.len()),
            ))
        }
        (None, None) => vec![0.0; dim],
    };
    let names = [
        o.string("input_name")?.unwrap_or_else(|| "image".into()),
        o.string("label_name")?.unwrap_or_else(|| "label".into()),
    ];
    let units = read_list(&spec.list)?
        .into_iter()
        .map(|e| {
            let line = e.path.to_string_lossy().into_owned();
            match split_line(&line) {
                Some((p, l)) => Unit::Image(
                    ListEntry {
                        path: PathBuf::from(p),
                        ..e
                    },
                    l.parse().expect("checked by split_line"),
                ),
                None => Unit::File(e),
            }
        })
        .collect();
    Ok(ImageListSource {
        config: ImageListConfig {
            channels,
            crop_size,
            resize_size,
            padding,
            random_crop,
            flip,
            num_classes,
            mean,
            names,
        },
        units,
    })
}

pub fn open(spec: &DataSourceSpec, o: &Options, seed: u64) -> Result<Box<dyn DataProvider>> {
    let src = source(spec, o)?;
    let settings = PoolSettings::from_options(o, spec.is_train, CacheType::NoCache)?;
    o.check_unused()?;
    crate::registry::start(spec, src, settings, seed)
}
