//! The objects configs pass between helpers: layer outputs, activations, poolings,
//! parameter and layer attributes, projections and operators.

use super::state::State;
use crate::eval::{EvalError, HostObject, Interp, OpSide, Value};
use crate::graph::layers::mixed::{Operator, Projection};
use crate::graph::{LayerExtra, ParamAttrs, Real};
use crate::syntax::ast::BinOp;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// What a layer helper returns (Paddle's `LayerOutput`).
pub struct LayerOutput {
    pub name: String,
    /// The name inside the current sub-model (`name@group` in a recurrent group).
    pub full_name: RefCell<String>,
    pub layer_type: String,
    pub size: Cell<Option<u64>>,
    pub num_filters: Option<u64>,
    pub activation: Option<Value>,
    pub parents: RefCell<Vec<Value>>,
    pub outputs: Vec<String>,
    pub reverse: Cell<Option<bool>>,
    pub state: Rc<State>,
    /// A `mixed_layer()` still collecting its projections (`with mixed_layer() as m: m += ...`).
    pub mixed: Option<MixedPending>,
}

pub struct MixedPending {
    pub layer_type: &'static str,
    pub act: Value,
    pub bias: Option<ParamAttrs>,
    pub extra: LayerExtra,
    pub inputs: RefCell<Vec<Value>>,
    pub finalized: Cell<bool>,
}

impl LayerOutput {
    pub fn new(state: &Rc<State>, name: &str, layer_type: &str, size: Option<u64>) -> LayerOutput {
        let full = state.with_builder(|b| b.name_in_submodel(name));
        LayerOutput {
            name: name.to_string(),
            full_name: RefCell::new(full),
            layer_type: layer_type.to_string(),
            size: Cell::new(size),
            num_filters: None,
            activation: None,
            parents: RefCell::new(Vec::new()),
            outputs: vec!["default".into()],
            reverse: Cell::new(None),
            state: state.clone(),
            mixed: None,
        }
    }

    pub fn with_act(mut self, act: &Value) -> Self {
        self.activation = Some(act.clone());
        self
    }

    pub fn with_filters(mut self, n: Option<u64>) -> Self {
        self.num_filters = n;
        self
    }

    pub fn with_parents(self, parents: Vec<Value>) -> Self {
        *self.parents.borrow_mut() = parents;
        self
    }

    pub fn with_outputs(mut self, outputs: &[&str]) -> Self {
        self.outputs = outputs.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn value(self) -> Value {
        Value::host(self)
    }

    fn shape(&self, field: &str) -> Value {
        self.state.with_builder(|b| {
            let Ok(layer) = b.layer(&self.full_name.borrow()) else {
                return Value::None;
            };
            let v = match field {
                "width" => layer.width,
                "height" => layer.height,
                _ => layer.depth,
            };
            Value::Int(v.unwrap_or(0) as i64)
        })
    }
}

fn opt_int(v: Option<u64>) -> Value {
    v.map_or(Value::None, |x| Value::Int(x as i64))
}

impl HostObject for LayerOutput {
    fn type_name(&self) -> &str {
        "LayerOutput"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn getattr(
        &self,
        _interp: &mut Interp,
        this: &Value,
        name: &str,
    ) -> Result<Option<Value>, EvalError> {
        Ok(Some(match name {
            "name" => Value::str(&self.name),
            "full_name" => Value::str(&self.full_name.borrow()),
            "layer_type" => Value::str(&self.layer_type),
            "size" => opt_int(self.size.get()),
            "num_filters" => opt_int(self.num_filters),
            "activation" => self.activation.clone().unwrap_or(Value::None),
            "parents" => Value::list(self.parents.borrow().clone()),
            "outputs" => Value::list(self.outputs.iter().map(|s| Value::str(s)).collect()),
            "reverse" => self.reverse.get().map_or(Value::None, Value::Bool),
            "width" | "height" | "depth" => self.shape(name),
            "set_input" => {
                let me = this.clone();
                let st = self.state.clone();
                Value::native("set_input", "input", move |_interp, args| {
                    let lo = me
                        .downcast_host::<LayerOutput>()
                        .expect("bound to a LayerOutput");
                    if lo.layer_type != "memory" {
                        return Err(EvalError::type_error(
                            "set_input() is only for memory layers",
                        ));
                    }
                    let input = layer_arg(args.get("input"), "set_input", "input")?;
                    st.with_builder(|b| {
                        let mem = b.name_in_submodel(&lo.name);
                        let target = b.name_in_submodel(&input.name);
                        super::recurrent::set_memory_input(b, &mem, &target)
                            .map_err(super::state::config_error)?;
                        Ok(Value::None)
                    })
                })
            }
            _ => return Ok(None),
        }))
    }
    fn attr_names(&self) -> Vec<String> {
        [
            "name",
            "full_name",
            "layer_type",
            "size",
            "num_filters",
            "activation",
            "parents",
            "outputs",
            "reverse",
            "width",
            "height",
            "depth",
            "set_input",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }
    fn setattr(&self, _interp: &mut Interp, name: &str, value: Value) -> Result<bool, EvalError> {
        match name {
            "reverse" => {
                self.reverse.set(if value.is_none() {
                    None
                } else {
                    Some(value.truthy())
                });
                Ok(true)
            }
            "size" => {
                self.size.set(value.as_int().map(|v| v as u64));
                Ok(true)
            }
            _ => Ok(false),
        }
    }
    fn binary_op(
        &self,
        interp: &mut Interp,
        this: &Value,
        op: BinOp,
        other: &Value,
        side: OpSide,
    ) -> Result<Option<Value>, EvalError> {
        if let (Some(m), BinOp::Add, OpSide::InPlace) = (&self.mixed, op, side) {
            super::mixed::add_to_mixed(self, m, other)?;
            return Ok(Some(this.clone()));
        }
        // layer_math: `a + b`, `2 * a`, `1 - a`, ... are written in the prelude. Operands it
        // cannot take are refused here, so the error points at the user's expression.
        let number = matches!(other, Value::Int(_) | Value::Float(_));
        match other.downcast_host::<LayerOutput>() {
            None if !number => return Ok(None),
            Some(o) => {
                let (a, b) = (self.size.get().unwrap_or(0), o.size.get().unwrap_or(0));
                let ok = match op {
                    BinOp::Mul => a == 1 || b == 1,
                    _ => a == b || a == 1 || b == 1,
                };
                if !ok {
                    let what = if op == BinOp::Mul {
                        "'*' needs a number or a LayerOutput of size 1 on one side"
                    } else {
                        "layers can be added or subtracted only if they have the same size or one has size 1"
                    };
                    return Err(EvalError::value_error(format!(
                        "{what}: '{}' has size {a}, '{}' has size {b}",
                        self.name, o.name
                    )));
                }
            }
            None => {}
        }
        let name = match (op, side) {
            (BinOp::Add, _) => "__layer_math_add__",
            (BinOp::Sub, OpSide::Right) => "__layer_math_rsub__",
            (BinOp::Sub, _) => "__layer_math_sub__",
            (BinOp::Mul, _) => "__layer_math_mul__",
            _ => return Ok(None),
        };
        let f = self.state.prelude_fn(name)?;
        interp
            .call(&f, vec![this.clone(), other.clone()], vec![])
            .map(Some)
    }
    fn enter(&self, _interp: &mut Interp, this: &Value) -> Result<Value, EvalError> {
        match &self.mixed {
            Some(m) if m.inputs.borrow().is_empty() && !m.finalized.get() => Ok(this.clone()),
            Some(_) => Err(EvalError::value_error(
                "a mixed_layer can be entered only once, before any input is added",
            )),
            None => Err(EvalError::attribute_error(
                "'LayerOutput' object has no attribute '__enter__'",
            )),
        }
    }
    fn exit(&self, _interp: &mut Interp, _this: &Value, failed: bool) -> Result<(), EvalError> {
        if failed {
            return Ok(());
        }
        if let Some(m) = &self.mixed {
            super::mixed::finish_mixed(self, m)?;
        }
        Ok(())
    }
    fn repr(&self) -> String {
        format!("<LayerOutput {}>", self.name)
    }
}

/// The `LayerOutput` passed as `what` of a helper, or a clear TypeError.
pub fn layer_arg<'a>(v: &'a Value, func: &str, what: &str) -> Result<&'a LayerOutput, EvalError> {
    v.downcast_host::<LayerOutput>().ok_or_else(|| {
        EvalError::type_error(format!(
            "{func}() argument '{what}' must be a LayerOutput (the result of a layer helper), not {}",
            v.type_name()
        ))
    })
}

/// An activation (`ReluActivation()`): Paddle's name for it and its class.
pub struct Activation {
    pub class: &'static str,
    pub name: &'static str,
    pub support_hppl: bool,
}

impl HostObject for Activation {
    fn type_name(&self) -> &str {
        self.class
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn is_instance_of(&self, t: &str) -> bool {
        t == self.class || t == "BaseActivation"
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> Result<Option<Value>, EvalError> {
        Ok(match name {
            "name" => Some(Value::str(self.name)),
            "support_hppl" => Some(Value::Bool(self.support_hppl)),
            _ => None,
        })
    }
    fn attr_names(&self) -> Vec<String> {
        vec!["name".into(), "support_hppl".into()]
    }
    fn eq_value(&self, other: &Value) -> Option<bool> {
        Some(
            other
                .downcast_host::<Activation>()
                .is_some_and(|o| o.class == self.class),
        )
    }
    fn repr(&self) -> String {
        format!("{}()", self.class)
    }
}

/// (class, Paddle name, supported by the hppl kernels) of every activation.
pub const ACTIVATIONS: &[(&str, &str, bool)] = &[
    ("TanhActivation", "tanh", true),
    ("SigmoidActivation", "sigmoid", true),
    ("SoftmaxActivation", "softmax", false),
    ("SequenceSoftmaxActivation", "sequence_softmax", false),
    ("IdentityActivation", "", true),
    ("LinearActivation", "", true),
    ("ReluActivation", "relu", true),
    ("BReluActivation", "brelu", false),
    ("SoftReluActivation", "softrelu", false),
    ("STanhActivation", "stanh", false),
    ("AbsActivation", "abs", false),
    ("SquareActivation", "square", false),
    ("ExpActivation", "exponential", false),
    ("LogActivation", "log", false),
    ("SqrtActivation", "sqrt", false),
    ("ReciprocalActivation", "reciprocal", false),
    ("SoftSignActivation", "softsign", false),
];

pub fn activation(class: &str) -> Value {
    let (class, name, hppl) = ACTIVATIONS
        .iter()
        .find(|(c, _, _)| *c == class)
        .copied()
        .expect("known activation class");
    Value::host(Activation {
        class,
        name,
        support_hppl: hppl,
    })
}

/// The activation argument `what` of `func`, or `default` when None.
pub fn act_arg(v: &Value, default: &str, func: &str, what: &str) -> Result<Value, EvalError> {
    if v.is_none() {
        return Ok(activation(default));
    }
    if v.downcast_host::<Activation>().is_some() {
        return Ok(v.clone());
    }
    Err(EvalError::type_error(format!(
        "{func}() argument '{what}' must be an activation such as ReluActivation(), not {}",
        v.type_name()
    )))
}

pub fn act_name(v: &Value) -> &'static str {
    v.downcast_host::<Activation>().map_or("", |a| a.name)
}

/// A pooling type (`MaxPooling()`, `AvgPooling()`, ...).
pub struct Pooling {
    pub class: &'static str,
    pub name: RefCell<String>,
    pub strategy: Option<String>,
    pub output_max_index: Option<bool>,
}

impl HostObject for Pooling {
    fn type_name(&self) -> &str {
        self.class
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn is_instance_of(&self, t: &str) -> bool {
        t == self.class
            || t == "BasePoolingType"
            || (t == "AvgPooling" && matches!(self.class, "SumPooling" | "SquareRootNPooling"))
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> Result<Option<Value>, EvalError> {
        Ok(match name {
            "name" => Some(Value::str(&self.name.borrow())),
            "strategy" => Some(self.strategy.as_deref().map_or(Value::None, Value::str)),
            "output_max_index" => Some(self.output_max_index.map_or(Value::None, Value::Bool)),
            _ => None,
        })
    }
    fn repr(&self) -> String {
        format!("{}()", self.class)
    }
}

/// `ParamAttr(...)`: the attributes of one parameter.
#[derive(Clone)]
pub struct ParamAttr {
    pub attrs: ParamAttrs,
}

impl HostObject for ParamAttr {
    fn type_name(&self) -> &str {
        "ParameterAttribute"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn is_instance_of(&self, t: &str) -> bool {
        matches!(t, "ParameterAttribute" | "ParamAttr")
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> Result<Option<Value>, EvalError> {
        Ok(match name {
            "name" => Some(
                self.attrs
                    .parameter_name
                    .as_deref()
                    .map_or(Value::None, Value::str),
            ),
            _ => None,
        })
    }
    fn repr(&self) -> String {
        "ParamAttr(...)".into()
    }
}

/// `ExtraAttr(...)`: dropout, error clipping and device of a layer.
#[derive(Clone)]
pub struct ExtraAttr {
    pub extra: LayerExtra,
}

impl HostObject for ExtraAttr {
    fn type_name(&self) -> &str {
        "ExtraLayerAttribute"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn is_instance_of(&self, t: &str) -> bool {
        matches!(t, "ExtraLayerAttribute" | "ExtraAttr")
    }
    fn repr(&self) -> String {
        "ExtraAttr(...)".into()
    }
}

/// `HookAttr(...)`: a parameter updater hook.
pub struct HookAttr {
    pub r#type: String,
    pub sparsity_ratio: Option<Real>,
}

impl HostObject for HookAttr {
    fn type_name(&self) -> &str {
        "HookAttribute"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn is_instance_of(&self, t: &str) -> bool {
        matches!(t, "HookAttribute" | "HookAttr")
    }
}

/// A projection, waiting to be placed into a mixed layer (or a concat of projections).
pub struct ProjectionObj {
    pub proj: Projection,
    pub origin: Value,
}

impl HostObject for ProjectionObj {
    fn type_name(&self) -> &str {
        "Projection"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> Result<Option<Value>, EvalError> {
        Ok(match name {
            "origin" => Some(self.origin.clone()),
            _ => None,
        })
    }
}

/// An operator of two layers (dotmul_operator, conv_operator).
pub struct OperatorObj {
    pub op: Operator,
    pub origin: Vec<Value>,
}

impl HostObject for OperatorObj {
    fn type_name(&self) -> &str {
        "Operator"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> Result<Option<Value>, EvalError> {
        Ok(match name {
            "origin" => Some(Value::list(self.origin.clone())),
            _ => None,
        })
    }
}

/// `StaticInput(layer)`: a layer read, unchanged, by every step of a recurrent group.
pub struct StaticInput {
    pub input: Value,
}

impl HostObject for StaticInput {
    fn type_name(&self) -> &str {
        "StaticInput"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> Result<Option<Value>, EvalError> {
        Ok(match name {
            "input" => Some(self.input.clone()),
            _ => None,
        })
    }
}

/// `GeneratedInput(size, embedding_name, embedding_size)` for beam search.
pub struct GeneratedInput {
    pub size: u64,
    pub embedding_name: String,
    pub embedding_size: u64,
}

impl HostObject for GeneratedInput {
    fn type_name(&self) -> &str {
        "GeneratedInput"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn is_instance_of(&self, t: &str) -> bool {
        matches!(t, "GeneratedInput" | "BaseGeneratedInput")
    }
}

/// Optimizers, regularizers and model averaging, as `settings()` takes them.
#[derive(Clone, Debug)]
pub enum OptimizerKind {
    Momentum {
        momentum: Option<Real>,
        sparse: bool,
    },
    Adam {
        beta1: Real,
        beta2: Real,
        epsilon: Real,
    },
    Adamax {
        beta1: Real,
        beta2: Real,
    },
    AdaGrad,
    RMSProp {
        rho: Real,
        epsilon: Real,
    },
    DecayedAdaGrad {
        rho: Real,
        epsilon: Real,
    },
    AdaDelta {
        rho: Real,
        epsilon: Real,
    },
    L2Regularization {
        rate: Real,
    },
    ModelAverage {
        average_window: Real,
        max_average_window: Option<i64>,
        do_average_in_cpu: bool,
    },
}

pub struct OptimizerObj {
    pub kind: OptimizerKind,
}

impl OptimizerObj {
    fn class(&self) -> &'static str {
        match self.kind {
            OptimizerKind::Momentum { .. } => "MomentumOptimizer",
            OptimizerKind::Adam { .. } => "AdamOptimizer",
            OptimizerKind::Adamax { .. } => "AdamaxOptimizer",
            OptimizerKind::AdaGrad => "AdaGradOptimizer",
            OptimizerKind::RMSProp { .. } => "RMSPropOptimizer",
            OptimizerKind::DecayedAdaGrad { .. } => "DecayedAdaGradOptimizer",
            OptimizerKind::AdaDelta { .. } => "AdaDeltaOptimizer",
            OptimizerKind::L2Regularization { .. } => "L2Regularization",
            OptimizerKind::ModelAverage { .. } => "ModelAverage",
        }
    }
}

impl HostObject for OptimizerObj {
    fn type_name(&self) -> &str {
        self.class()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn is_instance_of(&self, t: &str) -> bool {
        let regularizer = matches!(self.kind, OptimizerKind::L2Regularization { .. });
        t == self.class()
            || t == "Optimizer"
            || (t == "BaseRegularization" && regularizer)
            || (t == "BaseSGDOptimizer"
                && !regularizer
                && !matches!(self.kind, OptimizerKind::ModelAverage { .. }))
    }
}
