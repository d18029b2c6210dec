//! Paddle's parameter initialization (Parameter::randomize): strategy 0 draws from
//! normal(initial_mean, initial_std), strategy 1 from uniform(mean - std, mean + std).
//! `initial_smart` is already folded into `initial_std` (1/sqrt(dims[0])) by the config
//! parser, so it needs no case here.
//!
//! Values come from our own generator, not libtorch's, so a seed gives the same parameters on
//! every device, dtype and libtorch version, and initializing never disturbs the global torch
//! RNG that dropout draws from.

use paddlers_graph::ParameterConfig;

/// SplitMix64: tiny, fast, and good enough for initial weights.
pub struct InitRng(u64);

impl InitRng {
    pub fn new(seed: u64) -> Self {
        InitRng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// A generator for one parameter, derived from the seed and the parameter's name, so
    /// adding a layer does not change the initial values of the others.
    pub fn for_parameter(seed: u64, name: &str) -> Self {
        // FNV-1a over the name.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        InitRng::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]: log is finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Initial values of one parameter, as Paddle draws them.
pub fn initial_values(cfg: &ParameterConfig, seed: u64) -> Vec<f64> {
    let n = cfg.size as usize;
    let mean = cfg.initial_mean();
    let std = cfg.initial_std();
    if std == 0.0 {
        return vec![mean; n];
    }
    let mut rng = InitRng::for_parameter(seed, &cfg.name);
    match cfg.initial_strategy() {
        1 => (0..n)
            .map(|_| mean - std + 2.0 * std * rng.uniform())
            .collect(),
        _ => (0..n).map(|_| mean + std * rng.normal()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paddlers_graph::Real;

    fn cfg(strategy: i32, mean: f64, std: f64, n: u64) -> ParameterConfig {
        ParameterConfig {
            name: "___fc_layer_0__.w0".into(),
            size: n,
            initial_mean: Some(Real::Float(mean)),
            initial_std: Some(Real::Float(std)),
            initial_strategy: Some(strategy),
            ..Default::default()
        }
    }

    #[test]
    fn normal_has_the_configured_moments() {
        let v = initial_values(&cfg(0, 0.5, 0.1, 200_000), 7);
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64;
        assert!((m - 0.5).abs() < 2e-3, "mean {m}");
        assert!((var.sqrt() - 0.1).abs() < 2e-3, "std {}", var.sqrt());
    }

    #[test]
    fn uniform_stays_within_mean_plus_minus_std() {
        let v = initial_values(&cfg(1, 1.0, 0.25, 100_000), 7);
        assert!(v.iter().all(|x| (0.75..1.25).contains(x)));
        let m = v.iter().sum::<f64>() / v.len() as f64;
        assert!((m - 1.0).abs() < 3e-3, "mean {m}");
        // Variance of U(a, b) is (b - a)^2 / 12.
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64;
        assert!((var - 0.5f64.powi(2) / 12.0).abs() < 1e-3, "var {var}");
    }

    #[test]
    fn zero_std_is_constant_and_seeds_repeat() {
        assert_eq!(initial_values(&cfg(0, 1.0, 0.0, 3), 1), vec![1.0; 3]);
        let a = initial_values(&cfg(0, 0.0, 1.0, 10), 3);
        assert_eq!(a, initial_values(&cfg(0, 0.0, 1.0, 10), 3));
        assert_ne!(a, initial_values(&cfg(0, 0.0, 1.0, 10), 4));
    }
}
