//! config_parser's sequence pooling classes: `SequenceLastInstanceLayer` (seqlastins),
//! `SequenceFirstInstanceLayer` (seqlastins with select_first), `MaxLayer` (max) and
//! `AverageLayer` (average). last_seq, first_seq, pooling_layer and `Layer(type=...)` all
//! build through [`seq_pool_layer`].

use crate::builder::{check, Builder, InputSpec, LayerExtra, ParamAttrs, Result};
use crate::layer_types as lt;

pub enum SeqPoolKind {
    Last,
    First,
    Max { output_max_index: Option<bool> },
    Average { strategy: String },
}

pub struct SeqPoolLayer {
    /// Who asked, for the messages: `pooling_layer()`, `Layer()`.
    pub caller: &'static str,
    pub name: String,
    pub input: InputSpec,
    pub kind: SeqPoolKind,
    /// `non-seq` pools each sequence to one row, `seq` each sub-sequence to one.
    pub trans_type: String,
    pub stride: i64,
    pub bias: Option<ParamAttrs>,
    pub active_type: String,
    pub extra: LayerExtra,
}

pub fn seq_pool_layer(b: &mut Builder, l: SeqPoolLayer) -> Result<usize> {
    check(l.trans_type != "seq" || l.stride == -1, || {
        format!("{}: subseq does not support stride window", l.caller)
    })?;
    let layer_type = match l.kind {
        SeqPoolKind::Last | SeqPoolKind::First => lt::SEQLASTINS,
        SeqPoolKind::Max { .. } => lt::MAX,
        SeqPoolKind::Average { .. } => lt::AVERAGE,
    };
    let added = b.add_layer(
        &l.name,
        layer_type,
        0,
        vec![l.input],
        &l.active_type,
        &l.extra,
    )?;
    let idx = added.index;
    let size = b.input_layer(idx, 0).size();
    b.set_layer_size(idx, size)?;
    let layer = b.layer_at_mut(idx);
    layer.trans_type = Some(l.trans_type);
    layer.seq_pool_stride = Some(l.stride as i32);
    match l.kind {
        SeqPoolKind::First => layer.select_first = Some(true),
        SeqPoolKind::Max { output_max_index } => layer.output_max_index = output_max_index,
        SeqPoolKind::Average { strategy } => layer.average_strategy = Some(strategy),
        SeqPoolKind::Last => {}
    }
    b.create_bias_parameter(idx, l.bias.as_ref(), size, None, true)?;
    Ok(idx)
}
