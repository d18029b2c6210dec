//! The network: layers in config order (Paddle lists them topologically), each wired to its
//! inputs by index, run forward on a feed. Activation and `drop_rate` are applied here, after
//! each layer, as Paddle's `Layer::forwardActivation` and `forwardDropOut` do.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use paddlers_graph::{LayerConfig, ModelConfig};
use tch::{Device, Kind, Tensor};

use super::activation::Activation;
use super::arg::{Arg, Feed};
use super::error::{Result, RuntimeError};
use super::layers::{self, BuildCx, Cx, Layer};
use super::layout;
use super::params::ParamStore;

/// Paddle's PassType: training uses batch statistics and random dropout masks; testing uses
/// moving statistics, scales by `1 - drop_rate`, and records no autograd graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Train,
    Test,
}

struct Node {
    name: String,
    layer_type: String,
    layer: Box<dyn Layer>,
    inputs: Vec<usize>,
    act: Activation,
    drop_rate: f64,
    is_data: bool,
    /// Data layers: the width of their dense rows.
    size: i64,
    coeff: f64,
    /// The output may stay a 4-D (channels-last) tensor: only image layers read it.
    keep_image: bool,
    /// A batch norm that runs folded into the convolution before it in `Mode::Test`: that
    /// convolution's index and the folded layer (runtime::fold).
    fold: Option<(usize, Box<dyn Layer>)>,
    /// A convolution that runs inside the batch norm after it in `Mode::Test`.
    folded_away: bool,
}

/// Layers wired in config order: the root network's, or one step of a recurrent layer
/// group's (`layers/recurrent_group.rs` runs that one once per time step).
pub(crate) struct Graph {
    nodes: Vec<Node>,
    /// Shared with every `Forward`, so a pass does not copy the name table.
    index: Arc<HashMap<String, usize>>,
    outputs: Vec<usize>,
}

pub struct Network {
    model: ModelConfig,
    graph: Graph,
    params: ParamStore,
    /// Whether `Mode::Test` runs folded conv + batch norm pairs (default: yes).
    fold_batch_norm: bool,
}

/// The result of one forward pass.
pub struct Forward {
    names: Arc<HashMap<String, usize>>,
    args: Vec<Option<Arg>>,
    /// Flat copies of outputs kept 4-D between image layers, made when first asked for.
    flat: Vec<OnceCell<Arg>>,
    /// What to call `backward` on: the sum of every cost layer's per-sample costs, each
    /// multiplied by its `coeff`. `None` when the network has no cost layer.
    pub loss: Option<Tensor>,
    /// What Paddle reports as the batch's cost: the sum of the output cost layers' values
    /// (without `coeff`), detached, as a 0-dim float64 tensor on the network's device.
    pub cost: Option<Tensor>,
}

impl Forward {
    /// A layer's output (after activation and dropout), by layer name.
    pub fn output(&self, name: &str) -> Option<&Arg> {
        let &i = self.names.get(name)?;
        let arg = self.args[i].as_ref()?;
        match &arg.value {
            Some(v) if v.dim() > 2 => Some(self.flat[i].get_or_init(|| {
                let mut flat = arg.clone();
                flat.value = Some(layout::flatten(v));
                flat
            })),
            _ => Some(arg),
        }
    }
}

impl Network {
    /// Builds the network with freshly initialized parameters (seeded).
    pub fn build(model: &ModelConfig, device: Device, seed: u64) -> Result<Network> {
        Network::build_with_kind(model, device, Kind::Float, seed)
    }

    pub fn build_with_kind(
        model: &ModelConfig,
        device: Device,
        kind: Kind,
        seed: u64,
    ) -> Result<Network> {
        let params = ParamStore::new(&model.parameters, device, kind, seed)?;
        Network::with_params(model, params)
    }

    /// Builds the network over an existing parameter store (replicas, loaded models).
    pub fn with_params(model: &ModelConfig, params: ParamStore) -> Result<Network> {
        let graph = Graph::build(
            model,
            &layers::root_layers(model),
            &model.output_layer_names,
            &params,
            true,
        )?;
        Ok(Network {
            model: model.clone(),
            graph,
            params,
            fold_batch_norm: true,
        })
    }

    /// Whether `Mode::Test` folds each batch norm into the convolution before it where it can
    /// (runtime::fold); on by default. Off, every layer runs as in training.
    pub fn set_fold_batch_norm(&mut self, on: bool) {
        self.fold_batch_norm = on;
    }

    pub fn model(&self) -> &ModelConfig {
        &self.model
    }

    pub fn params(&self) -> &ParamStore {
        &self.params
    }

    pub fn params_mut(&mut self) -> &mut ParamStore {
        &mut self.params
    }

    pub fn device(&self) -> Device {
        self.params.device()
    }

    /// Data layer names and sizes, in config order.
    pub fn data_layers(&self) -> impl Iterator<Item = (&str, i64)> {
        self.graph
            .nodes
            .iter()
            .filter(|n| n.is_data)
            .map(|n| (n.name.as_str(), n.size))
    }

    /// The type of a layer, by name.
    pub fn layer_type(&self, name: &str) -> Option<&str> {
        self.graph
            .index
            .get(name)
            .map(|&i| self.graph.nodes[i].layer_type.as_str())
    }

    /// A copy of the network on `device` with its own parameters (for trainer_count or a
    /// GPU replica); keep it in step with `params().copy_values_from`.
    pub fn replica(&self, device: Device) -> Result<Network> {
        Network::with_params(&self.model, self.params.to(device, self.params.kind()))
    }

    /// A copy with parameters converted to `kind` (float64 for gradient checks).
    pub fn with_kind(&self, kind: Kind) -> Result<Network> {
        Network::with_params(&self.model, self.params.to(self.device(), kind))
    }

    /// Runs every layer on `feed`. In test mode no autograd graph is recorded.
    pub fn forward(&self, feed: &Feed, mode: Mode) -> Result<Forward> {
        if mode == Mode::Test {
            let _guard = tch::no_grad_guard();
            self.forward_inner(feed, mode)
        } else {
            self.forward_inner(feed, mode)
        }
    }

    fn forward_inner(&self, feed: &Feed, mode: Mode) -> Result<Forward> {
        let fold = mode == Mode::Test && self.fold_batch_norm;
        let cx = Cx {
            params: &self.params,
            train: mode == Mode::Train,
        };
        self.graph.run(&cx, feed, fold)
    }
}

impl Graph {
    /// Wires `scope` (layer names, in config order) of `model`; `outputs` are the layers
    /// whose costs make the reported cost. Parameters are checked against `params`. With
    /// `image_layout`, chains of image layers pass channels-last tensors and test-mode
    /// passes fold batch norms into convolutions (the root network); a group's step graph
    /// keeps Paddle's flat rows.
    pub(crate) fn build(
        model: &ModelConfig,
        scope: &[&LayerConfig],
        outputs: &[String],
        params: &ParamStore,
        image_layout: bool,
    ) -> Result<Graph> {
        let mut nodes: Vec<Node> = Vec::with_capacity(scope.len());
        let mut index = HashMap::new();
        let model_index: HashMap<&str, usize> = model
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| (l.name.as_str(), i))
            .collect();
        let keeps = if image_layout {
            layout::keeps_image(model)
        } else {
            vec![false; model.layers.len()]
        };
        for &cfg in scope {
            let keep_image = model_index
                .get(cfg.name.as_str())
                .is_some_and(|&i| keeps[i]);
            let bad = |msg: String| RuntimeError::BadLayer {
                layer: cfg.name.clone(),
                layer_type: cfg.r#type.clone(),
                msg,
            };
            if index.contains_key(&cfg.name) {
                return Err(bad(
                    "a layer of this name comes earlier in the config".into()
                ));
            }
            let inputs = layers::input_names(model, cfg)
                .iter()
                .map(|name| {
                    index.get(name).copied().ok_or_else(|| {
                        bad(format!("input '{name}' is not a layer defined before it"))
                    })
                })
                .collect::<Result<Vec<usize>>>()?;
            let act_name = cfg.active_type.as_deref().unwrap_or("");
            let act = Activation::from_name(act_name).ok_or_else(|| {
                RuntimeError::UnsupportedActivation {
                    layer: cfg.name.clone(),
                    layer_type: cfg.r#type.clone(),
                    act: act_name.to_string(),
                }
            })?;
            let layer = layers::build(&BuildCx { cfg, model, params })?;
            index.insert(cfg.name.clone(), nodes.len());
            nodes.push(Node {
                name: cfg.name.clone(),
                layer_type: cfg.r#type.clone(),
                layer,
                inputs,
                act,
                drop_rate: cfg.drop_rate.map_or(0.0, |r| r.as_f64()),
                is_data: layers::is_fed(model, cfg),
                size: cfg.size() as i64,
                coeff: cfg.coeff.map_or(1.0, |r| r.as_f64()),
                keep_image,
                fold: None,
                folded_away: false,
            });
        }
        if image_layout {
            for (i, j) in super::fold::pairs(model) {
                let (ci, cj) = (&model.layers[i], &model.layers[j]);
                let (Some(&ni), Some(&nj)) = (index.get(&ci.name), index.get(&cj.name)) else {
                    continue;
                };
                let cx = |cfg| BuildCx { cfg, model, params };
                let folded = layers::build_conv_batch_norm(&cx(ci), &cx(cj))?;
                nodes[nj].fold = Some((ni, folded));
                nodes[ni].folded_away = true;
            }
        }
        let outputs = outputs
            .iter()
            .map(|n| {
                index
                    .get(n)
                    .copied()
                    .ok_or_else(|| RuntimeError::NoSuchLayer(n.clone()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Graph {
            nodes,
            index: Arc::new(index),
            outputs,
        })
    }

    /// Runs every layer on `feed` (data layers and, in a group's step, its agents); `fold`
    /// runs the folded conv + batch norm pairs.
    pub(crate) fn run(&self, cx: &Cx, feed: &Feed, fold: bool) -> Result<Forward> {
        let train = cx.train;
        let mut args: Vec<Option<Arg>> = Vec::with_capacity(self.nodes.len());
        let mut loss: Option<Tensor> = None;
        for node in &self.nodes {
            let fail = |msg: String| RuntimeError::BadLayer {
                layer: node.name.clone(),
                layer_type: node.layer_type.clone(),
                msg,
            };
            if fold && node.folded_away {
                args.push(None);
                continue;
            }
            let (layer, input_ids) = match (&node.fold, fold) {
                (Some((conv, folded)), true) => (folded, &self.nodes[*conv].inputs),
                _ => (&node.layer, &node.inputs),
            };
            let out = if node.is_data {
                let arg = feed
                    .get(&node.name)
                    .ok_or_else(|| RuntimeError::MissingFeed(node.name.clone()))?;
                check_feed(node, arg)?;
                arg.clone()
            } else {
                let inputs: Vec<&Arg> = input_ids
                    .iter()
                    .map(|&i| args[i].as_ref().expect("inputs come earlier"))
                    .collect();
                REFUSED_ROW.with(|r| r.set(None));
                let raw = catch_unwind(AssertUnwindSafe(|| layer.forward(cx, &inputs)))
                    .map_err(|p| fail(panic_message(p)))?
                    .map_err(|msg| layer_error(node, &inputs, msg))?;
                let mut raw = raw;
                if node.layer.keeps_sequence() && raw.seq_starts.is_none() {
                    if let Some(first) = inputs.first() {
                        if first.rows() == raw.rows() {
                            raw.seq_starts = first.seq_starts.clone();
                            raw.subseq_starts = first.subseq_starts.clone();
                        }
                    }
                }
                let mut out = activate(node, raw).map_err(fail)?;
                if node.drop_rate > 0.0 {
                    out.value = out.value.map(|v| dropout(&v, node.drop_rate, train));
                    // The pre-softmax values no longer describe the output.
                    out.logits = None;
                }
                if !node.keep_image {
                    out.value = out.value.map(|v| layout::flatten(&v));
                }
                out
            };
            if node.layer.is_cost() {
                if let Some(v) = &out.value {
                    let term = v.sum(v.kind()) * node.coeff;
                    loss = Some(match loss {
                        None => term,
                        Some(l) => l + term,
                    });
                }
            }
            args.push(Some(out));
        }
        let mut cost: Option<Tensor> = None;
        for &o in &self.outputs {
            if self.nodes[o].layer.is_cost() {
                if let Some(v) = args[o].as_ref().and_then(|a| a.value.as_ref()) {
                    let s = v.detach().sum(Kind::Double);
                    cost = Some(match cost {
                        None => s,
                        Some(c) => c + s,
                    });
                }
            }
        }
        let names = Arc::clone(&self.index);
        Ok(Forward {
            names,
            flat: args.iter().map(|_| OnceCell::new()).collect(),
            args,
            loss,
            cost,
        })
    }
}

fn check_feed(node: &Node, arg: &Arg) -> Result<()> {
    let bad = |msg: String| RuntimeError::BadFeed {
        layer: node.name.clone(),
        msg,
    };
    match (&arg.value, &arg.ids) {
        (None, None) => Err(bad("the feed has neither values nor ids".into())),
        (Some(v), _) => {
            let s = v.size();
            if s.len() != 2 || s[1] != node.size {
                Err(bad(format!(
                    "fed values of shape {s:?}, the layer has size {}",
                    node.size
                )))
            } else {
                Ok(())
            }
        }
        (None, Some(i)) => {
            if i.dim() != 1 {
                return Err(bad(format!(
                    "fed ids of shape {:?}, expected [rows]",
                    i.size()
                )));
            }
            Ok(())
        }
    }
}

/// The first (row, id) of `ids` outside `[0, size)`, if any. Checked where an id indexes
/// something of that size (a label the output's columns, an id an embedding table's rows),
/// since libtorch would otherwise panic there.
pub(crate) fn first_out_of_range(ids: &tch::Tensor, size: i64) -> Option<(usize, i64)> {
    if ids.numel() == 0 {
        return None;
    }
    let flat = ids.reshape([-1]).to_device(tch::Device::Cpu);
    let values = Vec::<i64>::try_from(&flat.to_kind(tch::Kind::Int64)).ok()?;
    let found = values
        .iter()
        .position(|&v| v < 0 || v >= size)
        .map(|row| (row, values[row]));
    if let Some((row, _)) = found {
        REFUSED_ROW.with(|r| r.set(Some(row)));
    }
    found
}

thread_local! {
    /// The batch row whose id the running layer found out of range. Layers report errors as
    /// plain strings; this lets the network turn such an error into [`RuntimeError::BadRecord`]
    /// so the trainer can name the sample's file and record. Per thread, because replicas run
    /// their forward passes on threads of their own.
    static REFUSED_ROW: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The error for a layer whose forward failed: [`RuntimeError::BadRecord`] when it refused a
/// row (mapped to its sample through the sequence starts of the inputs, if any).
fn layer_error(node: &Node, inputs: &[&Arg], msg: String) -> RuntimeError {
    let (layer, layer_type) = (node.name.clone(), node.layer_type.clone());
    match REFUSED_ROW.with(|r| r.take()) {
        Some(row) => {
            let sample = match inputs.iter().find_map(|a| a.seq_starts.as_ref()) {
                Some(starts) => starts
                    .partition_point(|&s| s <= row as i64)
                    .saturating_sub(1),
                None => row,
            };
            RuntimeError::BadRecord {
                layer,
                layer_type,
                msg,
                sample,
            }
        }
        None => RuntimeError::BadLayer {
            layer,
            layer_type,
            msg,
        },
    }
}

fn activate(node: &Node, mut raw: Arg) -> Result<Arg, String> {
    if node.act == Activation::Linear || node.layer.applies_own_activation() {
        return Ok(raw);
    }
    let Some(v) = raw.value.take() else {
        return Err(format!("activation {:?} needs dense values", node.act));
    };
    // Softmaxes normalize Paddle's flat rows, whatever shape an image layer gave.
    let v = match node.act.is_elementwise() {
        true => v,
        false => layout::flatten(&v),
    };
    let y = node.act.apply(&v, raw.seq_starts.as_deref())?;
    if node.act == Activation::Softmax {
        raw.logits = Some(v);
    }
    raw.value = Some(y);
    Ok(raw)
}

/// Paddle's dropout: in training, zero each value with probability `rate` and do not
/// rescale; at test time multiply by `1 - rate`.
pub fn dropout(v: &Tensor, rate: f64, train: bool) -> Tensor {
    if train {
        // A 0/1 mask drawn in place: one kernel, then one multiply.
        let keep = v.empty_like().bernoulli_float_(1.0 - rate);
        v * keep
    } else {
        v * (1.0 - rate)
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    let text = if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "libtorch raised an error".into()
    };
    without_cpp_frames(&text)
}

/// libtorch's message without the C++ stack it appends ("Exception raised from ...", then
/// one line per frame): kilobytes that say nothing to a user of the config.
pub fn without_cpp_frames(text: &str) -> String {
    let cut = text.find("\nException raised from").unwrap_or(text.len());
    text[..cut].trim_end().to_string()
}
