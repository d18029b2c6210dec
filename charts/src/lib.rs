//! Training curves people can read: one panel for the cost and one per evaluator, train and
//! test, with axes, labels, a legend and a title, drawn with plotters in an embedded font (no
//! system font needed). Used for `save_dir/curves.png` after every pass and by `paddlers plot`,
//! which reads Paddle's training logs as `python -m paddle.utils.plotcurve` did.

pub mod chart;
pub mod paddle_log;

pub use chart::{render_png, Chart, ChartError, Curve, Panel};
