//! `import random`: CPython 2.7's generator (MT19937 seeded by `init_by_array`, 53-bit
//! `random()`), so a config that seeds it itself gets Python 2's numbers. Unseeded, it starts
//! from the trainer's `--seed` (see `Interp::set_seed`), never from the clock: the same seed
//! gives the same config graph.

use super::super::value::Value;
use super::super::{EvalError, Interp};
use std::cell::RefCell;
use std::rc::Rc;

const N: usize = 624;
const M: usize = 397;

/// The Mersenne Twister as CPython's `_randommodule.c` runs it.
#[derive(Clone)]
pub(crate) struct Mt {
    state: [u32; N],
    index: usize,
    /// `gauss()` makes two values at a time and keeps the second.
    gauss_next: Option<f64>,
}

impl Mt {
    fn init_genrand(s: u32) -> Mt {
        let mut state = [0u32; N];
        state[0] = s;
        for i in 1..N {
            state[i] = 1_812_433_253u32
                .wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Mt {
            state,
            index: N,
            gauss_next: None,
        }
    }

    /// `random.seed(n)` for an integer n: the 32-bit words of |n|, least significant first.
    pub(crate) fn from_words(key: &[u32]) -> Mt {
        let key: &[u32] = if key.is_empty() { &[0] } else { key };
        let mut mt = Mt::init_genrand(19_650_218);
        let s = &mut mt.state;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                s[0] = s[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                s[0] = s[N - 1];
                i = 1;
            }
        }
        s[0] = 0x8000_0000;
        mt
    }

    pub(crate) fn from_u64(seed: u64) -> Mt {
        let words: Vec<u32> = if seed >> 32 == 0 {
            vec![seed as u32]
        } else {
            vec![seed as u32, (seed >> 32) as u32]
        };
        Mt::from_words(&words)
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            for k in 0..N {
                let y = (self.state[k] & 0x8000_0000) | (self.state[(k + 1) % N] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.state[k] = self.state[(k + M) % N] ^ (y >> 1) ^ mag;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random.random()`: 53 random bits in [0, 1).
    pub(crate) fn random(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Python 2.7's `int(random() * n)`, the way randrange, choice and shuffle pick.
    fn below(&mut self, n: usize) -> usize {
        ((self.random() * n as f64) as usize).min(n.saturating_sub(1))
    }
}

/// The generator's words for a seed value the way Python 2.7 hashes it: ints by their
/// magnitude, other hashable values by `hash()`.
fn seed_words(interp: &mut Interp, v: &Value) -> Result<Vec<u32>, EvalError> {
    let big = match v {
        Value::Int(i) => num_bigint::BigInt::from(*i),
        Value::Bool(b) => num_bigint::BigInt::from(*b as i64),
        Value::Long(l) => (**l).clone(),
        Value::Float(f) if f.fract() == 0.0 && f.is_finite() => num_bigint::BigInt::from(*f as i64),
        other => {
            let h = interp.call(
                &interp.builtins.get("hash").unwrap_or(Value::None),
                vec![other.clone()],
                Vec::new(),
            )?;
            match h {
                Value::Int(i) => num_bigint::BigInt::from(i),
                _ => {
                    return Err(EvalError::type_error(format!(
                        "random.seed() cannot use a {} as the seed",
                        other.type_name()
                    )))
                }
            }
        }
    };
    let (_, words) = big.to_u32_digits();
    Ok(words)
}

pub(crate) fn install(interp: &mut Interp) {
    let m = interp.module("random");
    // Lazily made: the trainer's seed is set after the interpreter is.
    let state: Rc<RefCell<Option<Mt>>> = Rc::new(RefCell::new(None));
    let gen = |interp: &Interp, st: &Rc<RefCell<Option<Mt>>>| {
        let mut s = st.borrow_mut();
        if s.is_none() {
            *s = Some(Mt::from_u64(interp.seed));
        }
        drop(s);
        st.clone()
    };
    macro_rules! with_mt {
        ($interp:expr, $st:expr, |$mt:ident| $body:expr) => {{
            let cell = gen($interp, $st);
            let mut guard = cell.borrow_mut();
            let $mt = guard.as_mut().expect("initialised above");
            $body
        }};
    }
    let st = state.clone();
    m.add_native("seed", "a=None", move |interp, a| {
        let mt = match a.get("a") {
            // No argument: Python reseeds from the clock; we reseed from --seed so the
            // graph stays reproducible.
            Value::None => Mt::from_u64(interp.seed),
            v => Mt::from_words(&seed_words(interp, &v.clone())?),
        };
        *st.borrow_mut() = Some(mt);
        Ok(Value::None)
    });
    let st = state.clone();
    m.add_native("random", "", move |interp, _| {
        Ok(Value::Float(with_mt!(interp, &st, |mt| mt.random())))
    });
    let st = state.clone();
    m.add_native("uniform", "a, b", move |interp, a| {
        let (lo, hi) = (a.float("a")?, a.float("b")?);
        let r = with_mt!(interp, &st, |mt| mt.random());
        Ok(Value::Float(lo + (hi - lo) * r))
    });
    let st = state.clone();
    m.add_native("randrange", "start, stop=None, step=1", move |interp, a| {
        let start = a.int("start")?;
        let step = a.int("step")?;
        let (lo, hi) = match a.opt_int("stop")? {
            None => (0, start),
            Some(stop) => (start, stop),
        };
        randrange(interp, &st, lo, hi, step, "randrange")
    });
    let st = state.clone();
    m.add_native("randint", "a, b", move |interp, a| {
        let (lo, hi) = (a.int("a")?, a.int("b")?);
        randrange(interp, &st, lo, hi.saturating_add(1), 1, "randint")
    });
    let st = state.clone();
    m.add_native("choice", "seq", move |interp, a| {
        let items = interp.iterate(a.get("seq"))?;
        if items.is_empty() {
            return Err(EvalError::index_error(
                "list index out of range (choice from an empty sequence)",
            ));
        }
        let i = with_mt!(interp, &st, |mt| mt.below(items.len()));
        Ok(items[i].clone())
    });
    let st = state.clone();
    m.add_native("shuffle", "x, random=None", move |interp, a| {
        let Value::List(l) = a.get("x") else {
            return Err(EvalError::type_error(format!(
                "shuffle() needs a list, not {}",
                a.get("x").type_name()
            )));
        };
        if !matches!(a.get("random"), Value::None) {
            return Err(EvalError::type_error(
                "shuffle(x, random=f) is not supported in the sandbox; seed the module instead",
            ));
        }
        let n = l.borrow().len();
        for i in (1..n).rev() {
            let j = with_mt!(interp, &st, |mt| mt.below(i + 1));
            l.borrow_mut().swap(i, j);
        }
        Ok(Value::None)
    });
    let st = state.clone();
    m.add_native("sample", "population, k", move |interp, a| {
        let pool_src = a.get("population").clone();
        let mut pool = interp.iterate(&pool_src)?;
        let n = pool.len();
        let k = a.int("k")?;
        if k < 0 || k as usize > n {
            return Err(EvalError::value_error("sample larger than population"));
        }
        let k = k as usize;
        // Python 2.7 picks from a shrinking pool for small populations and by rejection
        // from a set of chosen indices for large ones; both consume random() the same
        // way as CPython so seeded samples agree.
        let mut setsize = 21usize;
        if k > 5 {
            setsize += 4usize.pow(((k * 3) as f64).log(4.0).ceil() as u32);
        }
        let mut out = Vec::with_capacity(k);
        if n <= setsize || matches!(pool_src, Value::Dict(_)) {
            for i in 0..k {
                let j = with_mt!(interp, &st, |mt| mt.below(n - i));
                out.push(pool[j].clone());
                pool[j] = pool[n - i - 1].clone();
            }
        } else {
            let mut selected = std::collections::HashSet::new();
            for _ in 0..k {
                let mut j = with_mt!(interp, &st, |mt| mt.below(n));
                while selected.contains(&j) {
                    j = with_mt!(interp, &st, |mt| mt.below(n));
                }
                selected.insert(j);
                out.push(pool[j].clone());
            }
        }
        Ok(Value::list(out))
    });
    let st = state.clone();
    m.add_native("gauss", "mu, sigma", move |interp, a| {
        let (mu, sigma) = (a.float("mu")?, a.float("sigma")?);
        let z = with_mt!(interp, &st, |mt| match mt.gauss_next.take() {
            Some(z) => z,
            None => {
                let x2pi = mt.random() * 2.0 * std::f64::consts::PI;
                let g2rad = (-2.0 * (1.0 - mt.random()).ln()).sqrt();
                mt.gauss_next = Some(x2pi.sin() * g2rad);
                x2pi.cos() * g2rad
            }
        });
        Ok(Value::Float(mu + z * sigma))
    });
    let st = state.clone();
    m.add_native("normalvariate", "mu, sigma", move |interp, a| {
        let (mu, sigma) = (a.float("mu")?, a.float("sigma")?);
        // Kinderman and Monahan's ratio method, as random.py has it.
        let magic = 4.0 * (-0.5f64).exp() / 2.0f64.sqrt();
        let z = with_mt!(interp, &st, |mt| loop {
            let u1 = mt.random();
            let u2 = 1.0 - mt.random();
            let z = magic * (u1 - 0.5) / u2;
            if z * z / 4.0 <= -u2.ln() {
                break z;
            }
        });
        Ok(Value::Float(mu + z * sigma))
    });
    let st = state;
    m.add_native("getrandbits", "k", move |interp, a| {
        let k = a.int("k")?;
        if !(1..=4096).contains(&k) {
            return Err(EvalError::value_error(
                "getrandbits() takes 1 to 4096 bits in the sandbox",
            ));
        }
        let mut words = Vec::new();
        let mut left = k;
        while left > 0 {
            let w = with_mt!(interp, &st, |mt| mt.next_u32());
            words.push(if left < 32 { w >> (32 - left) } else { w });
            left -= 32;
        }
        Ok(super::super::long::narrow(num_bigint::BigInt::from_slice(
            num_bigint::Sign::Plus,
            &words,
        )))
    });
}

fn randrange(
    interp: &mut Interp,
    st: &Rc<RefCell<Option<Mt>>>,
    lo: i64,
    hi: i64,
    step: i64,
    name: &str,
) -> Result<Value, EvalError> {
    if step == 0 {
        return Err(EvalError::value_error("zero step for randrange()"));
    }
    let width = hi as i128 - lo as i128;
    let n = if step > 0 {
        (width + step as i128 - 1) / step as i128
    } else {
        (width + step as i128 + 1) / step as i128
    };
    if n <= 0 {
        return Err(EvalError::value_error(format!(
            "empty range for {name}() ({lo}, {hi}, {step})"
        )));
    }
    let mut s = st.borrow_mut();
    if s.is_none() {
        *s = Some(Mt::from_u64(interp.seed));
    }
    let mt = s
        .as_mut()
        .ok_or_else(|| EvalError::runtime_error("random state"))?;
    let r = mt.random();
    Ok(Value::Int(
        (lo as i128 + step as i128 * (r * n as f64) as i128) as i64,
    ))
}
