//! paddlers-providers: the Rust replacement for PyDataProvider2.
//!
//! # For the trainer
//!
//! ```text
//! let spec = DataSourceSpec { config_path, config_line, list, module, obj, args, is_train, input_order };
//! let mut provider = paddlers_providers::open(&spec, seed)?;      // Box<dyn DataProvider>
//! provider.slots();                                              // names + InputType per slot
//! for pass in 0..num_passes {
//!     provider.start_pass(batch_size)?;
//!     while let Some(batch) = provider.next_batch()? {
//!         // batch.slots[i].data: SlotData::Dense(Array2<f32>) | Index(Vec<i64>) | sparse CSR
//!         // batch.slots[i].seq_starts / subseq_starts for sequence slots
//!     }
//! }
//! ```
//!
//! `open` finds `providers.toml` beside the config (see `docs/providers.md`), which maps the
//! config's `module.obj` to a built-in provider ([`builtin::BUILTINS`]) and its options. A
//! built-in name used directly as the module (`module='cifar'`) needs no mapping.
//!
//! # For the CLI
//!
//! [`cifar_convert::run`] implements `paddlers data cifar10 --from SRC --out DIR [--per_class N]`.
//! [`predict_input::load_predict_image`] makes the input of `predict`/`extract` for an image
//! file as the tutorial's `classify.py` does.

pub mod batch;
pub mod builtin;
pub mod cifar_convert;
pub mod durable;
pub mod error;
pub mod filelist;
pub mod image_folders;
pub mod numpy;
pub mod options;
pub mod pickle;
pub mod pipeline;
pub mod predict_input;
pub mod provider;
pub mod registry;
pub mod rng;
pub mod slots;
pub mod spec;
mod zip;

pub use batch::{Batch, BatchBuilder, Sample, SampleOrigin, SlotBatch, SlotData, Value};
pub use error::ProviderError;
pub use provider::{CacheType, DataProvider, PoolSettings};
pub use registry::open;
pub use slots::*;
pub use spec::{ArgValue, DataSourceSpec};
