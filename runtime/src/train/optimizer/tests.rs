//! Each rule against steps computed by hand from Paddle's formulas (the arithmetic is in the
//! comments, or was done on a calculator in float64; float32 tensors agree to ~1e-6).

use super::*;
use paddlers_graph::Real;

fn opt(method: &str, lr: f64) -> OptimizationConfig {
    OptimizationConfig {
        batch_size: Some(2),
        learning_rate: Real::Float(lr),
        learning_method: Some(method.into()),
        ..Default::default()
    }
}

fn param(name: &str) -> ParameterConfig {
    ParameterConfig {
        name: name.into(),
        size: 2,
        dims: vec![1, 2],
        ..Default::default()
    }
}

fn t(v: &[f32]) -> Tensor {
    Tensor::from_slice(v)
}

fn values(x: &Tensor) -> Vec<f64> {
    Vec::<f32>::try_from(x)
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect()
}

#[track_caller]
fn assert_close(x: &Tensor, want: &[f64], tol: f64) {
    let got = values(x);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "got {got:?}, want {want:?}"
        );
    }
}

/// Runs batches of the given gradients on w = [1, -2]; returns w.
fn run(o: &OptimizationConfig, p: ParameterConfig, grads: &[[f32; 2]]) -> Tensor {
    let name = p.name.clone();
    let mut optimizer = Optimizer::new(o, &[p]).unwrap();
    let w = t(&[1.0, -2.0]);
    for g in grads {
        optimizer.start_batch(2);
        optimizer.update(&name, &w, &t(g)).unwrap();
        optimizer.finish_batch();
    }
    w
}

const GRADS: [[f32; 2]; 2] = [[0.5, 1.0], [-0.25, 2.0]];

#[test]
fn momentum_with_l2_and_parameter_learning_rate() {
    let mut p = param("w");
    p.momentum = Some(Real::Float(0.9));
    p.decay_rate = Some(Real::Float(0.01));
    p.learning_rate = Some(Real::Float(2.0));
    let w = run(&opt("momentum", 0.1), p, &[[0.5, 1.0], [0.5, 1.0]]);
    // lr = 0.1 * 2 = 0.2.
    // batch 1: mom = -0.2 * (g + 0.01 w) = -0.2 * [0.51, 0.98] = [-0.102, -0.196]
    //          w = [0.898, -2.196]
    // batch 2: mom = 0.9 * mom - 0.2 * ([0.5, 1] + 0.01 * [0.898, -2.196])
    //              = [-0.0918, -0.1764] - [0.101796, 0.195608] = [-0.193596, -0.372008]
    //          w = [0.704404, -2.568008]
    assert_close(&w, &[0.704404, -2.568008], 1e-6);
}

#[test]
fn torch_momentum_scales_steps_after_the_first() {
    let mut p = param("w");
    p.momentum = Some(Real::Float(0.5));
    let w = run(&opt("torch_momentum", 0.1), p, &[[1.0, 1.0], [1.0, 1.0]]);
    // batch 1: mom = -0.1 -> w = [0.9, -2.1]
    // batch 2: lr = 0.1 * (1 - 0.5) = 0.05; mom = 0.5 * -0.1 - 0.05 = -0.1 -> w = [0.8, -2.2]
    assert_close(&w, &[0.8, -2.2], 1e-6);
}

#[test]
fn adagrad() {
    let w = run(&opt("adagrad", 0.1), param("w"), &GRADS);
    // batch 1: accum = [0.25, 1]; lr_i = 1/sqrt(accum + 1e-6) ~ [2, 1]; w = [0.9, -2.1]
    // batch 2: accum = [0.3125, 5]; w0 = 0.9 + 0.1 * 0.25 / sqrt(0.3125) = 0.9447215
    assert_close(&w, &[0.944721488, -2.18944266], 1e-5);
}

#[test]
fn adadelta() {
    let w = run(&opt("adadelta", 1.0), param("w"), &GRADS);
    assert_close(&w, &[0.99841464, -2.0101574], 1e-5);
}

#[test]
fn rmsprop_counts_the_first_square_whole() {
    let w = run(&opt("rmsprop", 0.01), param("w"), &GRADS);
    // batch 1: g = grad^2 (not 0.05 grad^2), f = 0.05 grad
    assert_close(&w, &[0.995085299, -2.02884157], 1e-5);
}

#[test]
fn decayed_adagrad() {
    let w = run(&opt("decayed_adagrad", 0.01), param("w"), &GRADS);
    assert_close(&w, &[0.995096481, -2.02865008], 1e-5);
}

#[test]
fn adam() {
    let w = run(&opt("adam", 0.001), param("w"), &GRADS);
    // batch 1: m = 0.05, v = 0.00025, alpha = 0.001 sqrt(0.001) / 0.1; w0 = 1 - 0.001 = 0.999
    assert_close(&w, &[0.998733664, -2.00196518], 1e-5);
}

#[test]
fn adamax() {
    let w = run(&opt("adamax", 0.002), param("w"), &GRADS);
    assert_close(&w, &[0.997578526, -2.00352632], 1e-5);
}

#[test]
fn l1_and_l2_apply_after_the_step() {
    let mut p = param("w");
    p.decay_rate_l1 = Some(Real::Float(0.5));
    p.decay_rate = Some(Real::Float(1.0));
    let w = run(&opt("momentum", 0.1), p, &[[0.5, -1.0]]);
    // step without decay: w = [1 - 0.05, -2 + 0.1] = [0.95, -1.9]
    // L1: shrink by 0.1 * 0.5 = 0.05 -> [0.9, -1.85]; L2: / (1 + 0.1 * 1) -> [0.818182, -1.681818]
    assert_close(&w, &[0.9 / 1.1, -1.85 / 1.1], 1e-6);
}

#[test]
fn l1_soft_threshold_reaches_zero() {
    let mut p = param("w");
    p.decay_rate_l1 = Some(Real::Float(100.0));
    let w = run(&opt("momentum", 0.01), p, &[[0.0, 0.0]]);
    // lambda = 0.01 * 100 = 1: 1 -> 0, -2 -> -1
    assert_close(&w, &[0.0, -1.0], 1e-6);
}

#[test]
fn l1_with_momentum_is_refused_like_paddle() {
    let mut p = param("w");
    p.decay_rate_l1 = Some(Real::Float(0.1));
    p.momentum = Some(Real::Float(0.9));
    let err = Optimizer::new(&opt("momentum", 0.1), &[p]).err().unwrap();
    assert!(
        err.to_string().contains("momentum (0.9) together with L1"),
        "{err}"
    );
}

#[test]
fn clipping_local_threshold_wins_over_global() {
    let mut o = opt("momentum", 1.0);
    o.gradient_clipping_threshold = Some(Real::Float(10.0));
    let w = run(&o, param("w"), &[[20.0, -3.0]]);
    // global 10: g = [10, -3] -> w = [-9, 1]
    assert_close(&w, &[-9.0, 1.0], 1e-6);
    let mut p = param("w");
    p.gradient_clipping_threshold = Some(Real::Float(2.0));
    let w = run(&o, p, &[[20.0, -3.0]]);
    // local 2: g = [2, -2] -> w = [-1, 0]
    assert_close(&w, &[-1.0, 0.0], 1e-6);
    // Below the threshold nothing is clipped.
    let mut p = param("w");
    p.gradient_clipping_threshold = Some(Real::Float(50.0));
    let w = run(&o, p, &[[20.0, -3.0]]);
    assert_close(&w, &[-19.0, 1.0], 1e-6);
}

#[test]
fn schedule_sees_the_current_batch_samples() {
    let mut o = opt("momentum", 1.0);
    o.learning_rate_schedule = Some("discexp".into());
    o.learning_rate_decay_a = Some(Real::Float(0.5));
    o.learning_rate_decay_b = Some(Real::Float(4.0));
    let mut optimizer = Optimizer::new(&o, &[param("w")]).unwrap();
    let mut seen = Vec::new();
    for _ in 0..4 {
        optimizer.start_batch(2);
        seen.push(optimizer.learning_rate());
        optimizer.finish_batch();
    }
    // n = 2, 4, 6, 8 -> floor(n / 4) = 0, 1, 1, 2
    assert_eq!(seen, vec![1.0, 0.5, 0.5, 0.25]);
    assert_eq!(optimizer.counters().num_samples_processed, 8);
}

#[test]
fn adam_and_adagrad_ignore_the_schedule_as_paddle_does() {
    for method in ["adam", "adamax", "adagrad"] {
        let mut o = opt(method, 0.5);
        o.learning_rate_schedule = Some("linear".into());
        o.learning_rate_decay_a = Some(Real::Float(0.1));
        let mut optimizer = Optimizer::new(&o, &[param("w")]).unwrap();
        optimizer.start_batch(3);
        assert_eq!(optimizer.learning_rate(), 0.5, "{method}");
    }
}

#[test]
fn static_parameters_are_not_trained() {
    let mut s = param("bn.w1");
    s.is_static = Some(true);
    let optimizer = Optimizer::new(&opt("momentum", 0.1), &[param("w"), s]).unwrap();
    assert!(optimizer.is_trainable("w"));
    assert!(!optimizer.is_trainable("bn.w1"));
    let mut optimizer = optimizer;
    optimizer.start_batch(1);
    let err = optimizer
        .update("bn.w1", &t(&[1.0]), &t(&[1.0]))
        .unwrap_err();
    assert!(err.to_string().contains("static"), "{err}");
}

#[test]
fn model_average_over_the_window() {
    let mut o = opt("momentum", 1.0);
    o.average_window = Some(Real::Float(0.5));
    o.max_average_window = Some(2);
    let mut optimizer = Optimizer::new(&o, &[param("w")]).unwrap();
    let w = t(&[0.0, 0.0]);
    // Gradient -1 each batch: w goes 1, 2, 3 (element 0); element 1 the same.
    for _ in 0..3 {
        optimizer.start_batch(1);
        optimizer.update("w", &w, &t(&[-1.0, -1.0])).unwrap();
        optimizer.finish_batch();
    }
    // min window = min(10000, 2) = 2. Batch 1: 1 accumulated (< 2). Batch 2: 2 >= min(2, 2*0.5)
    // -> SUM3 = 1 + 2 = 3, old count 2. Batch 3: SUM1 = 3, count 1 (< 2).
    // Average = (3 + 3) / (1 + 2) = 2.
    optimizer.apply_average("w", &w);
    assert_close(&w, &[2.0, 2.0], 1e-6);
    optimizer.restore_average("w", &w);
    assert_close(&w, &[3.0, 3.0], 1e-6);
}

#[test]
fn state_round_trip_continues_identically() {
    let mut p = param("w");
    p.momentum = Some(Real::Float(0.9));
    let o = opt("momentum", 0.1);
    // 3 batches straight.
    let straight = run(&o, p.clone(), &[[1.0, 2.0], [0.5, -1.0], [0.25, 0.5]]);
    // 2 batches, save, restore into a fresh optimizer, 1 more.
    let mut first = Optimizer::new(&o, &[p.clone()]).unwrap();
    let w = t(&[1.0, -2.0]);
    for g in [[1.0, 2.0], [0.5, -1.0]] {
        first.start_batch(2);
        first.update("w", &w, &t(&g)).unwrap();
        first.finish_batch();
    }
    let saved: BTreeMap<String, Tensor> = first
        .state_tensors()
        .into_iter()
        .map(|(k, v)| (k, v.copy()))
        .collect();
    let counters = first.counters().clone();
    let mut second = Optimizer::new(&o, &[p]).unwrap();
    second
        .restore_state(counters, |param, buf| {
            Ok(saved.get(&format!("{param}.{buf}")).map(|t| t.copy()))
        })
        .unwrap();
    second.start_batch(2);
    second.update("w", &w, &t(&[0.25, 0.5])).unwrap();
    second.finish_batch();
    assert_close(&w, &values(&straight), 1e-7);
    assert_eq!(second.counters().num_samples_processed, 6);
}

#[test]
fn unknown_method_is_a_config_error() {
    let err = Optimizer::new(&opt("lbfgs", 0.1), &[]).err().unwrap();
    assert!(
        err.to_string().contains("unknown learning_method 'lbfgs'"),
        "{err}"
    );
}
