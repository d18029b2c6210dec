//! From the config's `module`/`obj` to a running provider, through `providers.toml` beside the
//! config (or a built-in name used directly as the module).

use std::path::{Path, PathBuf};

use crate::builtin::{open_builtin, BUILTINS};
use crate::error::{ProviderError, Result};
use crate::options::{Options, Origin};
use crate::pipeline::{Pipeline, Source};
use crate::provider::{DataProvider, PoolSettings};
use crate::spec::{ArgValue, DataSourceSpec};

pub const PROVIDERS_TOML: &str = "providers.toml";

/// Where the mapping for a data source was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The built-in provider's name.
    pub builtin: String,
    /// providers.toml, when the mapping came from it.
    pub toml: Option<PathBuf>,
}

fn config_error(spec: &DataSourceSpec, msg: String) -> ProviderError {
    ProviderError::Config {
        config: spec.config_path.clone(),
        line: spec.config_line,
        msg,
    }
}

/// `providers.toml` beside the config file.
pub fn toml_path(spec: &DataSourceSpec) -> PathBuf {
    spec.config_path
        .parent()
        .unwrap_or(Path::new(""))
        .join(PROVIDERS_TOML)
}

/// The table to write for this data source, guessing the built-in from its arguments.
pub fn suggested_toml(spec: &DataSourceSpec) -> String {
    let guess = if spec.args.contains_key("mean_path") {
        "cifar"
    } else {
        "dense"
    };
    format!(
        "{}\nprovider = \"{guess}\"    # one of: {}\n",
        table_header(&spec.module, &spec.obj),
        BUILTINS.join(", ")
    )
}

fn bare_key(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn table_header(module: &str, obj: &str) -> String {
    let q = |s: &str| {
        if bare_key(s) {
            s.to_string()
        } else {
            format!("{s:?}")
        }
    };
    format!("[{}.{}]", q(module), q(obj))
}

/// Finds the entry for `module.obj`: `[module.obj]` (nested tables) or `["module.obj"]`.
fn lookup<'t>(table: &'t toml::Table, module: &str, obj: &str) -> Option<&'t toml::Table> {
    if let Some(t) = table
        .get(module)
        .and_then(|m| m.as_table())
        .and_then(|m| m.get(obj))
        .and_then(|o| o.as_table())
    {
        return Some(t);
    }
    table
        .get(&format!("{module}.{obj}"))
        .and_then(|t| t.as_table())
}

/// Resolves the data source to a built-in provider and its merged options (providers.toml
/// first, then the config's `args`, which win).
pub fn resolve(spec: &DataSourceSpec) -> Result<(Resolved, Options)> {
    let toml_file = toml_path(spec);
    let mut options = Options::new();
    let args_origin = Origin::Args(format!(
        "{}:{} args",
        spec.config_path.display(),
        spec.config_line
    ));
    let mut resolved = None;
    let mut toml_state = "does not exist";
    if toml_file.exists() {
        let text =
            std::fs::read_to_string(&toml_file).map_err(|e| ProviderError::io(&toml_file, e))?;
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ProviderError::format(&toml_file, e.to_string()))?;
        toml_state = "has no entry for it";
        if let Some(entry) = lookup(&table, &spec.module, &spec.obj) {
            let header = table_header(&spec.module, &spec.obj);
            let origin = Origin::Toml(format!("{} {header}", toml_file.display()));
            let name = match entry.get("provider") {
                Some(toml::Value::String(s)) => s.clone(),
                _ => {
                    return Err(ProviderError::format(
                        &toml_file,
                        format!(
                            "{header} needs provider = \"NAME\", one of: {}",
                            BUILTINS.join(", ")
                        ),
                    ))
                }
            };
            if !BUILTINS.contains(&name.as_str()) {
                return Err(ProviderError::format(
                    &toml_file,
                    format!(
                        "{header}: unknown provider {name:?}; the built-in providers are: {}",
                        BUILTINS.join(", ")
                    ),
                ));
            }
            for (k, v) in entry.iter().filter(|(k, _)| *k != "provider") {
                options.set(k.clone(), ArgValue::from_toml(v), origin.clone());
            }
            resolved = Some(Resolved {
                builtin: name,
                toml: Some(toml_file.clone()),
            });
        }
    }
    let resolved = match resolved {
        Some(r) => r,
        None if BUILTINS.contains(&spec.module.as_str()) => Resolved {
            builtin: spec.module.clone(),
            toml: None,
        },
        None => {
            return Err(config_error(
                spec,
                format!(
                    "no data provider for module='{}', obj='{}': paddlers runs Rust providers, not Python. \
                     {} {toml_state}; map the provider to a built-in one there (see docs/providers.md):\n\n{}",
                    spec.module,
                    spec.obj,
                    toml_file.display(),
                    suggested_toml(spec)
                ),
            ))
        }
    };
    for (k, v) in &spec.args {
        options.set(k.clone(), v.clone(), args_origin.clone());
    }
    Ok((resolved, options))
}

/// Opens the provider for a data source. `seed` fixes the order and the augmentation: the
/// same seed gives the same samples in the same order.
pub fn open(spec: &DataSourceSpec, seed: u64) -> Result<Box<dyn DataProvider>> {
    let (resolved, options) = resolve(spec)?;
    match open_builtin(&resolved.builtin, spec, &options, seed)? {
        Some(p) => Ok(p),
        None => Err(config_error(
            spec,
            format!("unknown built-in provider '{}'", resolved.builtin),
        )),
    }
}

/// Starts a pipeline over `source`, turning an `input_order` mismatch into a config error.
pub(crate) fn start<S: Source>(
    spec: &DataSourceSpec,
    source: S,
    settings: PoolSettings,
    seed: u64,
) -> Result<Box<dyn DataProvider>> {
    Pipeline::new(source, settings, seed, &spec.input_order)
        .map(|p| Box::new(p) as Box<dyn DataProvider>)
        .map_err(|msg| config_error(spec, msg))
}
