//! config_parser's `Settings(...)` table: the optimization and trainer settings a config may
//! set, with Paddle's defaults, copied into the TrainerConfig when the config is finished.

use super::builder::{fail, GraphError, Result};
use super::{OptimizationConfig, Real, TrainerConfig};

/// A setting's value as the config gave it.
#[derive(Clone, Debug, PartialEq)]
pub enum Setting {
    Num(Real),
    Str(String),
    Bool(bool),
}

/// Optimization settings (`DEFAULT_SETTING`) and trainer settings, in Paddle's order.
/// `None` means "leave the proto field unset".
#[derive(Clone, Debug)]
pub struct Settings {
    entries: Vec<(&'static str, Option<Setting>)>,
}

const OPT_KEYS: &[&str] = &[
    "batch_size",
    "mini_batch_size",
    "algorithm",
    "async_lagged_grad_discard_ratio",
    "learning_method",
    "gradient_clipping_threshold",
    "num_batches_per_send_parameter",
    "num_batches_per_get_parameter",
    "center_parameter_update_method",
    "learning_rate",
    "learning_rate_decay_a",
    "learning_rate_decay_b",
    "learning_rate_schedule",
    "learning_rate_args",
    "l1weight",
    "l2weight",
    "l2weight_zero_iter",
    "c1",
    "backoff",
    "owlqn_steps",
    "max_backoff",
    "average_window",
    "do_average_in_cpu",
    "max_average_window",
    "ada_epsilon",
    "ada_rou",
    "delta_add_rate",
    "shrink_parameter_value",
    "adam_beta1",
    "adam_beta2",
    "adam_epsilon",
];

const TRAINER_KEYS: &[&str] = &["save_dir", "init_model_path", "start_pass"];

impl Default for Settings {
    fn default() -> Self {
        use Setting::*;
        let f = |x: f64| Some(Num(Real::Float(x)));
        let i = |x: i64| Some(Num(Real::Int(x)));
        let s = |x: &str| Some(Str(x.to_string()));
        let entries = vec![
            ("batch_size", None),
            ("mini_batch_size", None),
            ("algorithm", s("async_sgd")),
            ("async_lagged_grad_discard_ratio", f(1.5)),
            ("learning_method", s("momentum")),
            ("gradient_clipping_threshold", None),
            ("num_batches_per_send_parameter", None),
            ("num_batches_per_get_parameter", None),
            ("center_parameter_update_method", None),
            ("learning_rate", f(1.0)),
            ("learning_rate_decay_a", f(0.0)),
            ("learning_rate_decay_b", f(0.0)),
            ("learning_rate_schedule", s("poly")),
            ("learning_rate_args", s("")),
            ("l1weight", f(0.1)),
            ("l2weight", f(0.0)),
            ("l2weight_zero_iter", i(0)),
            ("c1", f(0.0001)),
            ("backoff", f(0.5)),
            ("owlqn_steps", i(10)),
            ("max_backoff", i(5)),
            ("average_window", i(0)),
            ("do_average_in_cpu", Some(Bool(false))),
            ("max_average_window", None),
            ("ada_epsilon", f(1e-6)),
            ("ada_rou", f(0.95)),
            ("delta_add_rate", f(1.0)),
            ("shrink_parameter_value", i(0)),
            ("adam_beta1", f(0.9)),
            ("adam_beta2", f(0.999)),
            ("adam_epsilon", f(1e-8)),
            ("save_dir", s("./output/model")),
            ("init_model_path", None),
            ("start_pass", i(0)),
        ];
        debug_assert_eq!(entries.len(), OPT_KEYS.len() + TRAINER_KEYS.len());
        Settings { entries }
    }
}

impl Settings {
    pub fn is_known(key: &str) -> bool {
        OPT_KEYS.contains(&key) || TRAINER_KEYS.contains(&key)
    }

    /// `Settings(key=value)`; `None` unsets.
    pub fn set(&mut self, key: &str, value: Option<Setting>) -> Result<()> {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => {
                entry.1 = value;
                Ok(())
            }
            None => fail(format!("Unknown setting: {key}")),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.as_ref())
    }

    /// `update_g_config`: every set value into its proto field.
    pub fn apply(&self, trainer: &mut TrainerConfig) {
        for (key, value) in &self.entries {
            if let Some(value) = value {
                // The table only holds known keys, and values were type-checked in `set_checked`.
                let _ = apply_one(trainer, key, value);
            }
        }
    }

    /// Like [`Settings::set`], but checks the value's type against the proto field first.
    pub fn set_checked(&mut self, key: &str, value: Option<Setting>) -> Result<()> {
        if let Some(v) = &value {
            let mut probe = TrainerConfig::default();
            if !Settings::is_known(key) {
                return fail(format!("Unknown setting: {key}"));
            }
            apply_one(&mut probe, key, v)?;
        }
        self.set(key, value)
    }
}

fn as_int(key: &str, v: &Setting) -> Result<i64> {
    match v {
        Setting::Num(Real::Int(i)) => Ok(*i),
        Setting::Bool(b) => Ok(*b as i64),
        Setting::Num(Real::Float(f)) if f.fract() == 0.0 => Ok(*f as i64),
        _ => fail(format!("setting {key} must be an integer, got {v:?}")),
    }
}

fn as_real(key: &str, v: &Setting) -> Result<Real> {
    match v {
        Setting::Num(r) => Ok(*r),
        Setting::Bool(b) => Ok(Real::Int(*b as i64)),
        _ => fail(format!("setting {key} must be a number, got {v:?}")),
    }
}

fn as_str(key: &str, v: &Setting) -> Result<String> {
    match v {
        Setting::Str(s) => Ok(s.clone()),
        _ => fail(format!("setting {key} must be a string, got {v:?}")),
    }
}

fn as_bool(key: &str, v: &Setting) -> Result<bool> {
    match v {
        Setting::Bool(b) => Ok(*b),
        Setting::Num(r) => Ok(r.as_f64() != 0.0),
        _ => fail(format!("setting {key} must be a bool, got {v:?}")),
    }
}

fn apply_one(t: &mut TrainerConfig, key: &str, v: &Setting) -> std::result::Result<(), GraphError> {
    let o: &mut OptimizationConfig = &mut t.opt_config;
    let i32_of = |v| as_int(key, v).map(|i| i as i32);
    match key {
        "batch_size" => o.batch_size = Some(i32_of(v)?),
        "mini_batch_size" => o.mini_batch_size = Some(i32_of(v)?),
        "algorithm" => o.algorithm = as_str(key, v)?,
        "async_lagged_grad_discard_ratio" => {
            o.async_lagged_grad_discard_ratio = Some(as_real(key, v)?)
        }
        "learning_method" => o.learning_method = Some(as_str(key, v)?),
        "gradient_clipping_threshold" => o.gradient_clipping_threshold = Some(as_real(key, v)?),
        "num_batches_per_send_parameter" => o.num_batches_per_send_parameter = Some(i32_of(v)?),
        "num_batches_per_get_parameter" => o.num_batches_per_get_parameter = Some(i32_of(v)?),
        "center_parameter_update_method" => {
            o.center_parameter_update_method = Some(as_str(key, v)?)
        }
        "learning_rate" => o.learning_rate = as_real(key, v)?,
        "learning_rate_decay_a" => o.learning_rate_decay_a = Some(as_real(key, v)?),
        "learning_rate_decay_b" => o.learning_rate_decay_b = Some(as_real(key, v)?),
        "learning_rate_schedule" => o.learning_rate_schedule = Some(as_str(key, v)?),
        "learning_rate_args" => o.learning_rate_args = Some(as_str(key, v)?),
        "l1weight" => o.l1weight = Some(as_real(key, v)?),
        "l2weight" => o.l2weight = Some(as_real(key, v)?),
        "l2weight_zero_iter" => o.l2weight_zero_iter = Some(i32_of(v)?),
        "c1" => o.c1 = Some(as_real(key, v)?),
        "backoff" => o.backoff = Some(as_real(key, v)?),
        "owlqn_steps" => o.owlqn_steps = Some(i32_of(v)?),
        "max_backoff" => o.max_backoff = Some(i32_of(v)?),
        "average_window" => o.average_window = Some(as_real(key, v)?),
        "do_average_in_cpu" => o.do_average_in_cpu = Some(as_bool(key, v)?),
        "max_average_window" => o.max_average_window = Some(as_int(key, v)?),
        "ada_epsilon" => o.ada_epsilon = Some(as_real(key, v)?),
        "ada_rou" => o.ada_rou = Some(as_real(key, v)?),
        "delta_add_rate" => o.delta_add_rate = Some(as_real(key, v)?),
        "shrink_parameter_value" => o.shrink_parameter_value = Some(as_real(key, v)?),
        "adam_beta1" => o.adam_beta1 = Some(as_real(key, v)?),
        "adam_beta2" => o.adam_beta2 = Some(as_real(key, v)?),
        "adam_epsilon" => o.adam_epsilon = Some(as_real(key, v)?),
        "save_dir" => t.save_dir = Some(as_str(key, v)?),
        "init_model_path" => t.init_model_path = Some(as_str(key, v)?),
        "start_pass" => t.start_pass = Some(i32_of(v)?),
        _ => return fail(format!("Unknown setting: {key}")),
    }
    Ok(())
}
