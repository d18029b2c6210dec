//! Errors of building and running a network. Every message names the layer (or parameter)
//! and, for layers, its type, because that is what the user can find in their config.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum RuntimeError {
    #[error("layer '{layer}' has type '{layer_type}', which the runtime does not support{hint}")]
    UnsupportedLayer {
        layer: String,
        layer_type: String,
        hint: String,
    },
    #[error("layer '{layer}' (type '{layer_type}'): {msg}")]
    BadLayer {
        layer: String,
        layer_type: String,
        msg: String,
    },
    /// A layer refused one sample's value (a label or id beyond its size): the trainer adds
    /// the file and record the sample came from.
    #[error("layer '{layer}' (type '{layer_type}'): {msg}")]
    BadRecord {
        layer: String,
        layer_type: String,
        msg: String,
        /// The sample's index in the batch the network was fed.
        sample: usize,
    },
    #[error("layer '{layer}' (type '{layer_type}') uses activation '{act}', which the runtime does not support")]
    UnsupportedActivation {
        layer: String,
        layer_type: String,
        act: String,
    },
    #[error("parameter '{name}': {msg}")]
    BadParameter { name: String, msg: String },
    #[error("no input fed for data layer '{0}'")]
    MissingFeed(String),
    #[error("data layer '{layer}': {msg}")]
    BadFeed { layer: String, msg: String },
    #[error("no layer named '{0}' in the network")]
    NoSuchLayer(String),
    #[error("layer '{layer}' (type '{layer_type}') failed: {source}")]
    Torch {
        layer: String,
        layer_type: String,
        #[source]
        source: tch::TchError,
    },
    #[error(transparent)]
    Tch(#[from] tch::TchError),
}

pub type Result<T, E = RuntimeError> = std::result::Result<T, E>;
