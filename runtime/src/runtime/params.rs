//! The parameter store: every parameter under Paddle's own name (`___conv_0__.w0`), one flat
//! tensor each, in Paddle's memory layout, so a Paddle parameter file is a straight copy.
//!
//! tch's VarStore rejects `.` in names and renames duplicates, so it cannot hold Paddle's
//! names or share a parameter between layers; this map can. Layers take views (`view`,
//! `reshape`) of the flat tensor, so gradients accumulate on the one shared leaf.

use std::collections::HashMap;

use paddlers_graph::ParameterConfig;
use tch::{Device, Kind, Tensor};

use super::error::{Result, RuntimeError};
use super::init;

/// One parameter: its config and its flat value (a leaf; trainable unless `is_static`).
pub struct Parameter {
    pub config: ParameterConfig,
    pub value: Tensor,
}

impl Parameter {
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Static parameters (batch-norm moving statistics) are updated by their layer, not by
    /// the optimizer, and have no gradient.
    pub fn is_static(&self) -> bool {
        self.config.is_static()
    }

    /// The gradient of the last backward pass, flat; `None` before any backward pass or for
    /// a static parameter.
    pub fn grad(&self) -> Option<Tensor> {
        let g = self.value.grad();
        g.defined().then_some(g)
    }
}

pub struct ParamStore {
    params: Vec<Parameter>,
    index: HashMap<String, usize>,
    device: Device,
    kind: Kind,
}

impl ParamStore {
    /// Creates and initializes every parameter as Paddle does, seeded.
    pub fn new(configs: &[ParameterConfig], device: Device, kind: Kind, seed: u64) -> Result<Self> {
        let mut store = ParamStore {
            params: Vec::with_capacity(configs.len()),
            index: HashMap::new(),
            device,
            kind,
        };
        for cfg in configs {
            if store.index.contains_key(&cfg.name) {
                return Err(RuntimeError::BadParameter {
                    name: cfg.name.clone(),
                    msg: "declared twice in the model config".into(),
                });
            }
            let dims_product: u64 = cfg.dims.iter().product();
            if !cfg.dims.is_empty() && dims_product != cfg.size {
                return Err(RuntimeError::BadParameter {
                    name: cfg.name.clone(),
                    msg: format!("dims {:?} do not multiply to size {}", cfg.dims, cfg.size),
                });
            }
            let values = init::initial_values(cfg, seed);
            let value = Tensor::from_slice(&values)
                .to_kind(kind)
                .to_device(device)
                .set_requires_grad(!cfg.is_static());
            store.index.insert(cfg.name.clone(), store.params.len());
            store.params.push(Parameter {
                config: cfg.clone(),
                value,
            });
        }
        Ok(store)
    }

    pub fn device(&self) -> Device {
        self.device
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn len(&self) -> usize {
        self.params.len()
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// All parameters, in the model config's order.
    pub fn iter(&self) -> impl Iterator<Item = &Parameter> {
        self.params.iter()
    }

    /// The parameters the optimizer updates.
    pub fn trainable(&self) -> impl Iterator<Item = &Parameter> {
        self.params.iter().filter(|p| !p.is_static())
    }

    pub fn get(&self, name: &str) -> Option<&Parameter> {
        self.index.get(name).map(|&i| &self.params[i])
    }

    /// The flat value tensor of `name` (shares storage and autograd with the store).
    pub fn tensor(&self, name: &str) -> Result<&Tensor> {
        self.get(name)
            .map(|p| &p.value)
            .ok_or_else(|| RuntimeError::BadParameter {
                name: name.into(),
                msg: "used by a layer but not declared in the model config".into(),
            })
    }

    /// The values of `name`, flat, as f32 (Paddle's parameter file holds exactly these).
    pub fn values_f32(&self, name: &str) -> Result<Vec<f32>> {
        let t = self.tensor(name)?;
        let t = t.detach().to_kind(Kind::Float).to_device(Device::Cpu);
        Ok(Vec::<f32>::try_from(&t)?)
    }

    /// Replaces the values of `name` from a flat f32 slice (e.g. a Paddle parameter file).
    pub fn set_values_f32(&mut self, name: &str, values: &[f32]) -> Result<()> {
        let p = self.get(name).ok_or_else(|| RuntimeError::BadParameter {
            name: name.into(),
            msg: "not in the model config".into(),
        })?;
        if values.len() as u64 != p.config.size {
            return Err(RuntimeError::BadParameter {
                name: name.into(),
                msg: format!(
                    "has {} values, the model config says size {}",
                    values.len(),
                    p.config.size
                ),
            });
        }
        let src = Tensor::from_slice(values)
            .to_kind(self.kind)
            .to_device(self.device);
        let _guard = tch::no_grad_guard();
        p.value.shallow_clone().copy_(&src);
        Ok(())
    }

    /// The gradient of `name` after a backward pass, flat, as f32.
    pub fn grad_f32(&self, name: &str) -> Result<Option<Vec<f32>>> {
        let p = self
            .get(name)
            .ok_or_else(|| RuntimeError::NoSuchLayer(name.into()))?;
        match p.grad() {
            Some(g) => {
                let g = g.to_kind(Kind::Float).to_device(Device::Cpu);
                Ok(Some(Vec::<f32>::try_from(&g)?))
            }
            None => Ok(None),
        }
    }

    /// Clears the gradients before the next backward pass.
    pub fn zero_grad(&self) {
        for p in self.trainable() {
            let mut g = p.value.grad();
            if g.defined() {
                let _ = g.detach_().zero_();
            }
        }
    }

    /// A deep copy on `device` with dtype `kind`: a replica for another trainer thread or
    /// GPU, or a float64 copy for gradient checking. The copy has its own leaves.
    pub fn to(&self, device: Device, kind: Kind) -> ParamStore {
        let params = self
            .params
            .iter()
            .map(|p| Parameter {
                config: p.config.clone(),
                value: p
                    .value
                    .detach()
                    .to_device(device)
                    .to_kind(kind)
                    .copy()
                    .set_requires_grad(!p.is_static()),
            })
            .collect();
        ParamStore {
            params,
            index: self.index.clone(),
            device,
            kind,
        }
    }

    /// Copies every value from `other` (same model) into this store, across devices.
    pub fn copy_values_from(&self, other: &ParamStore) -> Result<()> {
        let _guard = tch::no_grad_guard();
        for p in &self.params {
            let src = other.tensor(p.name())?;
            p.value.shallow_clone().copy_(src);
        }
        Ok(())
    }
}
