//! Recurrent layer groups: config_parser's `RecurrentLayerGroup*`, `Memory` and agents.

use crate::builder::{check, fail, Builder, LayerExtra, ParamAttrs, Result};
use crate::*;

/// `RecurrentLayerGroupWithoutOutLinksBegin`: the group's placeholder layer in the parent,
/// its sub-model, and a scatter agent for each input sequence.
pub fn begin_group(b: &mut Builder, name: &str, in_links: &[String], reversed: bool) -> Result<()> {
    check(b.model().r#type == "recurrent_nn", || {
        "RecurrentLayerGroup should be used only in recurrent_nn".into()
    })?;
    b.add_layer(
        name,
        "recurrent_layer_group",
        0,
        vec![],
        "",
        &LayerExtra::default(),
    )?;
    b.begin_submodel(name)?;
    {
        let sm = b.current_submodel_mut();
        sm.is_recurrent_layer_group = Some(true);
        sm.reversed = Some(reversed);
    }
    for link in in_links {
        let layer_name = b.name_in_parent_submodel(link);
        let (size, width, height) = {
            let l = b.layer(&layer_name)?;
            (l.size(), l.width, l.height)
        };
        let added = b.add_layer(
            link,
            "scatter_agent",
            size,
            vec![],
            "",
            &LayerExtra::default(),
        )?;
        if let (Some(w), Some(h)) = (width, height) {
            if w > 0 && h > 0 {
                b.set_height_width(added.index, h, w);
            }
        }
        let link_name = b.name_in_submodel(link);
        b.current_submodel_mut().in_links.push(LinkConfig {
            layer_name,
            link_name,
            has_subseq: None,
        });
    }
    Ok(())
}

/// `RecurrentLayerGroupSetOutLink`.
pub fn set_out_link(b: &mut Builder, name: &str) {
    let link_name = b.name_in_parent_submodel(name);
    let layer_name = b.name_in_submodel(name);
    b.current_submodel_mut().out_links.push(LinkConfig {
        layer_name,
        link_name,
        has_subseq: None,
    });
}

/// `RecurrentLayerGroupSetGenerator`.
pub fn set_generator(b: &mut Builder, mut generator: GeneratorConfig) {
    generator.eos_layer_name = b.name_in_submodel(&generator.eos_layer_name);
    b.current_submodel_mut().generator = Some(generator);
}

/// `RecurrentLayerGroupEnd`: checks the memories, closes the sub-model and adds a gather
/// agent (or, when generating, a data layer) for each output in the parent.
pub fn end_group(b: &mut Builder) -> Result<()> {
    check(b.in_recurrent_group(), || {
        "RecurrentLayerGroup not begin".into()
    })?;
    let group = b.current_submodel().clone();
    for m in &group.memories {
        check(!m.layer_name.is_empty(), || {
            format!(
                "memory {} is never given the layer it remembers (use set_input)",
                m.link_name
            )
        })?;
        let layer = b
            .layer(&m.layer_name)
            .map_err(|_| GraphError(format!("memory declare wrong name:{}", m.layer_name)))?;
        let link = b.layer(&m.link_name)?;
        check(layer.size() == link.size(), || {
            format!(
                "memory declare wrong size:{} (the memory {} has size {}, the layer {} has size {})",
                link.size(),
                m.link_name,
                link.size(),
                m.layer_name,
                layer.size()
            )
        })?;
    }
    b.end_submodel()?;
    for link in &group.out_links {
        let size = b.layer(&link.layer_name)?.size();
        let agent = link.link_name.split('@').next().unwrap_or("").to_string();
        let t = if group.generator.is_some() {
            "data"
        } else {
            "gather_agent"
        };
        b.add_layer(&agent, t, size, vec![], "", &LayerExtra::default())?;
    }
    Ok(())
}

/// config_parser's `Memory(...)`. Returns the agent layer's name.
#[allow(clippy::too_many_arguments)]
pub fn memory(
    b: &mut Builder,
    name: Option<&str>,
    size: u64,
    memory_name: Option<&str>,
    boot_layer: Option<&str>,
    boot_bias: Option<&ParamAttrs>,
    boot_bias_active_type: &str,
    boot_with_const_id: Option<u32>,
) -> Result<String> {
    let agent_name = match memory_name {
        Some(m) if !m.is_empty() => m.to_string(),
        _ => match name {
            Some(n) => format!("{n}+delay1"),
            None => return fail("name needs cannot be None"),
        },
    };
    check(b.in_recurrent_group(), || {
        "Memory should be used in recurrent layer group only".into()
    })?;
    let added = b.add_layer(
        &agent_name,
        "agent",
        size,
        vec![],
        "",
        &LayerExtra::default(),
    )?;
    let mut mem = MemoryConfig {
        layer_name: name.map(|n| b.name_in_submodel(n)).unwrap_or_default(),
        link_name: b.name_in_submodel(&agent_name),
        ..Default::default()
    };
    let options = boot_layer.is_some() as u32
        + boot_bias.is_some() as u32
        + boot_with_const_id.is_some() as u32;
    check(options <= 1, || {
        "take one option at most from boot_layer, boot_bias, or boot_with_const_id".into()
    })?;
    if let Some(boot) = boot_layer {
        let boot = b.name_in_parent_submodel(boot);
        check(b.has_layer(&boot), || {
            format!("boot_layer \"{boot}\" does not correspond to a layer name")
        })?;
        mem.boot_layer_name = Some(boot);
    } else if let Some(bias) = boot_bias {
        mem.boot_bias_parameter_name =
            b.create_bias_parameter(added.index, Some(bias), size, None, false)?;
        mem.boot_bias_active_type = Some(boot_bias_active_type.to_string());
    } else if let Some(id) = boot_with_const_id {
        mem.boot_with_const_id = Some(id);
    }
    b.current_submodel_mut().memories.push(mem);
    Ok(agent_name)
}

/// `SetMemoryInput`: the layer a memory remembers, given after the memory was made.
pub fn set_memory_input(b: &mut Builder, memory_link: &str, layer_name: &str) -> Result<()> {
    let sm = b.current_submodel_mut();
    match sm.memories.iter_mut().find(|m| m.link_name == memory_link) {
        Some(m) => {
            m.layer_name = layer_name.to_string();
            Ok(())
        }
        None => fail(format!("Nonexistent memory name: {memory_link}")),
    }
}

/// Which of config_parser's one-input recurrent classes: `RecurrentLayer` (recurrent),
/// `LstmLayer` (lstmemory) or `GatedRecurrentLayer` (gated_recurrent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecurrentKind {
    Recurrent,
    Lstm {
        active_gate_type: String,
        active_state_type: String,
    },
    Gru {
        active_gate_type: String,
    },
}

impl RecurrentKind {
    pub fn layer_type(&self) -> &'static str {
        match self {
            RecurrentKind::Recurrent => crate::layer_types::RECURRENT,
            RecurrentKind::Lstm { .. } => crate::layer_types::LSTMEMORY,
            RecurrentKind::Gru { .. } => crate::layer_types::GATED_RECURRENT,
        }
    }

    /// config_parser's class name, as its messages spell it.
    fn class(&self) -> &'static str {
        match self {
            RecurrentKind::Recurrent => "RecurrentLayer",
            RecurrentKind::Lstm { .. } => "LstmLayer",
            RecurrentKind::Gru { .. } => "GatedRecurrentLayer",
        }
    }

    /// How many gates share the input: the layer's size is the input's divided by this.
    pub fn gates(&self) -> u64 {
        match self {
            RecurrentKind::Recurrent => 1,
            RecurrentKind::Lstm { .. } => 4,
            RecurrentKind::Gru { .. } => 3,
        }
    }
}

/// A one-input recurrent layer: the weight is `size x size` per gate, the bias one `size`
/// per gate (LSTM: 4 gates plus 3 peepholes).
pub struct RecurrentLayer {
    pub name: String,
    pub kind: RecurrentKind,
    pub inputs: Vec<crate::InputSpec>,
    pub reversed: bool,
    pub bias: Option<ParamAttrs>,
    pub active_type: String,
    pub extra: LayerExtra,
}

pub fn recurrent_layer(b: &mut Builder, l: RecurrentLayer) -> Result<usize> {
    let class = l.kind.class();
    let added = b.add_layer(
        &l.name,
        l.kind.layer_type(),
        0,
        l.inputs,
        &l.active_type,
        &l.extra,
    )?;
    let idx = added.index;
    check(added.inputs.len() == 1, || {
        format!("{class} must have 1 input")
    })?;
    let in_size = b.input_layer(idx, 0).size();
    let gates = l.kind.gates();
    check(in_size % gates == 0, || {
        format!("size % {gates} should be 0!")
    })?;
    let size = in_size / gates;
    b.set_layer_size(idx, size)?;
    {
        let c = b.layer_at_mut(idx);
        c.reversed = Some(l.reversed);
        match &l.kind {
            RecurrentKind::Recurrent => {}
            RecurrentKind::Lstm {
                active_gate_type,
                active_state_type,
            } => {
                c.active_gate_type = Some(active_gate_type.clone());
                c.active_state_type = Some(active_state_type.clone());
            }
            RecurrentKind::Gru { active_gate_type } => {
                c.active_gate_type = Some(active_gate_type.clone());
            }
        }
    }
    let (dims, bias_size) = match l.kind {
        RecurrentKind::Recurrent => (vec![size, size], size),
        RecurrentKind::Lstm { .. } => (vec![size, size, 4], size * 7),
        RecurrentKind::Gru { .. } => (vec![size, size * 3], size * 3),
    };
    b.create_input_parameter(&added, 0, size * size * gates, dims)?;
    b.create_bias_parameter(idx, l.bias.as_ref(), bias_size, None, true)?;
    Ok(idx)
}
