//! The pass and batch loop of `paddle train` (`Trainer.cpp`, `TrainerInternal.cpp`,
//! `Tester.cpp`): train every batch, log the Batch line every `--log_period` batches and the
//! Pass line after each pass, test after each pass (or every `--test_period` batches), and
//! save `save_dir/pass-%05d`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use paddlers_graph::TrainerConfig;
use paddlers_providers::{Batch, DataProvider};
use tch::{Device, Kind};

use crate::runtime::{feed_from_batch, Mode, Network};

use super::checkpoint::{self, PassContents, SavedState};
use super::data_source;
use super::error::TrainError;
use super::evaluators::{EvalArg, Evaluators};
use super::format::g;
use super::interrupt;
use super::metrics::{process_cpu_seconds, MetricsLog, PassMetrics};
use super::optimizer::Optimizer;
use super::options::TrainOptions;
use super::preflight;
use super::process_group;
use super::progress::Progress;
use super::replicas::{eval_arg, Replicas};
use super::stats::{self, TrainerStats};

/// With model_average: the optimizer_state file of a parameter's trained (not averaged) value.
const TRAINED_VALUE: &str = "trained_value";

pub struct Trainer {
    /// Kept for the checks before work (layer sizes against the providers' slots).
    config: TrainerConfig,
    opts: TrainOptions,
    replicas: Replicas,
    optimizer: Optimizer,
    train_data: Option<Box<dyn DataProvider>>,
    test_data: Option<Box<dyn DataProvider>>,
    eval_layers: Vec<String>,
    evaluator: Evaluators,
    current_evaluator: Evaluators,
    test_evaluator: Evaluators,
    stats: TrainerStats,
    progress: Progress,
    batch_size: usize,
    /// The newest complete pass directory, for messages.
    last_saved: Option<PathBuf>,
}

/// One test period's result.
pub struct TestResult {
    pub samples: i64,
    pub cost: f64,
    pub evals: Vec<(String, f64)>,
}

/// What `train` did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSummary {
    pub passes: i64,
    pub samples: i64,
    pub seconds: f64,
}

impl Trainer {
    /// Builds the network (and its copies), the optimizer, the evaluators and the providers.
    pub fn new(config: TrainerConfig, opts: TrainOptions) -> Result<Trainer, TrainError> {
        let devices = devices(&opts)?;
        tch::manual_seed(opts.seed as i64);
        let main = Network::build(&config.model_config, devices[0], opts.seed)?;
        let mut replicas = Replicas::new(main, &devices[1..])?;
        replicas.set_group(process_group::connect(opts.cluster.as_ref())?);
        let optimizer = Optimizer::new(&config.opt_config, &config.model_config.parameters)?;
        let (train_data, test_data) = data_source::open(&config, opts.seed)?;
        let batch_size = match config.opt_config.batch_size {
            Some(b) if b > 0 => b as usize,
            other => {
                return Err(TrainError::Config(format!(
                    "settings(batch_size=...) must be positive, not {}",
                    other.map_or("unset".to_string(), |b| b.to_string())
                )))
            }
        };
        let evals = &config.model_config.evaluators;
        let evaluator = Evaluators::from_configs(evals)?;
        let eval_layers = evaluator.input_layers();
        for name in &eval_layers {
            if config.model_config.layer(name).is_none() {
                return Err(TrainError::Config(format!(
                    "an evaluator reads layer '{name}', which the network does not have"
                )));
            }
        }
        Ok(Trainer {
            current_evaluator: Evaluators::from_configs(evals)?,
            test_evaluator: Evaluators::from_configs(evals)?,
            evaluator,
            eval_layers,
            progress: Progress::new(opts.dot_period, opts.progress_bar),
            opts,
            replicas,
            optimizer,
            train_data,
            test_data,
            stats: TrainerStats::default(),
            batch_size,
            last_saved: None,
            config,
        })
    }

    pub fn network(&self) -> &Network {
        self.replicas.main()
    }

    pub fn optimizer(&self) -> &Optimizer {
        &self.optimizer
    }

    /// Rank 0 of several processes, or the only one: the rank that writes save_dir.
    fn is_chief(&self) -> bool {
        self.replicas.group().rank() == 0
    }

    fn log(&mut self, line: &str) {
        self.progress.log(|| tracing::info!("{line}"));
    }

    /// `--job=train`: passes `start_pass..num_passes`.
    pub fn train(&mut self) -> Result<TrainSummary, TrainError> {
        if self.train_data.is_none() {
            return Err(TrainError::Config(
                "the config declares no training data (define_py_data_sources2 with a \
                 train_list)"
                    .into(),
            ));
        }
        interrupt::clear();
        interrupt::install();
        self.check_before_work()?;
        self.load_initial()?;
        // Every rank starts from rank 0's values (the same seed gives the same ones; this
        // makes it so whatever each rank's libtorch drew).
        self.replicas.sync()?;
        if self.is_chief() {
            preflight::note_earlier_run(&self.opts)?;
        }
        self.fast_forward_data()?;
        let mut metrics = self
            .is_chief()
            .then(|| MetricsLog::open(&self.opts.save_dir, self.opts.start_pass));
        let started = Instant::now();
        let mut samples = 0;
        let mut passes = 0;
        for pass in self.opts.start_pass..self.opts.num_passes {
            let pass_started = Instant::now();
            let cpu_started = process_cpu_seconds();
            let train_samples = self.train_pass(pass)?;
            let train_seconds = pass_started.elapsed().as_secs_f64();
            let train_cpu_seconds = process_cpu_seconds() - cpu_started;
            samples += train_samples;
            passes += 1;
            let test = match self.test_data.is_some() {
                true => Some(self.test_period()?),
                false => None,
            };
            // The row goes in before the pass is saved: a kill between the two leaves a row
            // for an unsaved pass, which the resume from the pass before rewrites, never a
            // saved pass without its row.
            let row = PassMetrics {
                pass,
                train_samples,
                train_cost: self.stats.avg_cost(),
                train_evals: self.evaluator.values(),
                test_samples: test.as_ref().map(|t| t.samples),
                test_cost: test.as_ref().map(|t| t.cost),
                test_evals: test.map(|t| t.evals).unwrap_or_default(),
                learning_rate: self.optimizer.learning_rate(),
                train_seconds,
                train_cpu_seconds,
                seconds: pass_started.elapsed().as_secs_f64(),
            };
            if let Some(metrics) = metrics.as_mut() {
                metrics.push(row)?;
            }
            if pass % self.opts.saving_period == 0 {
                // Rank 0 alone writes, once every rank has finished the pass; the others
                // wait for the pass directory to be whole before going on.
                let group = self.replicas.group();
                group.barrier(&format!("the barrier before saving pass {pass}"))?;
                if self.is_chief() {
                    self.save_pass(pass)?;
                    if self.opts.save_only_one && pass >= self.opts.saving_period {
                        checkpoint::delete_pass(
                            &self.opts.save_dir,
                            pass - self.opts.saving_period,
                        )?;
                    }
                }
                let group = self.replicas.group();
                group.barrier(&format!("the barrier after saving pass {pass}"))?;
            }
            if interrupt::requested() && pass + 1 < self.opts.num_passes {
                self.progress.before_log();
                return Err(TrainError::Interrupted {
                    signal: interrupt::signal_name(),
                    pass: pass + 1,
                    batch: 0,
                    saved: self.saved_message(),
                });
            }
        }
        // Rank 0 serves the rendezvous store: it leaves last.
        self.replicas
            .group()
            .barrier("the barrier at the end of training")?;
        let seconds = started.elapsed().as_secs_f64();
        if passes > 0 {
            self.log(&format!(
                "trained {passes} passes, {samples} samples in {seconds:.1} s ({:.1} samples/s)",
                samples as f64 / seconds.max(1e-9)
            ));
        }
        Ok(TrainSummary {
            passes,
            samples,
            seconds,
        })
    }

    /// What can be checked before the first batch ([`preflight`]); the sweep of what a killed
    /// run left in save_dir comes after the save_dir check, so it runs in a usable directory.
    fn check_before_work(&mut self) -> Result<(), TrainError> {
        preflight::check_train_flags(&mut self.opts)?;
        if self.is_chief() {
            preflight::check_save_dir(&self.opts.save_dir)?;
            checkpoint::sweep(&self.opts.save_dir)?;
        }
        if let Some(data) = &self.train_data {
            preflight::check_id_ranges(&self.config, data.slots(), "train")?;
        }
        preflight::check_test_data(&self.config, self.opts.seed, self.batch_size)
    }

    /// Loads `--init_model_path`, or the pass before `--start_pass` with its optimizer state.
    fn load_initial(&mut self) -> Result<(), TrainError> {
        if let Some(dir) = self.opts.init_model_path.clone() {
            self.load_params(&dir)?;
            self.log(&format!("loaded parameters from {}", dir.display()));
        } else if self.opts.start_pass > 0 {
            let dir = self
                .opts
                .save_dir
                .join(checkpoint::pass_dir_name(self.opts.start_pass - 1));
            if !checkpoint::is_complete(&dir) {
                return Err(TrainError::checkpoint(
                    &dir,
                    format!(
                        "cannot resume at --start_pass={}: this pass directory is missing or \
                         was not completely saved (no 'done' file)",
                        self.opts.start_pass
                    ),
                ));
            }
            self.load_params(&dir)?;
            self.load_optimizer_state(&dir)?;
            self.last_saved = Some(dir.clone());
            self.log(&format!(
                "resuming at pass {} from {}",
                self.opts.start_pass,
                dir.display()
            ));
        }
        Ok(())
    }

    /// Loads every parameter of the model from a pass directory.
    pub fn load_params(&mut self, dir: &Path) -> Result<(), TrainError> {
        let wanted: Vec<(String, usize)> = self
            .network()
            .params()
            .iter()
            .map(|p| (p.name().to_string(), p.config.size as usize))
            .collect();
        let loaded = checkpoint::load_params(dir, &wanted)?;
        let store = self.replicas.main_mut().params_mut();
        for (name, values) in loaded {
            store.set_values_f32(&name, &values)?;
        }
        self.replicas.sync()
    }

    fn load_optimizer_state(&mut self, dir: &Path) -> Result<(), TrainError> {
        let Some(saved) = checkpoint::load_state(dir)? else {
            tracing::warn!(
                "{} has no optimizer_state (not saved by paddlers): momentum and other \
                 optimizer buffers restart from zero, and the learning-rate schedule from \
                 sample 0, as in Paddle",
                dir.display()
            );
            self.optimizer.set_pass(self.opts.start_pass);
            return Ok(());
        };
        let method = self.optimizer.method().name();
        if saved.learning_method != method {
            return Err(TrainError::checkpoint(
                dir.join(checkpoint::OPTIMIZER_STATE_DIR),
                format!(
                    "saved by learning_method '{}', but the config now uses '{method}'",
                    saved.learning_method
                ),
            ));
        }
        let store = self.replicas.main().params();
        let (device, kind) = (store.device(), store.kind());
        let sizes: HashMap<String, usize> = store
            .iter()
            .map(|p| (p.name().to_string(), p.config.size as usize))
            .collect();
        self.optimizer
            .restore_state(saved.counters, |param, buffer| {
                let size = sizes[param];
                let key = format!("{param}.{buffer}");
                Ok(checkpoint::load_state_buffer(dir, &key, size)?
                    .map(|v| tch::Tensor::from_slice(&v).to_kind(kind).to_device(device)))
            })?;
        // With model_average the pass directory holds the averages; training continues from
        // the trained values saved beside the optimizer state.
        let mut trained = Vec::new();
        for (name, size) in &sizes {
            let key = format!("{name}.{TRAINED_VALUE}");
            if let Some(v) = checkpoint::load_state_buffer(dir, &key, *size)? {
                trained.push((name.clone(), v));
            }
        }
        let store = self.replicas.main_mut().params_mut();
        for (name, values) in trained {
            store.set_values_f32(&name, &values)?;
        }
        self.replicas.sync()
    }

    /// Puts the data providers where an uninterrupted run would be at `start_pass`, so a
    /// resumed run sees the same batches: pass 0 is read whole (it fills the pass cache, and
    /// later passes are drawn from it), the rest are only started.
    fn fast_forward_data(&mut self) -> Result<(), TrainError> {
        let start = self.opts.start_pass;
        let Some(data) = self.train_data.as_mut() else {
            return Ok(());
        };
        if start == 0 {
            return Ok(());
        }
        tracing::info!("replaying the data order of passes 0..{start} (reading, not training)");
        data.start_pass(self.batch_size).map_err(data_err)?;
        while data.next_batch().map_err(data_err)?.is_some() {}
        for _ in 1..start {
            data.start_pass(self.batch_size).map_err(data_err)?;
        }
        Ok(())
    }

    fn train_pass(&mut self, pass: i64) -> Result<i64, TrainError> {
        // Dropout masks of a pass depend only on (seed, pass), so a resumed run repeats them.
        tch::manual_seed(self.opts.seed.wrapping_add(pass as u64) as i64);
        self.stats.reset();
        self.evaluator.start();
        self.optimizer.start_pass();
        self.progress.start_pass(pass);
        let batch_size = self.batch_size;
        let data = self.train_data.as_mut().expect("checked in train()");
        data.start_pass(batch_size).map_err(data_err)?;
        let mut batch_id = 0i64;
        let mut data_wait = 0f64;
        loop {
            let data = self.train_data.as_mut().expect("checked in train()");
            let asked = Instant::now();
            let next = data.next_batch().map_err(data_err)?;
            data_wait += asked.elapsed().as_secs_f64();
            let Some(batch) = next else {
                break;
            };
            if batch.size == 0 {
                continue;
            }
            self.train_batch(pass, batch_id, &batch)?;
            batch_id += 1;
            if interrupt::requested() {
                self.progress.before_log();
                return Err(TrainError::Interrupted {
                    signal: interrupt::signal_name(),
                    pass,
                    batch: batch_id,
                    saved: self.saved_message(),
                });
            }
            if self.opts.test_period > 0
                && batch_id % self.opts.test_period == 0
                && self.test_data.is_some()
            {
                self.test_period()?;
            }
        }
        if batch_id == 0 {
            return Err(TrainError::Data(format!(
                "the training data gave no samples in pass {pass}"
            )));
        }
        tracing::debug!("pass {pass}: {data_wait:.3} s waiting for the data provider");
        self.progress.finish_pass();
        self.optimizer.finish_pass();
        self.evaluator.finish();
        let line = stats::pass_line(
            pass,
            batch_id,
            &self.stats,
            &self.evaluator.to_paddle_string(),
        );
        self.log(&line);
        Ok(self.stats.num_processed())
    }

    fn saved_message(&self) -> String {
        match &self.last_saved {
            Some(d) => format!("the last good parameters are in {}", d.display()),
            None => "no pass was saved yet".into(),
        }
    }

    fn train_batch(&mut self, pass: i64, batch_id: i64, batch: &Batch) -> Result<(), TrainError> {
        let samples = batch.size as i64;
        self.optimizer.start_batch(samples);
        let feed = feed_from_batch(batch, Device::Cpu, Kind::Float)?;
        let out = self
            .replicas
            .forward_backward(&feed, samples, &self.eval_layers)
            .map_err(|e| match e {
                TrainError::Runtime(e) => at_batch(
                    &self.config,
                    format!("pass {pass}, batch"),
                    batch_id + 1,
                    batch,
                    e,
                ),
                e => e,
            })?;
        if !out.cost.is_finite() {
            self.replicas.zero_grad();
            self.progress.before_log();
            return Err(TrainError::NonFiniteCost {
                value: out.cost,
                pass,
                batch: batch_id + 1,
                saved: self.saved_message(),
            });
        }
        let show_stats = self.opts.show_parameter_stats_period > 0
            && (batch_id + 1) % self.opts.show_parameter_stats_period == 0;
        let grad_stats = if show_stats {
            self.gradient_stats()
        } else {
            Vec::new()
        };
        self.replicas.update(&mut self.optimizer)?;
        if batch_id % self.opts.log_period == 0 {
            self.current_evaluator.start();
            self.stats.reset_current();
        }
        for inputs in &out.eval_inputs {
            let get = |n: &str| inputs.get(n).cloned();
            self.current_evaluator.eval(&get)?;
            self.evaluator.eval(&get)?;
        }
        self.stats.add(samples, out.cost as f32);
        self.optimizer.finish_batch();
        if show_stats {
            self.show_parameter_stats(&grad_stats);
        }
        let logged = (batch_id + 1) % self.opts.log_period == 0;
        if logged {
            self.current_evaluator.finish();
            let line = stats::batch_line(
                batch_id + 1,
                &self.stats,
                &self.evaluator.to_paddle_string(),
                &self.current_evaluator.to_paddle_string(),
            );
            self.log(&line);
        }
        let in_pass = self.stats.num_processed();
        self.progress.batch_done(batch_id + 1, in_pass, logged);
        Ok(())
    }

    /// (avg |grad|, max |grad|) of every trainable parameter, before the update.
    fn gradient_stats(&self) -> Vec<(f64, f64)> {
        self.network()
            .params()
            .iter()
            .map(|p| match p.grad() {
                Some(g) => (
                    g.abs().mean(Kind::Double).double_value(&[]),
                    g.abs().max().double_value(&[]),
                ),
                None => (0.0, 0.0),
            })
            .collect()
    }

    /// `--show_parameter_stats_period`: Paddle's per-parameter line.
    fn show_parameter_stats(&mut self, grads: &[(f64, f64)]) {
        let mut lines = Vec::new();
        for (p, (avg_grad, max_grad)) in self.network().params().iter().zip(grads) {
            let v = p.value.detach();
            let avg_val = v.abs().mean(Kind::Double).double_value(&[]);
            let max_val = v.abs().max().double_value(&[]);
            lines.push(format!(
                "{:<20} avg_abs_val={:<11} max_val={:<11} avg_abs_grad={:<11} max_grad={:<11}",
                p.name(),
                g(avg_val),
                g(max_val),
                g(*avg_grad),
                g(*max_grad)
            ));
        }
        for l in lines {
            self.log(&l);
        }
    }

    /// Paddle's `Tester::testOnePeriod`: the whole test set, on the averaged parameters when
    /// `model_average` is set.
    pub fn test_period(&mut self) -> Result<TestResult, TrainError> {
        self.apply_average();
        let result = self.test_all(false);
        self.restore_average();
        let result = result?;
        let line = stats::test_line(
            result.samples,
            result.cost,
            &self.test_evaluator.to_paddle_string(),
        );
        self.log(&line);
        Ok(TestResult {
            cost: if result.samples > 0 {
                result.cost / result.samples as f64
            } else {
                0.0
            },
            ..result
        })
    }

    /// Runs the test data through the main network; `cost` is the sum. With `log_batches`,
    /// logs Tester's ` Batch=N samples=... AvgCost=...` line every `--log_period` batches
    /// (`--job=test`).
    fn test_all(&mut self, log_batches: bool) -> Result<TestResult, TrainError> {
        let Some(data) = self.test_data.as_mut() else {
            return Err(TrainError::Config(
                "the config declares no test data (define_py_data_sources2 with a test_list)"
                    .into(),
            ));
        };
        self.test_evaluator.start();
        data.start_pass(self.batch_size).map_err(data_err)?;
        // Paddle sums the test cost in a float32 `real`.
        let (mut samples, mut cost) = (0i64, 0f32);
        let mut stats = TrainerStats::default();
        let mut batches = 0i64;
        let mut lines = Vec::new();
        let net = self.replicas.main();
        while let Some(batch) = data.next_batch().map_err(data_err)? {
            if batch.size == 0 {
                continue;
            }
            let feed = feed_from_batch(&batch, net.device(), Kind::Float)?;
            let fwd = net.forward(&feed, Mode::Test).map_err(|e| {
                at_batch(
                    &self.config,
                    "testing, batch".into(),
                    batches + 1,
                    &batch,
                    e,
                )
            })?;
            let batch_cost = fwd.cost.as_ref().map_or(0.0, |c| c.double_value(&[])) as f32;
            cost += batch_cost;
            samples += batch.size as i64;
            stats.add(batch.size as i64, batch_cost);
            batches += 1;
            if log_batches && batches % self.opts.log_period == 0 {
                lines.push(format!(" Batch={batches} {}", stats.show(false)));
            }
            let mut inputs: HashMap<String, EvalArg> = HashMap::new();
            for name in &self.eval_layers {
                if let Some(a) = fwd.output(name) {
                    inputs.insert(name.clone(), eval_arg(a)?);
                }
            }
            self.test_evaluator.eval(&|n| inputs.get(n).cloned())?;
        }
        for l in lines {
            self.log(&l);
        }
        if samples == 0 {
            return Err(TrainError::Data(
                "there are no samples in the test data".into(),
            ));
        }
        self.test_evaluator.finish();
        Ok(TestResult {
            samples,
            cost: f64::from(cost),
            evals: self.test_evaluator.values(),
        })
    }

    fn apply_average(&mut self) {
        if !self.optimizer.has_average() {
            return;
        }
        let net = self.replicas.main();
        for p in net.params().trainable() {
            self.optimizer.apply_average(p.name(), &p.value);
        }
    }

    fn restore_average(&mut self) {
        if !self.optimizer.has_average() {
            return;
        }
        let net = self.replicas.main();
        for p in net.params().trainable() {
            self.optimizer.restore_average(p.name(), &p.value);
        }
    }

    /// Saves `save_dir/pass-%05d` (the averaged parameters, with `model_average`).
    pub fn save_pass(&mut self, pass: i64) -> Result<PathBuf, TrainError> {
        let mut trained = Vec::new();
        if self.optimizer.has_average() {
            let store = self.network().params();
            for p in store.trainable() {
                let key = format!("{}.{TRAINED_VALUE}", p.name());
                trained.push((key, store.values_f32(p.name())?));
            }
        }
        self.apply_average();
        let contents = self.pass_contents();
        self.restore_average();
        let mut contents = contents?;
        if let Some((_, buffers)) = &mut contents.optimizer {
            buffers.extend(trained);
        }
        let dir = checkpoint::save_pass(&self.opts.save_dir, pass, &contents)?;
        self.last_saved = Some(dir.clone());
        Ok(dir)
    }

    fn pass_contents(&self) -> Result<PassContents, TrainError> {
        let store = self.network().params();
        let params = store
            .iter()
            .map(|p| Ok((p.name().to_string(), store.values_f32(p.name())?)))
            .collect::<Result<Vec<_>, TrainError>>()?;
        let buffers = self
            .optimizer
            .state_tensors()
            .into_iter()
            .map(|(k, t)| {
                let t = t.detach().to_device(Device::Cpu).to_kind(Kind::Float);
                Ok((k, Vec::<f32>::try_from(&t.reshape([-1]))?))
            })
            .collect::<Result<Vec<_>, TrainError>>()?;
        Ok(PassContents {
            params,
            optimizer: Some((
                SavedState {
                    learning_method: self.optimizer.method().name().to_string(),
                    counters: self.optimizer.counters().clone(),
                },
                buffers,
            )),
            config_file: self.opts.config_path.clone(),
        })
    }

    /// `--job=test`: tests `--init_model_path`, or each saved pass from `--start_pass` to
    /// `--num_passes` (every `--saving_period`), printing Paddle's ` Pass=N samples=...`
    /// line for each.
    pub fn test_job(&mut self) -> Result<Vec<(i64, TestResult)>, TrainError> {
        if self.test_data.is_none() {
            return Err(TrainError::Config(
                "TestData is not specified: the config declares no test data \
                 (define_py_data_sources2 with a test_list)"
                    .into(),
            ));
        }
        let models: Vec<(i64, PathBuf)> = match &self.opts.init_model_path {
            Some(dir) => vec![(0, dir.clone())],
            None => (self.opts.start_pass..self.opts.num_passes)
                .filter(|p| p % self.opts.saving_period == 0)
                .map(|p| (p, self.opts.save_dir.join(checkpoint::pass_dir_name(p))))
                .filter(|(_, d)| checkpoint::is_complete(d))
                .collect(),
        };
        if models.is_empty() {
            return Err(TrainError::checkpoint(
                &self.opts.save_dir,
                format!(
                    "no saved pass to test between --start_pass={} and --num_passes={} \
                     (give --init_model_path=DIR to test one model)",
                    self.opts.start_pass, self.opts.num_passes
                ),
            ));
        }
        let mut results = Vec::new();
        for (pass, dir) in models {
            self.load_params(&dir)?;
            let r = self.test_all(true)?;
            let mut stats = TrainerStats::default();
            stats.add(r.samples, r.cost as f32);
            let line = stats::test_pass_line(pass, &stats, &self.test_evaluator.to_paddle_string());
            self.log(&line);
            results.push((pass, r));
        }
        Ok(results)
    }
}

fn data_err(e: paddlers_providers::ProviderError) -> TrainError {
    TrainError::Data(e.to_string())
}

/// The device of each network copy: CPU for all, or GPU `gpu_id + i`, sharing GPUs (with a
/// warning) when there are fewer than `--trainer_count`.
fn devices(opts: &TrainOptions) -> Result<Vec<Device>, TrainError> {
    let n = opts.trainer_count.max(1);
    if !opts.use_gpu {
        return Ok(vec![Device::Cpu; n]);
    }
    // The binary checked that a GPU is usable before anything else; this only counts them.
    let count = crate::cuda::device_count();
    if opts.gpu_id >= count {
        return Err(TrainError::Flag(format!(
            "--gpu_id={}: this machine has {count} usable GPU(s), numbered from 0",
            opts.gpu_id
        )));
    }
    // Ranks on one machine take consecutive GPUs: local rank k starts at gpu_id + k * n.
    let local_rank = opts.cluster.as_ref().map_or(0, |c| c.local_rank) as i64;
    let first = (opts.gpu_id + local_rank * n as i64) % count.max(1);
    let gpus = gpu_assignment(first as usize, count as usize, n);
    let available = count as usize - opts.gpu_id as usize;
    if available < n {
        tracing::warn!(
            "--trainer_count={n} with {available} GPU(s) from --gpu_id={}: trainers share \
             GPUs (trainer i runs on GPU {} + i mod {available})",
            opts.gpu_id,
            opts.gpu_id
        );
    }
    Ok(gpus.into_iter().map(Device::Cuda).collect())
}

/// GPU of each of `n` trainers: `gpu_id + i`, wrapping within the GPUs from `gpu_id` on.
fn gpu_assignment(gpu_id: usize, count: usize, n: usize) -> Vec<usize> {
    let available = count.saturating_sub(gpu_id).max(1);
    (0..n).map(|i| gpu_id + i % available).collect()
}

/// A network error on a batch, with what the user needs to find its cause: the file and
/// record of the refused sample, and the config line that defined the layer.
fn at_batch(
    config: &TrainerConfig,
    phase: String,
    batch_number: i64,
    batch: &Batch,
    e: crate::runtime::RuntimeError,
) -> TrainError {
    use crate::runtime::RuntimeError::{BadLayer, BadRecord, Torch};
    let mut context = String::new();
    if let BadRecord { sample, .. } = &e {
        match batch.origin(*sample) {
            Some(o) => context += &format!("\n  the sample is {o}"),
            None => context += &format!("\n  the sample is number {sample} of the batch"),
        }
    }
    if let BadRecord { layer, .. } | BadLayer { layer, .. } | Torch { layer, .. } = &e {
        if let Some(at) = config.layer_origins.get(layer) {
            context += &format!("\n  layer '{layer}' is defined at {at}");
        }
    }
    TrainError::AtBatch {
        phase,
        batch: batch_number,
        source: Box::new(e),
        context,
    }
}

#[cfg(test)]
mod tests {
    use super::gpu_assignment;

    #[test]
    fn trainers_spread_over_gpus_and_share_when_few() {
        assert_eq!(gpu_assignment(0, 4, 2), vec![0, 1]);
        assert_eq!(gpu_assignment(1, 4, 3), vec![1, 2, 3]);
        // One GPU, two trainers: both on GPU 0.
        assert_eq!(gpu_assignment(0, 1, 2), vec![0, 0]);
        assert_eq!(gpu_assignment(2, 4, 3), vec![2, 3, 2]);
    }
}
