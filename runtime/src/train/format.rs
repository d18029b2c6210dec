//! Numbers as Paddle's C++ streams print them: `std::ostream` with the default precision 6
//! (`%g`), after the value went through a float32 `real`.

/// A float32 `real` printed by `operator<<`.
pub fn real(x: f64) -> String {
    g(f64::from(x as f32))
}

/// A double printed by `operator<<`.
pub fn g(x: f64) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    paddlers_graph::format_g(x, 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_cpp_ostream() {
        assert_eq!(g(2.07708123), "2.07708");
        assert_eq!(g(0.81151), "0.81151");
        assert_eq!(g(0.789297444), "0.789297");
        assert_eq!(g(0.7858), "0.7858");
        assert_eq!(g(0.0), "0");
        assert_eq!(g(1.0), "1");
        assert_eq!(g(12345678.0), "1.23457e+07");
        assert_eq!(g(0.00001234), "1.234e-05");
        assert_eq!(g(f64::INFINITY), "inf");
        assert_eq!(g(f64::NAN), "nan");
        // 0.1 as a float32 is 0.100000001490116..., still "0.1" at 6 digits.
        assert_eq!(real(0.1), "0.1");
    }
}
