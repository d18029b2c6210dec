//! Which mean `predict` and `extract` subtract: the one training subtracted, wherever the
//! command is run from.
//!
//! `--mean=FILE` wins. Otherwise the config is parsed as training parses it (without
//! `is_predict`), its data sources are resolved as training resolves them (`providers.toml`
//! beside the config, then `args=`), and their `mean_path` (or `mean_value`) is used. A
//! relative `mean_path` is relative to the directory training ran in, which is not recorded;
//! it is looked for from the config's directory upwards (a tutorial run from `demo/` with
//! `--config=models/vgg.cfg` finds `demo/data/mean.meta`), then in the working directory. The
//! path used is logged. Nothing found is an error that says how to pass `--mean`: a silent
//! fallback made the labels depend on the working directory.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use paddlers_graph::TrainerConfig;
use paddlers_providers::predict_input::PredictMean;
use paddlers_providers::ArgValue;

use crate::train::data_source;

/// The mean named by a parsed (training) config's data sources, as it is written there.
#[derive(Debug, Clone, PartialEq)]
pub enum DeclaredMean {
    Path(String),
    PerChannel(Vec<f32>),
    /// A data source exists and names no mean: training subtracted nothing.
    None,
}

/// What the train data source (else the test one) declares, with providers.toml merged in.
pub fn declared(config: &TrainerConfig) -> Option<DeclaredMean> {
    let mut found = None;
    for (data, is_train) in [
        (&config.data_config, true),
        (&config.test_data_config, false),
    ] {
        let Some(data) = data else { continue };
        let Ok(spec) = data_source::spec(config, data, is_train) else {
            continue;
        };
        // providers.toml can set mean_path too; when it cannot be read, the config's own
        // args are what training would have seen first.
        let (path, value) = match paddlers_providers::registry::resolve(&spec) {
            Ok((_, opts)) => (
                opts.string("mean_path").ok().flatten(),
                opts.floats("mean_value").ok().flatten(),
            ),
            Err(_) => (
                match spec.args.get("mean_path") {
                    Some(ArgValue::Str(s)) => Some(s.clone()),
                    _ => None,
                },
                None,
            ),
        };
        let this = match (path, value) {
            (Some(p), _) => DeclaredMean::Path(p),
            (None, Some(v)) => DeclaredMean::PerChannel(v),
            (None, None) => DeclaredMean::None,
        };
        if this != DeclaredMean::None {
            return Some(this);
        }
        found.get_or_insert(this);
    }
    found
}

/// Where a relative `mean_path` is looked for, in order: the config's directory and each
/// directory above it, then the working directory.
pub fn candidates(mean_path: &Path, config: &Path) -> Vec<PathBuf> {
    if mean_path.is_absolute() {
        return vec![mean_path.to_path_buf()];
    }
    let config_dir = std::fs::canonicalize(config)
        .ok()
        .and_then(|c| c.parent().map(Path::to_path_buf));
    let mut out: Vec<PathBuf> = config_dir
        .iter()
        .flat_map(|d| d.ancestors().map(|a| a.join(mean_path)))
        .collect();
    if let Ok(cwd) = std::env::current_dir() {
        let here = cwd.join(mean_path);
        if !out.contains(&here) {
            out.push(here);
        }
    }
    out
}

const HOW: &str = "pass the mean training subtracted with --mean=FILE (the tutorial's \
                   data/mean.meta, written by `paddlers data cifar10`)";

/// The mean to subtract, logged. `config_path` is the config file, `training` the config as
/// training parsed it (None when that parse failed, with its error).
pub fn resolve(
    flag: Option<&Path>,
    config_path: &Path,
    training: Result<&TrainerConfig, &anyhow::Error>,
) -> anyhow::Result<PredictMean> {
    if let Some(p) = flag {
        if !p.is_file() {
            bail!("--mean={}: no such file", p.display());
        }
        tracing::info!("subtracting the mean in {} (--mean)", p.display());
        return Ok(PredictMean::File(p.to_path_buf()));
    }
    let cfg = config_path.display();
    let config = training.map_err(|e| {
        anyhow!(
            "{cfg}: no mean to subtract: parsing the config as training does (to read its \
             data source's mean_path) failed: {e}\n{HOW}"
        )
    })?;
    let at = |data: &Option<paddlers_graph::DataConfig>| {
        data.as_ref()
            .and_then(|d| d.declared_at.as_ref())
            .map(|a| format!("{}:{}", a.file.display(), a.line))
    };
    let source = at(&config.data_config)
        .or_else(|| at(&config.test_data_config))
        .unwrap_or_else(|| cfg.to_string());
    match declared(config) {
        None => bail!(
            "{cfg}: no mean to subtract: the config declares no data source \
             (define_py_data_sources2(..., args={{'mean_path': ...}})); {HOW}"
        ),
        Some(DeclaredMean::None) => {
            tracing::info!(
                "subtracting no mean: the data source at {source} names no mean_path or \
                 mean_value, so training subtracted none"
            );
            Ok(PredictMean::Zero)
        }
        Some(DeclaredMean::PerChannel(v)) => {
            tracing::info!("subtracting mean_value {v:?} from the data source at {source}");
            Ok(PredictMean::PerChannel(v))
        }
        Some(DeclaredMean::Path(p)) => {
            let looked = candidates(Path::new(&p), config_path);
            match looked.iter().find(|c| c.is_file()) {
                Some(found) => {
                    tracing::info!(
                        "subtracting the mean in {} (mean_path '{p}' of the data source at \
                         {source})",
                        found.display()
                    );
                    Ok(PredictMean::File(found.clone()))
                }
                None => bail!(
                    "{source}: mean_path '{p}' is not in the config's directory, any directory \
                     above it, or the working directory (looked for {}); {HOW}",
                    looked
                        .iter()
                        .map(|c| c.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    }
}
