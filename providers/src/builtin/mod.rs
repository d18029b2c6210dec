//! The built-in providers, by the name providers.toml uses.

pub mod cifar;
pub mod dense;
pub mod image_list;
pub mod text;

use crate::error::Result;
use crate::options::Options;
use crate::provider::DataProvider;
use crate::spec::DataSourceSpec;

/// The names providers.toml may give as `provider = "..."`.
pub const BUILTINS: &[&str] = &["cifar", "image_list", "dense", "text"];

/// Opens built-in provider `name` (one of [`BUILTINS`]).
pub fn open_builtin(
    name: &str,
    spec: &DataSourceSpec,
    options: &Options,
    seed: u64,
) -> Result<Option<Box<dyn DataProvider>>> {
    Ok(Some(match name {
        "cifar" => cifar::open(spec, options, seed)?,
        "image_list" => image_list::open(spec, options, seed)?,
        "dense" => dense::open(spec, options, seed)?,
        "text" => text::open(spec, options, seed)?,
        _ => return Ok(None),
    }))
}
