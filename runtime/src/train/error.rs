//! What can stop training, each naming what the user must look at.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The config asks for something the trainer cannot do, or asks it inconsistently.
    #[error("{0}")]
    Config(String),
    /// A command-line flag has a value that cannot work.
    #[error("{0}")]
    Flag(String),
    #[error("{}: {msg}", path.display())]
    Checkpoint { path: PathBuf, msg: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the cost became {value} in pass {pass}, batch {batch}: training stopped, and \
         {saved}. Lower the learning rate, add gradient_clipping_threshold to settings(), \
         or check the data."
    )]
    NonFiniteCost {
        value: f64,
        pass: i64,
        batch: i64,
        saved: String,
    },
    #[error("interrupted by {signal} in pass {pass}, batch {batch}; {saved}")]
    Interrupted {
        signal: &'static str,
        pass: i64,
        batch: i64,
        saved: String,
    },
    /// Another rank stopped, never came, or disagrees (process_group).
    #[error("distributed: {0}")]
    Distributed(String),
    #[error("data: {0}")]
    Data(String),
    #[error("network: {0}")]
    Network(String),
    /// The network refused a batch (an id beyond a layer's size, a label beyond the output).
    /// `context` names the sample's file and record and the layer's config line, where known.
    #[error("{phase} {batch}: {source}{context}")]
    AtBatch {
        /// `pass 3, batch` or `testing, batch`.
        phase: String,
        batch: i64,
        #[source]
        source: Box<crate::runtime::RuntimeError>,
        context: String,
    },
    #[error(transparent)]
    Runtime(#[from] crate::runtime::RuntimeError),
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}

impl TrainError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> TrainError {
        TrainError::Io {
            path: path.into(),
            source,
        }
    }

    pub fn checkpoint(path: impl Into<PathBuf>, msg: impl Into<String>) -> TrainError {
        TrainError::Checkpoint {
            path: path.into(),
            msg: msg.into(),
        }
    }
}
