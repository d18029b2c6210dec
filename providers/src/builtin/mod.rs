//! The built-in providers, by the name providers.toml uses.

pub(crate) mod book_args;
pub mod cifar;
pub mod conll05;
pub mod dense;
pub mod housing;
pub mod image_list;
pub mod mnist;
pub mod movielens;
pub mod ngram;
pub mod text;

use crate::error::Result;
use crate::options::Options;
use crate::provider::DataProvider;
use crate::spec::DataSourceSpec;

/// The names providers.toml may give as `provider = "..."`.
pub const BUILTINS: &[&str] = &[
    "cifar",
    "image_list",
    "dense",
    "text",
    "housing",
    "mnist",
    "ngram",
    "movielens",
    "conll05",
];

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
        "housing" => housing::open(spec, options, seed)?,
        "mnist" => mnist::open(spec, options, seed)?,
        "ngram" => ngram::open(spec, options, seed)?,
        "movielens" => movielens::open(spec, options, seed)?,
        "conll05" => conll05::open(spec, options, seed)?,
        _ => return Ok(None),
    }))
}
