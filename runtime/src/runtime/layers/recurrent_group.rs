//! recurrent_layer_group: Paddle's RecurrentGradientMachine. The group's sub-model (its
//! `layer_names`) is built once as a step network and run once per time step, as many times
//! as the longest sequence; autograd runs back through the steps.
//!
//! Paddle's sequence semantics, kept:
//! - Sequences are sorted by length, longest first (a stable sort here; Paddle's is not, which
//!   changes nothing but the order of rows inside a step). Step t works on the sequences
//!   longer than t, which are a prefix of that order, so a step's rows are
//!   `alive[t] <= alive[t-1]` sequences.
//! - An in link that is a sequence gives each step one row per sequence (row t, or row
//!   len-1-t when the group is reversed); one with sub-sequences (`SubsequenceInput`) gives
//!   each step one whole sub-sequence per sequence, as a sequence batch, so a group inside the
//!   step runs over it (nested groups). An in link without sequence positions gives each
//!   sequence's one row to every step. Every sequence in link must have the same number of
//!   sequences and the same number of steps in each.
//! - A memory (an `agent` in the step) holds, at step t > 0, the first `alive[t]` rows (or
//!   sequences) of the layer it remembers at step t-1; at step 0 it holds its boot: the boot
//!   layer's rows (or whole sequences) in sorted order, the boot bias through its activation,
//!   `boot_with_const_id` ids, or zeros. `StaticInput` is a memory booted with the input that
//!   remembers itself.
//! - Out links put step t's row for a sequence back at that sequence's position t (len-1-t
//!   when reversed), in the input's sequence order; a step output that is a sequence becomes
//!   a nested output (one sub-sequence per step).
//!
//! Unlike Paddle, a reversed group over sub-sequences reads them last first as well (Paddle
//! reverses only where its outputs land, not which sub-sequence a step reads).
//!
//! The gather agents of the parent pick the out links from the group's output
//! (`Arg::others`, by link name), as get_output picks lstm_step's "state".

use std::collections::HashSet;

use paddlers_graph::layer_types as lt;
use paddlers_graph::{LayerConfig, ModelConfig, SubModelConfig};
use tch::{Kind, Tensor};

use super::{check_starts, is_cost_layer_type, Arg, BuildCx, Cx, Layer};
use crate::runtime::activation::Activation;
use crate::runtime::arg::Feed;
use crate::runtime::error::Result;
use crate::runtime::network::Graph;

/// The recurrent sub-model a group layer heads (same name).
fn sub_model<'a>(model: &'a ModelConfig, group: &str) -> Option<&'a SubModelConfig> {
    model
        .sub_models
        .iter()
        .find(|s| s.name == group && s.is_recurrent_layer_group == Some(true))
}

/// The group whose out link is the parent layer `link` (a gather agent, or the data layer a
/// generating group writes).
fn group_of_out_link<'a>(model: &'a ModelConfig, link: &str) -> Option<&'a SubModelConfig> {
    model.sub_models.iter().find(|s| {
        s.is_recurrent_layer_group == Some(true) && s.out_links.iter().any(|o| o.link_name == link)
    })
}

/// Layers of the root network: every layer no recurrent group lists as its own, in config
/// order.
pub fn root_layers(model: &ModelConfig) -> Vec<&LayerConfig> {
    let inner: HashSet<&str> = model
        .sub_models
        .iter()
        .filter(|s| s.is_recurrent_layer_group == Some(true))
        .flat_map(|s| s.layer_names.iter().map(String::as_str))
        .collect();
    model
        .layers
        .iter()
        .filter(|l| !inner.contains(l.name.as_str()))
        .collect()
}

/// The layers a group's step runs, in config order.
fn step_layers<'a>(
    model: &'a ModelConfig,
    sm: &SubModelConfig,
) -> Result<Vec<&'a LayerConfig>, String> {
    let own: HashSet<&str> = sm.layer_names.iter().map(String::as_str).collect();
    let layers: Vec<&LayerConfig> = model
        .layers
        .iter()
        .filter(|l| own.contains(l.name.as_str()))
        .collect();
    if layers.len() != own.len() {
        let missing: Vec<&str> = sm
            .layer_names
            .iter()
            .map(String::as_str)
            .filter(|n| model.layer(n).is_none())
            .collect();
        return Err(format!(
            "its sub-model lists layers the model does not define: {missing:?}"
        ));
    }
    Ok(layers)
}

/// Names of the layers a node reads, in the order its `forward` receives them. Most layers
/// read their config's inputs; a group reads its in links and then its memories' boot layers;
/// a gather agent (or a generated data layer) reads its group.
pub fn input_names(model: &ModelConfig, cfg: &LayerConfig) -> Vec<String> {
    let t = cfg.r#type.as_str();
    if t == lt::RECURRENT_LAYER_GROUP {
        if let Some(sm) = sub_model(model, &cfg.name) {
            return group_input_names(sm);
        }
    }
    if t == lt::GATHER_AGENT || t == lt::DATA {
        if let Some(sm) = group_of_out_link(model, &cfg.name) {
            return vec![sm.name.clone()];
        }
    }
    cfg.inputs
        .iter()
        .map(|i| i.input_layer_name.clone())
        .collect()
}

fn group_input_names(sm: &SubModelConfig) -> Vec<String> {
    sm.in_links
        .iter()
        .map(|l| l.layer_name.clone())
        .chain(
            sm.memories
                .iter()
                .filter_map(|m| m.boot_layer_name.clone().filter(|b| !b.is_empty())),
        )
        .collect()
}

/// Whether a layer takes its output from the feed: data layers (except those a generating
/// group writes) and, inside a step, the agents the group fills.
pub fn is_fed(model: &ModelConfig, cfg: &LayerConfig) -> bool {
    match cfg.r#type.as_str() {
        lt::AGENT | lt::SCATTER_AGENT => true,
        lt::DATA => group_of_out_link(model, &cfg.name).is_none(),
        _ => false,
    }
}

/// Whether a data layer is written by a generating group rather than fed.
pub fn is_generated(model: &ModelConfig, name: &str) -> bool {
    group_of_out_link(model, name).is_some()
}

/// How a memory starts, at step 0.
enum Boot {
    /// The group's input at this index (a boot layer).
    Layer(usize),
    /// The boot bias parameter through an activation.
    Bias(String, Activation),
    /// Every sequence starts from this id.
    ConstId(i64),
    /// Zeros.
    Zero,
}

struct Memory {
    /// The step layer remembered.
    layer: String,
    /// The agent that holds it at the next step.
    link: String,
    size: i64,
    boot: Boot,
}

struct Group {
    step: Graph,
    reversed: bool,
    /// Scatter agents in the step, one per in link (the group's first inputs).
    in_links: Vec<String>,
    memories: Vec<Memory>,
    /// (step layer, parent layer) per out link.
    out_links: Vec<(String, String)>,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let sm = sub_model(cx.model, &cx.cfg.name)
        .ok_or_else(|| cx.err("the model config has no recurrent sub-model of this name"))?;
    if sm.generator.is_some() {
        return Err(
            cx.err("this group generates (beam_search), which the runtime does not run yet")
        );
    }
    let scope = step_layers(cx.model, sm).map_err(|m| cx.err(m))?;
    if let Some(cost) = scope.iter().find(|l| is_cost_layer_type(&l.r#type)) {
        return Err(cx.err(format!(
            "its step holds the cost layer '{}'; put cost layers outside recurrent groups",
            cost.name
        )));
    }
    let in_scope = |name: &str, what: &str| -> Result<&LayerConfig> {
        scope
            .iter()
            .copied()
            .find(|l| l.name == name)
            .ok_or_else(|| cx.err(format!("its {what} '{name}' is not a layer of its step")))
    };
    let mut in_links = Vec::new();
    for link in &sm.in_links {
        let agent = in_scope(&link.link_name, "in link")?;
        let outer = cx.model.layer(&link.layer_name).ok_or_else(|| {
            cx.err(format!(
                "its in link reads '{}', which is not a layer",
                link.layer_name
            ))
        })?;
        if agent.size() != outer.size() {
            return Err(cx.err(format!(
                "in link '{}' has size {}, the layer '{}' it reads has size {}",
                agent.name,
                agent.size(),
                outer.name,
                outer.size()
            )));
        }
        in_links.push(link.link_name.clone());
    }
    let mut memories = Vec::new();
    let mut boot_index = in_links.len();
    for m in &sm.memories {
        let link = in_scope(&m.link_name, "memory")?;
        in_scope(&m.layer_name, "remembered layer")?;
        let size = link.size() as i64;
        let boot = if let Some(b) = m.boot_layer_name.as_deref().filter(|b| !b.is_empty()) {
            let boot_size = cx
                .model
                .layer(b)
                .ok_or_else(|| cx.err(format!("memory boot layer '{b}' is not a layer")))?
                .size() as i64;
            if boot_size != size {
                return Err(cx.err(format!(
                    "memory '{}' has size {size}, its boot layer '{b}' has size {boot_size}",
                    m.link_name
                )));
            }
            boot_index += 1;
            Boot::Layer(boot_index - 1)
        } else if let Some(p) = m
            .boot_bias_parameter_name
            .as_deref()
            .filter(|p| !p.is_empty())
        {
            cx.check_param(p, size)?;
            let act_name = m.boot_bias_active_type.as_deref().unwrap_or("");
            let act = Activation::from_name(act_name).ok_or_else(|| {
                cx.err(format!(
                    "memory '{}' boots through activation '{act_name}', which is unknown",
                    m.link_name
                ))
            })?;
            Boot::Bias(p.to_string(), act)
        } else if let Some(id) = m.boot_with_const_id {
            Boot::ConstId(i64::from(id))
        } else {
            Boot::Zero
        };
        memories.push(Memory {
            layer: m.layer_name.clone(),
            link: m.link_name.clone(),
            size,
            boot,
        });
    }
    let mut out_links = Vec::new();
    for o in &sm.out_links {
        in_scope(&o.layer_name, "out link")?;
        out_links.push((o.layer_name.clone(), o.link_name.clone()));
    }
    if in_links.is_empty() {
        return Err(
            cx.err("it has no in link; a recurrent group needs at least one sequence input")
        );
    }
    let step = Graph::build(cx.model, &scope, &[], cx.params, false)?;
    Ok(Box::new(Group {
        step,
        reversed: sm.reversed.unwrap_or(false),
        in_links,
        memories,
        out_links,
    }))
}

/// The shape of the batch in steps: each sequence's number of steps, the order the steps
/// take the sequences in, and how many are still running at each step.
struct Steps {
    lens: Vec<i64>,
    /// Sequence indices, longest first.
    order: Vec<usize>,
    /// `rank[s]`: where sequence s is in `order`.
    rank: Vec<usize>,
    /// `alive[t]`: sequences with more than t steps.
    alive: Vec<usize>,
}

impl Steps {
    fn new(lens: Vec<i64>) -> Steps {
        let mut order: Vec<usize> = (0..lens.len()).collect();
        order.sort_by_key(|&s| std::cmp::Reverse(lens[s]));
        let mut rank = vec![0; lens.len()];
        for (j, &s) in order.iter().enumerate() {
            rank[s] = j;
        }
        let max = order.first().map_or(0, |&s| lens[s]);
        let alive = (0..max)
            .map(|t| lens.iter().filter(|&&l| l > t).count())
            .collect();
        Steps {
            lens,
            order,
            rank,
            alive,
        }
    }

    fn count(&self) -> usize {
        self.alive.len()
    }

    /// The position within its sequence that step t reads and writes.
    fn at(&self, s: usize, t: usize, reversed: bool) -> i64 {
        if reversed {
            self.lens[s] - 1 - t as i64
        } else {
            t as i64
        }
    }
}

/// How an in link splits over sequences: its steps per sequence, and for nested input the
/// first sub-sequence of each sequence.
struct LinkSeqs {
    lens: Vec<i64>,
    first_sub: Option<Vec<usize>>,
}

fn link_seqs(arg: &Arg, what: &str) -> Result<Option<LinkSeqs>, String> {
    let Some(starts) = arg.seq_starts.as_deref() else {
        return Ok(None);
    };
    check_starts(starts, arg.rows(), what)?;
    let Some(sub) = arg.subseq_starts.as_deref() else {
        let lens = starts.windows(2).map(|w| w[1] - w[0]).collect();
        return Ok(Some(LinkSeqs {
            lens,
            first_sub: None,
        }));
    };
    check_starts(sub, arg.rows(), &format!("{what} (its sub-sequences)"))?;
    // Paddle's Argument::getSeqInfo: each sequence takes the sub-sequences from where the
    // previous one stopped up to its end.
    let mut lens = Vec::with_capacity(starts.len() - 1);
    let mut firsts = Vec::with_capacity(starts.len() - 1);
    let mut b = 0usize;
    for w in starts.windows(2) {
        let a = b;
        while b < sub.len() - 1 && sub[b] < w[1] {
            b += 1;
        }
        if sub[a] != w[0] || sub[b] != w[1] {
            return Err(format!(
                "{what}: its sequence of rows {}..{} does not begin and end on sub-sequence boundaries {sub:?}",
                w[0], w[1]
            ));
        }
        lens.push((b - a) as i64);
        firsts.push(a);
    }
    Ok(Some(LinkSeqs {
        lens,
        first_sub: Some(firsts),
    }))
}

/// Rows `index` of an argument's values and ids (the ones it has).
fn select(arg: &Arg, index: &Tensor) -> Arg {
    let pick = |t: &Tensor| t.index_select(0, &index.to_device(t.device()));
    Arg {
        value: arg.value.as_ref().map(pick),
        ids: arg.ids.as_ref().map(pick),
        ..Default::default()
    }
}

/// Rows `[from, from + n)`.
fn rows(arg: &Arg, from: i64, n: i64) -> Arg {
    let take = |t: &Tensor| t.narrow(0, from, n);
    Arg {
        value: arg.value.as_ref().map(take),
        ids: arg.ids.as_ref().map(take),
        ..Default::default()
    }
}

fn index_tensor(v: &[i64]) -> Tensor {
    Tensor::from_slice(v)
}

/// The first `n` sequences of `arg` (rows, when it is not a sequence): what a memory agent
/// takes from the layer it remembers (Paddle's AgentLayer). A layer with ids (maxid) is
/// remembered by its ids alone, as AgentLayer does.
fn first(arg: &Arg, n: usize, what: &str) -> Result<Arg, String> {
    let ids_only;
    let arg = if arg.ids.is_some() && arg.value.is_some() {
        ids_only = Arg {
            value: None,
            ..arg.clone()
        };
        &ids_only
    } else {
        arg
    };
    match arg.seq_starts.as_deref() {
        Some(starts) => {
            if starts.len() < n + 1 {
                return Err(format!(
                    "{what} holds {} sequences, the step needs {n}",
                    starts.len() - 1
                ));
            }
            let end = starts[n];
            let mut out = rows(arg, 0, end);
            out.seq_starts = Some(starts[..=n].to_vec());
            out.subseq_starts = arg
                .subseq_starts
                .as_ref()
                .map(|sub| sub.iter().copied().take_while(|&p| p <= end).collect());
            Ok(out)
        }
        None => {
            if arg.rows() < n as i64 {
                return Err(format!(
                    "{what} has {} rows, the step needs {n}",
                    arg.rows()
                ));
            }
            Ok(rows(arg, 0, n as i64))
        }
    }
}

/// An in link cut into steps: the input's rows in step order, once, and each step's slice.
struct Scattered {
    sorted: Arg,
    /// Row offsets of each step in `sorted` (steps + 1 values).
    offsets: Vec<i64>,
    /// Each step's sequence positions (nested input only).
    starts: Option<Vec<Vec<i64>>>,
    /// Input without sequence positions: every step takes the first rows.
    static_rows: bool,
}

impl Scattered {
    fn step(&self, t: usize, alive: usize) -> Arg {
        if self.static_rows {
            return rows(&self.sorted, 0, alive as i64);
        }
        let (a, b) = (self.offsets[t], self.offsets[t + 1]);
        let mut arg = rows(&self.sorted, a, b - a);
        if let Some(starts) = &self.starts {
            arg.seq_starts = Some(starts[t].clone());
        }
        arg
    }
}

impl Group {
    fn scatter(
        &self,
        arg: &Arg,
        seqs: Option<&LinkSeqs>,
        steps: &Steps,
        starts: Option<&[i64]>,
        what: &str,
    ) -> Result<Scattered, String> {
        let n = steps.lens.len();
        let Some(seqs) = seqs else {
            if arg.rows() != n as i64 {
                return Err(format!(
                    "{what} is not a sequence, so it needs one row per sequence ({n}), and has {}",
                    arg.rows()
                ));
            }
            let order: Vec<i64> = steps.order.iter().map(|&s| s as i64).collect();
            return Ok(Scattered {
                sorted: select(arg, &index_tensor(&order)),
                offsets: Vec::new(),
                starts: None,
                static_rows: true,
            });
        };
        let starts = starts.expect("sequence input has starts");
        let mut ids = Vec::with_capacity(arg.rows() as usize);
        let mut offsets = vec![0i64];
        let mut step_starts = seqs.first_sub.as_ref().map(|_| Vec::new());
        let sub = arg.subseq_starts.as_deref();
        for (t, &alive) in steps.alive.iter().enumerate() {
            let mut local = vec![0i64];
            for &s in &steps.order[..alive] {
                let at = steps.at(s, t, self.reversed);
                match (&seqs.first_sub, sub) {
                    (Some(firsts), Some(sub)) => {
                        let q = firsts[s] + at as usize;
                        ids.extend(sub[q]..sub[q + 1]);
                        local.push(local.last().copied().unwrap_or(0) + sub[q + 1] - sub[q]);
                    }
                    _ => ids.push(starts[s] + at),
                }
            }
            offsets.push(ids.len() as i64);
            if let Some(v) = step_starts.as_mut() {
                v.push(local);
            }
        }
        Ok(Scattered {
            sorted: select(arg, &index_tensor(&ids)),
            offsets,
            starts: step_starts,
            static_rows: false,
        })
    }

    /// A memory's value at step 0, sequences in step order.
    fn boot(&self, m: &Memory, inputs: &[&Arg], steps: &Steps, cx: &Cx) -> Result<Arg, String> {
        let n = steps.lens.len() as i64;
        let order: Vec<i64> = steps.order.iter().map(|&s| s as i64).collect();
        let like = inputs[0]
            .value
            .as_ref()
            .or(inputs[0].ids.as_ref())
            .ok_or("the first in link has neither values nor ids")?;
        let (dev, kind) = (like.device(), cx.params.kind());
        let what = format!("the boot layer of memory '{}'", m.link);
        match &m.boot {
            Boot::Layer(i) => {
                let arg = inputs[*i];
                match arg.seq_starts.as_deref() {
                    Some(starts) => {
                        check_starts(starts, arg.rows(), &what)?;
                        if starts.len() as i64 != n + 1 {
                            return Err(format!(
                                "{what} has {} sequences, the group's input has {n}",
                                starts.len() - 1
                            ));
                        }
                        let mut ids = Vec::new();
                        let mut new_starts = vec![0i64];
                        for &s in &steps.order {
                            ids.extend(starts[s]..starts[s + 1]);
                            new_starts.push(ids.len() as i64);
                        }
                        let mut out = select(arg, &index_tensor(&ids));
                        out.seq_starts = Some(new_starts);
                        Ok(out)
                    }
                    None => {
                        if arg.rows() != n {
                            return Err(format!(
                                "{what} has {} rows, one per sequence ({n}) is needed",
                                arg.rows()
                            ));
                        }
                        Ok(select(arg, &index_tensor(&order)))
                    }
                }
            }
            Boot::Bias(p, act) => {
                let b = cx.param(p)?;
                let v = Tensor::zeros([n, m.size], (kind, b.device())) + b;
                Ok(Arg::dense(act.apply(&v, None)?))
            }
            Boot::ConstId(id) => Ok(Arg::ids(Tensor::full([n], *id, (Kind::Int64, dev)))),
            Boot::Zero => Ok(Arg::dense(Tensor::zeros([n, m.size], (kind, dev)))),
        }
    }
}

/// Puts the per-step outputs of one out link back in the input's sequence order.
fn gather(frames: &[Arg], steps: &Steps, reversed: bool, what: &str) -> Result<Arg, String> {
    let nested = frames[0].seq_starts.is_some();
    // Rows of each sequence's result within each frame.
    let mut segments: Vec<Vec<(i64, i64)>> = Vec::with_capacity(frames.len());
    let mut offset = 0i64;
    for (t, f) in frames.iter().enumerate() {
        let alive = steps.alive[t];
        if f.seq_starts.is_some() != nested {
            return Err(format!(
                "{what} is a sequence at some steps and not at others"
            ));
        }
        let segs: Vec<(i64, i64)> = match f.seq_starts.as_deref() {
            Some(starts) => {
                check_starts(starts, f.rows(), what)?;
                if starts.len() != alive + 1 {
                    return Err(format!(
                        "{what} has {} sequences at step {t}, where {alive} sequences run",
                        starts.len() - 1
                    ));
                }
                starts
                    .windows(2)
                    .map(|w| (offset + w[0], offset + w[1]))
                    .collect()
            }
            None => {
                if f.rows() != alive as i64 {
                    return Err(format!(
                        "{what} has {} rows at step {t}, where {alive} sequences run",
                        f.rows()
                    ));
                }
                (0..alive as i64)
                    .map(|j| (offset + j, offset + j + 1))
                    .collect()
            }
        };
        offset += f.rows();
        segments.push(segs);
    }
    let n = steps.lens.len();
    let mut index = Vec::with_capacity(offset as usize);
    let mut seq_starts = Vec::with_capacity(n + 1);
    let mut sub_starts = vec![0i64];
    for s in 0..n {
        seq_starts.push(if nested {
            index.len() as i64
        } else {
            sub_starts.len() as i64 - 1
        });
        for pos in 0..steps.lens[s] as usize {
            let t = steps.at(s, pos, reversed) as usize;
            let (a, b) = segments[t][steps.rank[s]];
            index.extend(a..b);
            sub_starts.push(index.len() as i64);
        }
    }
    seq_starts.push(if nested {
        index.len() as i64
    } else {
        sub_starts.len() as i64 - 1
    });
    let cat = |get: fn(&Arg) -> Option<&Tensor>| -> Result<Option<Tensor>, String> {
        let parts: Vec<&Tensor> = frames.iter().filter_map(get).collect();
        match parts.len() {
            0 => Ok(None),
            k if k == frames.len() => Ok(Some(Tensor::cat(&parts, 0))),
            _ => Err(format!("{what} has values at some steps and not at others")),
        }
    };
    let index = index_tensor(&index);
    let pick = |t: Tensor| t.index_select(0, &index.to_device(t.device()));
    let value = cat(|a| a.value.as_ref())?.map(pick);
    let ids = cat(|a| a.ids.as_ref())?.map(pick);
    Ok(Arg {
        value,
        ids,
        seq_starts: Some(seq_starts),
        subseq_starts: nested.then_some(sub_starts),
        ..Default::default()
    })
}

impl Layer for Group {
    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let links = &inputs[..self.in_links.len()];
        let mut seqs = Vec::with_capacity(links.len());
        let mut common: Option<(usize, Vec<i64>)> = None;
        for (k, arg) in links.iter().enumerate() {
            let what = format!("in link '{}'", self.in_links[k]);
            let s = link_seqs(arg, &what)?;
            if let Some(s) = &s {
                match &common {
                    None => common = Some((k, s.lens.clone())),
                    Some((k0, lens)) if *lens != s.lens => {
                        return Err(format!(
                            "{what} has {} sequences of {:?} steps, in link '{}' has {} of {:?}: \
                             every sequence input of a group must have the same steps",
                            s.lens.len(),
                            s.lens,
                            self.in_links[*k0],
                            lens.len(),
                            lens
                        ))
                    }
                    Some(_) => {}
                }
            }
            seqs.push(s);
        }
        let (_, lens) =
            common.ok_or("at least one in link of a recurrent group must be a sequence")?;
        let steps = Steps::new(lens);
        if steps.count() == 0 {
            return Err("every sequence of the batch is empty".into());
        }
        let scattered = links
            .iter()
            .zip(&seqs)
            .enumerate()
            .map(|(k, (arg, s))| {
                self.scatter(
                    arg,
                    s.as_ref(),
                    &steps,
                    arg.seq_starts.as_deref(),
                    &format!("in link '{}'", self.in_links[k]),
                )
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut memory: Vec<Arg> = self
            .memories
            .iter()
            .map(|m| self.boot(m, inputs, &steps, cx))
            .collect::<Result<_, String>>()?;
        let mut frames: Vec<Vec<Arg>> =
            vec![Vec::with_capacity(steps.count()); self.out_links.len()];
        for (t, &alive) in steps.alive.iter().enumerate() {
            let mut feed = Feed::with_capacity(self.in_links.len() + self.memories.len());
            for (link, sc) in self.in_links.iter().zip(&scattered) {
                feed.insert(link.clone(), sc.step(t, alive));
            }
            for (m, held) in self.memories.iter().zip(&memory) {
                let what = if t == 0 {
                    format!("the boot of memory '{}'", m.link)
                } else {
                    format!("layer '{}' (remembered by '{}')", m.layer, m.link)
                };
                feed.insert(m.link.clone(), first(held, alive, &what)?);
            }
            let fwd = self
                .step
                .run(cx, &feed, false)
                .map_err(|e| format!("step {t}: {e}"))?;
            let out = |name: &str| -> Result<Arg, String> {
                fwd.output(name)
                    .cloned()
                    .ok_or_else(|| format!("step {t}: the step has no output '{name}'"))
            };
            for (m, held) in self.memories.iter().zip(memory.iter_mut()) {
                let mut next = out(&m.layer)?;
                next.logits = None;
                next.others.clear();
                *held = next;
            }
            for ((layer, _), f) in self.out_links.iter().zip(frames.iter_mut()) {
                let mut o = out(layer)?;
                o.others.clear();
                f.push(o);
            }
        }
        let mut out = Arg::default();
        for ((layer, link), f) in self.out_links.iter().zip(&frames) {
            let what = format!("out link '{layer}'");
            out.others
                .push((link.clone(), gather(f, &steps, self.reversed, &what)?));
        }
        Ok(out)
    }
}

/// gather_agent (an out link of a group), get_output (a layer's named extra output, such
/// as lstm_step's "state"), and the data layer a generating group writes: the output of
/// input 0 named by the link or the input's argument.
pub fn build_pick(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let name = if cx.cfg.r#type == lt::GET_OUTPUT {
        cx.expect_inputs(1..=1)?;
        cx.cfg.inputs[0]
            .input_layer_argument
            .clone()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| cx.err("get_output needs input_layer_argument (the output's name)"))?
    } else {
        if group_of_out_link(cx.model, &cx.cfg.name).is_none() {
            return Err(cx.err("no recurrent group has this layer as an out link"));
        }
        cx.cfg.name.clone()
    };
    Ok(Box::new(Pick { name }))
}

struct Pick {
    name: String,
}

impl Layer for Pick {
    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let input = inputs.first().ok_or("it has no input")?;
        input
            .others
            .iter()
            .find(|(n, _)| *n == self.name)
            .map(|(_, a)| a.clone())
            .ok_or_else(|| format!("its input has no output named '{}'", self.name))
    }
}
