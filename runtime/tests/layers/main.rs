//! The runtime's layer tests, one module per layer family as in `src/runtime/layers/`, each
//! against independent references: hand-computed numbers, naive loops or brute force written
//! here from Paddle's formulas (no tch in the reference), and gradient checks. One test binary
//! links libtorch once; add a family as a module here, not as a new file under tests/.

mod support;

mod activation;
mod batch_norm;
mod conv;
mod cost;
mod crf;
mod ctc;
mod detection;
mod devices;
mod fc;
mod hsigmoid;
mod image;
mod inference;
mod lambda_cost;
mod misc;
mod mixed;
mod nce;
mod network;
mod norm;
mod paddle_graphs;
mod pool;
mod priorbox;
mod recurrent;
mod recurrent_group;
mod seq_select;
mod sequence;
mod switch_order;
mod volume;
