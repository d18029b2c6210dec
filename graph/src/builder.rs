//! The graph under construction, as Paddle's config_parser.py keeps it: layers and parameters
//! registered by name as they are added, sizes inferred eagerly, sub-models for recurrent
//! groups, and the defaults that `default_initial_std(...)` and friends change.

use super::settings::Settings;
use super::*;
use std::collections::HashMap;

/// A config mistake found while building the graph. The interpreter attaches the user's line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct GraphError(pub String);

pub type Result<T> = std::result::Result<T, GraphError>;

/// `config_assert`: fail with `msg` unless `cond`.
pub fn check(cond: bool, msg: impl FnOnce() -> String) -> Result<()> {
    if cond {
        Ok(())
    } else {
        Err(GraphError(msg()))
    }
}

pub fn fail<T>(msg: impl Into<String>) -> Result<T> {
    Err(GraphError(msg.into()))
}

/// Everything a `Parameter(...)` call may set; `None` leaves the global default in force.
/// Mirrors the keyword arguments of config_parser's `Input` and `Bias`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamAttrs {
    pub parameter_name: Option<String>,
    pub learning_rate: Option<Real>,
    pub momentum: Option<Real>,
    pub decay_rate: Option<Real>,
    pub decay_rate_l1: Option<Real>,
    pub initial_mean: Option<Real>,
    pub initial_std: Option<Real>,
    pub initial_strategy: Option<i32>,
    pub initial_smart: Option<bool>,
    pub num_batches_regularization: Option<i32>,
    pub sparse_remote_update: Option<bool>,
    pub sparse_update: Option<bool>,
    pub gradient_clipping_threshold: Option<Real>,
    pub is_static: Option<bool>,
    pub is_shared: Option<bool>,
    pub update_hooks: Vec<ParameterUpdaterHookConfig>,
    /// Sparse input formats (`csr`/`csc`) and their non-zero count.
    pub format: Option<String>,
    pub nnz: Option<u64>,
}

/// The global parameter defaults (`default_initial_std(...)`, `default_decay_rate(...)`, ...).
#[derive(Clone, Debug)]
pub struct ParamDefaults {
    pub momentum: Option<Real>,
    pub decay_rate: Option<Real>,
    pub initial_mean: Real,
    pub initial_std: Real,
    pub num_batches_regularization: Option<i32>,
    pub initial_strategy: i32,
    pub initial_smart: bool,
    pub gradient_clipping_threshold: Option<Real>,
    pub device: Option<i32>,
}

impl Default for ParamDefaults {
    fn default() -> Self {
        ParamDefaults {
            momentum: None,
            decay_rate: None,
            initial_mean: Real::Float(0.0),
            initial_std: Real::Float(0.01),
            num_batches_regularization: None,
            initial_strategy: 0,
            initial_smart: false,
            gradient_clipping_threshold: None,
            device: None,
        }
    }
}

/// One input of a layer being added: the layer it reads, and the attributes of the weight
/// that connects them (its name defaults to `_<layer>.w<index>`).
#[derive(Clone, Debug, Default)]
pub struct InputSpec {
    pub layer: String,
    pub param: ParamAttrs,
    pub input_layer_argument: Option<String>,
}

impl InputSpec {
    pub fn new(layer: impl Into<String>) -> Self {
        InputSpec {
            layer: layer.into(),
            ..Default::default()
        }
    }
    pub fn with_param(layer: impl Into<String>, param: ParamAttrs) -> Self {
        InputSpec {
            layer: layer.into(),
            param,
            input_layer_argument: None,
        }
    }
}

/// Attributes every layer accepts (Paddle's `ExtraLayerAttribute` plus `coeff`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayerExtra {
    pub device: Option<i32>,
    pub drop_rate: Option<Real>,
    pub coeff: Option<Real>,
    pub error_clipping_threshold: Option<Real>,
}

/// A layer added to the graph: its index, and the resolved inputs (with parameter names).
#[derive(Clone, Debug)]
pub struct Added {
    pub index: usize,
    pub inputs: Vec<InputSpec>,
}

pub fn gen_parameter_name(layer_name: &str, input_index: usize) -> String {
    format!("_{layer_name}.w{input_index}")
}

pub fn gen_bias_parameter_name(layer_name: &str) -> String {
    format!("_{layer_name}.wbias")
}

#[derive(Debug)]
pub struct Builder {
    pub trainer: TrainerConfig,
    pub settings: Settings,
    pub defaults: ParamDefaults,
    /// `name1=value1,...` from the command line, for `get_config_arg`.
    pub config_args: Vec<(String, String)>,
    layer_index: HashMap<String, usize>,
    param_index: HashMap<String, usize>,
    /// Indices into `model.sub_models`; the last one is the current sub-model.
    submodel_stack: Vec<usize>,
    current_submodel: usize,
    /// Per-prefix counters for `__fc_layer_0__`-style default names.
    name_counters: HashMap<String, usize>,
    pub add_submodel_suffix: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new(Vec::new())
    }
}

impl Builder {
    pub fn new(config_args: Vec<(String, String)>) -> Self {
        let mut trainer = TrainerConfig::default();
        trainer.model_config.r#type = "nn".into();
        trainer.model_config.sub_models.push(SubModelConfig {
            name: "root".into(),
            is_recurrent_layer_group: Some(false),
            ..Default::default()
        });
        Builder {
            trainer,
            settings: Settings::default(),
            defaults: ParamDefaults::default(),
            config_args,
            layer_index: HashMap::new(),
            param_index: HashMap::new(),
            submodel_stack: Vec::new(),
            current_submodel: 0,
            name_counters: HashMap::new(),
            add_submodel_suffix: false,
        }
    }

    pub fn config_arg(&self, name: &str) -> Option<&str> {
        self.config_args
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn model(&self) -> &ModelConfig {
        &self.trainer.model_config
    }

    pub fn model_mut(&mut self) -> &mut ModelConfig {
        &mut self.trainer.model_config
    }

    /// The default name for the next layer made by a helper: `__<prefix>_<n>__`.
    pub fn unique_name(&mut self, prefix: &str) -> String {
        let n = self.name_counters.entry(prefix.to_string()).or_insert(0);
        let name = format!("__{prefix}_{n}__");
        *n += 1;
        name
    }

    // ----- sub-models -----

    pub fn current_submodel(&self) -> &SubModelConfig {
        &self.trainer.model_config.sub_models[self.current_submodel]
    }

    pub fn current_submodel_mut(&mut self) -> &mut SubModelConfig {
        let i = self.current_submodel;
        &mut self.trainer.model_config.sub_models[i]
    }

    pub fn in_recurrent_group(&self) -> bool {
        self.current_submodel().is_recurrent_layer_group == Some(true)
    }

    pub fn is_root(&self) -> bool {
        self.current_submodel == 0
    }

    /// `MakeLayerNameInSubmodel`: inside a recurrent group, names get `@<group>`.
    pub fn name_in_submodel(&self, name: &str) -> String {
        if !self.add_submodel_suffix && !self.in_recurrent_group() {
            return name.to_string();
        }
        format!("{name}@{}", self.current_submodel().name)
    }

    /// `MakeLayerNameInParentSubmodel`.
    pub fn name_in_parent_submodel(&self, name: &str) -> String {
        if self.submodel_stack.len() > 1 {
            let parent = *self.submodel_stack.last().expect("checked length");
            format!(
                "{name}@{}",
                self.trainer.model_config.sub_models[parent].name
            )
        } else {
            name.to_string()
        }
    }

    pub fn begin_submodel(&mut self, name: &str) -> Result<()> {
        self.submodel_stack.push(self.current_submodel);
        let name = self.name_in_parent_submodel(name);
        check(
            !self.model().sub_models.iter().any(|s| s.name == name),
            || format!("Duplicated submodel name: {name}"),
        )?;
        self.model_mut().sub_models.push(SubModelConfig {
            name,
            ..Default::default()
        });
        self.current_submodel = self.model().sub_models.len() - 1;
        Ok(())
    }

    pub fn end_submodel(&mut self) -> Result<()> {
        match self.submodel_stack.pop() {
            Some(parent) => {
                self.current_submodel = parent;
                Ok(())
            }
            None => fail("submodel not begin"),
        }
    }

    // ----- layers -----

    pub fn has_layer(&self, name: &str) -> bool {
        self.layer_index.contains_key(name)
    }

    pub fn layer_index(&self, name: &str) -> Result<usize> {
        self.layer_index
            .get(name)
            .copied()
            .ok_or_else(|| GraphError(format!("unknown layer '{name}'")))
    }

    pub fn layer(&self, name: &str) -> Result<&LayerConfig> {
        Ok(&self.trainer.model_config.layers[self.layer_index(name)?])
    }

    pub fn layer_at(&self, index: usize) -> &LayerConfig {
        &self.trainer.model_config.layers[index]
    }

    pub fn layer_at_mut(&mut self, index: usize) -> &mut LayerConfig {
        &mut self.trainer.model_config.layers[index]
    }

    /// The layer read by input `i` of layer `index`.
    pub fn input_layer(&self, index: usize, i: usize) -> &LayerConfig {
        let name = &self.layer_at(index).inputs[i].input_layer_name;
        &self.trainer.model_config.layers[self.layer_index[name]]
    }

    /// config_parser's `LayerBase.__init__`: registers the layer and its inputs.
    pub fn add_layer(
        &mut self,
        name: &str,
        layer_type: &str,
        size: u64,
        inputs: Vec<InputSpec>,
        active_type: &str,
        extra: &LayerExtra,
    ) -> Result<Added> {
        check(!name.contains('@'), || {
            format!("layer name: {name} contain special character @")
        })?;
        let name = self.name_in_submodel(name);
        check(!self.layer_index.contains_key(&name), || {
            format!("Duplicated layer name: {name}")
        })?;
        let mut config = LayerConfig::new(name.clone(), layer_type);
        config.active_type = Some(active_type.to_string());
        if let Some(c) = extra.coeff {
            config.coeff = Some(Real::Float(c.as_f64()));
        }
        if size != 0 {
            config.size = Some(size);
        }
        if let Some(d) = extra.drop_rate {
            if d.as_f64() != 0.0 {
                config.drop_rate = Some(d);
            }
        }
        if let Some(d) = extra.device.or(self.defaults.device) {
            config.device = Some(d);
        }
        if let Some(t) = extra.error_clipping_threshold {
            config.error_clipping_threshold = Some(t);
        }
        let mut resolved = Vec::with_capacity(inputs.len());
        for (i, mut input) in inputs.into_iter().enumerate() {
            input.layer = self.name_in_submodel(&input.layer);
            if input.param.parameter_name.is_none() {
                input.param.parameter_name = Some(gen_parameter_name(&name, i));
            }
            check(self.layer_index.contains_key(&input.layer), || {
                format!("Unknown input layer '{}' for layer {name}", input.layer)
            })?;
            let mut li = LayerInputConfig::new(input.layer.clone());
            li.input_layer_argument = input.input_layer_argument.clone();
            config.inputs.push(li);
            resolved.push(input);
        }
        let model = &mut self.trainer.model_config;
        model.layers.push(config);
        let index = model.layers.len() - 1;
        self.layer_index.insert(name.clone(), index);
        self.current_submodel_mut().layer_names.push(name);
        Ok(Added {
            index,
            inputs: resolved,
        })
    }

    /// `set_layer_size`: the first input decides, later ones must agree.
    pub fn set_layer_size(&mut self, index: usize, size: u64) -> Result<()> {
        let layer = self.layer_at_mut(index);
        match layer.size {
            None | Some(0) => {
                layer.size = Some(size);
                Ok(())
            }
            Some(s) if s == size => Ok(()),
            Some(s) => fail(format!(
                "Different inputs result in different layer size at layer {}: {s} vs. {size}",
                layer.name
            )),
        }
    }

    pub fn set_height_width(&mut self, index: usize, height: u64, width: u64) {
        let layer = self.layer_at_mut(index);
        layer.height = Some(height);
        layer.width = Some(width);
    }

    /// `set_cnn_layer`: size = height * width * channels, with the image shape recorded.
    pub fn set_cnn_layer(
        &mut self,
        index: usize,
        height: u64,
        width: u64,
        channels: u64,
    ) -> Result<()> {
        self.set_layer_size(index, height * width * channels)?;
        self.set_height_width(index, height, width);
        Ok(())
    }

    pub fn set_cnn_layer_3d(
        &mut self,
        index: usize,
        depth: u64,
        height: u64,
        width: u64,
        channels: u64,
    ) -> Result<()> {
        self.set_layer_size(index, depth * height * width * channels)?;
        self.set_height_width(index, height, width);
        self.layer_at_mut(index).depth = Some(depth);
        Ok(())
    }

    // ----- parameters -----

    pub fn has_parameter(&self, name: &str) -> bool {
        self.param_index.contains_key(name)
    }

    pub fn parameter(&self, name: &str) -> Option<&ParameterConfig> {
        self.param_index
            .get(name)
            .map(|&i| &self.trainer.model_config.parameters[i])
    }

    /// config_parser's `Parameter(...)`.
    pub fn create_parameter(
        &mut self,
        name: &str,
        size: u64,
        device: Option<i32>,
        dims: Vec<u64>,
        attrs: &ParamAttrs,
        sparse: Option<bool>,
    ) -> Result<()> {
        check(!self.param_index.contains_key(name), || {
            format!("Duplicated parameter name: {name}")
        })?;
        let d = &self.defaults;
        let mut p = ParameterConfig {
            name: name.to_string(),
            size,
            device,
            dims,
            ..Default::default()
        };
        if let Some(lr) = attrs.learning_rate {
            p.learning_rate = Some(Real::Float(lr.as_f64()));
        }
        let momentum = attrs.momentum.or(d.momentum);
        if let Some(m) = momentum {
            p.momentum = Some(Real::Float(m.as_f64()));
        }
        check(
            momentum.map_or(true, |m| m.as_f64() == 0.0)
                || attrs.decay_rate_l1.map_or(true, |m| m.as_f64() == 0.0),
            || "momentum and decay_rate_l1 cannot both be non-zero".into(),
        )?;
        p.decay_rate = attrs.decay_rate.or(d.decay_rate);
        p.decay_rate_l1 = attrs.decay_rate_l1;
        p.initial_std = Some(attrs.initial_std.unwrap_or(d.initial_std));
        p.initial_mean = Some(attrs.initial_mean.unwrap_or(d.initial_mean));
        p.num_batches_regularization = attrs
            .num_batches_regularization
            .or(d.num_batches_regularization);
        if let Some(s) = attrs.sparse_remote_update {
            p.sparse_remote_update = Some(s);
            if s {
                self.trainer.opt_config.use_sparse_remote_updater = Some(true);
            }
        }
        p.sparse_update = attrs.sparse_update;
        p.gradient_clipping_threshold = attrs
            .gradient_clipping_threshold
            .or(d.gradient_clipping_threshold);
        p.initial_strategy = Some(attrs.initial_strategy.unwrap_or(d.initial_strategy));
        let smart = attrs.initial_smart.unwrap_or(d.initial_smart);
        p.initial_smart = Some(smart);
        if smart {
            p.initial_mean = Some(Real::Float(0.0));
            let fan_in = p.dims.first().copied().unwrap_or(size);
            p.initial_std = Some(Real::Float(1.0 / (fan_in as f64).sqrt()));
        }
        p.is_sparse = sparse;
        if sparse.is_some() {
            p.format = attrs.format.clone();
        }
        p.is_static = attrs.is_static;
        check(
            !(p.sparse_remote_update == Some(true) && p.is_static == Some(true)),
            || "sparse_remote_update and is_static cannot both be true".into(),
        )?;
        p.is_shared = attrs.is_shared;
        p.update_hooks = attrs.update_hooks.clone();
        let model = &mut self.trainer.model_config;
        model.parameters.push(p);
        self.param_index
            .insert(name.to_string(), model.parameters.len() - 1);
        Ok(())
    }

    /// `LayerBase.create_input_parameter`: the weight of input `i`, shared if the name exists.
    pub fn create_input_parameter(
        &mut self,
        added: &Added,
        i: usize,
        size: u64,
        dims: Vec<u64>,
    ) -> Result<()> {
        self.create_input_parameter_sparse(added, i, size, dims, None)
    }

    pub fn create_input_parameter_sparse(
        &mut self,
        added: &Added,
        i: usize,
        size: u64,
        dims: Vec<u64>,
        sparse: Option<bool>,
    ) -> Result<()> {
        if size == 0 {
            return Ok(());
        }
        let attrs = &added.inputs[i].param;
        let name = attrs
            .parameter_name
            .clone()
            .expect("add_layer names every input parameter");
        self.layer_at_mut(added.index).inputs[i].input_parameter_name = Some(name.clone());
        if let Some(existing) = self.parameter(&name) {
            check(existing.size == size, || {
                format!(
                    "Shared parameter \"{name}\" does not have same size: {} vs. {size}",
                    existing.size
                )
            })?;
            return check(existing.dims == dims, || {
                format!(
                    "Shared parameter \"{name}\" does not have same dims: {:?} vs. {dims:?}",
                    existing.dims
                )
            });
        }
        let device = self.layer_at(added.index).device;
        let attrs = attrs.clone();
        self.create_parameter(&name, size, device, dims, &attrs, sparse)
    }

    /// `LayerBase.create_bias_parameter`; `bias: None` means no bias. Returns the name.
    pub fn create_bias_parameter(
        &mut self,
        index: usize,
        bias: Option<&ParamAttrs>,
        size: u64,
        dims: Option<Vec<u64>>,
        for_self: bool,
    ) -> Result<Option<String>> {
        if size == 0 {
            return Ok(None);
        }
        let Some(bias) = bias else {
            return Ok(None);
        };
        let dims = dims.unwrap_or_else(|| vec![1, size]);
        let name = bias
            .parameter_name
            .clone()
            .unwrap_or_else(|| gen_bias_parameter_name(&self.layer_at(index).name));
        if !self.has_parameter(&name) {
            let device = self.layer_at(index).device;
            self.create_parameter(&name, size, device, dims, bias, None)?;
        }
        if for_self {
            self.layer_at_mut(index).bias_parameter_name = Some(name.clone());
        }
        Ok(Some(name))
    }

    // ----- network inputs and outputs -----

    /// `Inputs(...)`.
    pub fn add_inputs(&mut self, names: &[String]) -> Result<()> {
        for name in names {
            let name = self.name_in_submodel(name);
            check(!self.in_recurrent_group(), || {
                "Do not set Inputs in recurrent layer group".into()
            })?;
            self.current_submodel_mut()
                .input_layer_names
                .push(name.clone());
            if self.is_root() {
                self.model_mut().input_layer_names.push(name);
            }
        }
        Ok(())
    }

    /// `Outputs(...)`.
    pub fn add_outputs(&mut self, names: &[String]) -> Result<()> {
        for name in names {
            let name = self.name_in_submodel(name);
            check(!self.in_recurrent_group(), || {
                "Do not set Outputs in recurrent layer group".into()
            })?;
            self.current_submodel_mut()
                .output_layer_names
                .push(name.clone());
            if self.is_root() {
                self.model_mut().output_layer_names.push(name);
            }
        }
        Ok(())
    }

    /// `update_g_config`: the settings into the TrainerConfig, and the final checks.
    /// Layers in the order they were added (sub-models' included); the helpers use the count
    /// to tell which layers a call added, to record where the config defined them.
    pub fn layer_count(&self) -> usize {
        self.trainer.model_config.layers.len()
    }

    /// Records `at` as the definition of layers `from..` that have none yet: a helper that
    /// calls other helpers records the innermost call first, which names the same user line.
    pub fn note_layer_origins(&mut self, from: usize, at: &SourceLocation) {
        let layers = &self.trainer.model_config.layers;
        for l in layers.iter().skip(from) {
            self.trainer
                .layer_origins
                .0
                .entry(l.name.clone())
                .or_insert_with(|| at.clone());
        }
    }

    pub fn finish(mut self) -> Result<TrainerConfig> {
        self.settings.apply(&mut self.trainer);
        for name in &self.trainer.model_config.input_layer_names {
            let layer = self.layer(name).map_err(|_| {
                GraphError(format!(
                    "input name \"{name}\" does not correspond to a layer name"
                ))
            })?;
            check(
                layer.r#type == "data" || layer.r#type == "data_trim",
                || format!("The type of input layer \"{name}\" is not \"data\""),
            )?;
        }
        for name in &self.trainer.model_config.output_layer_names {
            check(self.layer_index.contains_key(name), || {
                format!("output name \"{name}\" does not correspond to a layer name")
            })?;
        }
        Ok(self.trainer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::image::{cnn_output_size, img_size};

    fn data(b: &mut Builder, name: &str, size: u64) {
        b.add_layer(name, "data", size, vec![], "", &LayerExtra::default())
            .unwrap();
    }

    #[test]
    fn default_names_count_per_prefix() {
        let mut b = Builder::default();
        assert_eq!(b.unique_name("fc_layer"), "__fc_layer_0__");
        assert_eq!(b.unique_name("conv"), "__conv_0__");
        assert_eq!(b.unique_name("fc_layer"), "__fc_layer_1__");
    }

    #[test]
    fn input_parameters_are_named_after_the_layer_and_shared_by_name() {
        let mut b = Builder::default();
        data(&mut b, "x", 4);
        let shared = ParamAttrs {
            parameter_name: Some("w".into()),
            ..Default::default()
        };
        let a = b
            .add_layer(
                "a",
                "fc",
                3,
                vec![InputSpec::new("x")],
                "",
                &LayerExtra::default(),
            )
            .unwrap();
        b.create_input_parameter(&a, 0, 12, vec![4, 3]).unwrap();
        assert_eq!(a.inputs[0].param.parameter_name.as_deref(), Some("_a.w0"));
        let c = b
            .add_layer(
                "c",
                "fc",
                3,
                vec![InputSpec::with_param("x", shared.clone())],
                "",
                &LayerExtra::default(),
            )
            .unwrap();
        b.create_input_parameter(&c, 0, 12, vec![4, 3]).unwrap();
        let d = b
            .add_layer(
                "d",
                "fc",
                2,
                vec![InputSpec::with_param("x", shared)],
                "",
                &LayerExtra::default(),
            )
            .unwrap();
        let err = b.create_input_parameter(&d, 0, 8, vec![4, 2]).unwrap_err();
        assert_eq!(
            err.0,
            "Shared parameter \"w\" does not have same size: 12 vs. 8"
        );
        assert_eq!(b.model().parameters.len(), 2);
    }

    #[test]
    fn smart_initialisation_uses_the_fan_in() {
        let mut b = Builder::default();
        let smart = ParamAttrs {
            initial_smart: Some(true),
            ..Default::default()
        };
        b.create_parameter("w", 400, None, vec![100, 4], &smart, None)
            .unwrap();
        let p = b.parameter("w").unwrap();
        assert_eq!(p.initial_std, Some(Real::Float(0.1)));
        assert_eq!(p.initial_mean, Some(Real::Float(0.0)));
    }

    #[test]
    fn unknown_inputs_and_duplicates_are_errors() {
        let mut b = Builder::default();
        data(&mut b, "x", 4);
        let e = b
            .add_layer(
                "y",
                "fc",
                2,
                vec![InputSpec::new("nope")],
                "",
                &LayerExtra::default(),
            )
            .unwrap_err();
        assert_eq!(e.0, "Unknown input layer 'nope' for layer y");
        let e = b
            .add_layer("x", "data", 4, vec![], "", &LayerExtra::default())
            .unwrap_err();
        assert_eq!(e.0, "Duplicated layer name: x");
    }

    #[test]
    fn image_sizes_follow_paddle() {
        assert_eq!(cnn_output_size(32, 3, 1, 1, true).unwrap(), 32);
        assert_eq!(cnn_output_size(227, 32, 0, 1, false).unwrap(), 196);
        assert_eq!(cnn_output_size(7, 2, 0, 2, true).unwrap(), 3);
        assert_eq!(cnn_output_size(7, 2, 0, 2, false).unwrap(), 4);
        assert!(cnn_output_size(2, 5, 0, 1, true).is_err());
        let mut b = Builder::default();
        data(&mut b, "img", 3 * 32 * 32);
        assert_eq!(img_size(&b, "img", 3).unwrap(), (32, 32));
        data(&mut b, "odd", 3 * 31);
        assert!(img_size(&b, "odd", 3)
            .unwrap_err()
            .0
            .contains("Incorrect input image size"));
    }

    #[test]
    fn settings_reach_the_optimization_config() {
        let mut b = Builder::default();
        b.settings
            .set_checked("batch_size", Some(settings::Setting::Num(Real::Int(64))))
            .unwrap();
        assert!(b.settings.set_checked("batch_sise", None).is_err());
        let t = b.finish().unwrap();
        assert_eq!(t.opt_config.batch_size, Some(64));
        assert_eq!(t.opt_config.learning_method.as_deref(), Some("momentum"));
        assert_eq!(t.save_dir.as_deref(), Some("./output/model"));
    }
}
