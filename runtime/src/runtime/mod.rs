//! Lowering the layer graph to tch.
