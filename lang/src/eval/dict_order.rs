//! The order CPython 2.7 iterates a dict in: its open-addressing table's slot order. Configs
//! that loop over a dict (`for k in d`, `d.items()`, `repr(d)`) see Python 2's order, not the
//! insertion order our storage keeps.
//!
//! The table is replayed from the keys in insertion order with CPython 2.7's hashes
//! (`string_hash`, `int_hash`, `long_hash`, `float_hash`, `tuplehash` of a 64-bit build, no
//! `-R` randomization), probe sequence (`i = 5*i + perturb + 1`, `perturb >>= 5`) and resize
//! rule (fill reaching 2/3 of the table grows it to the next power of two above 4x the used
//! count). That is CPython's table exactly for dicts built by inserting keys; after deletions
//! CPython keeps dummy slots we do not replay, and a literal of more than 5 entries is presized
//! by CPython, so those orders can differ. Keys whose CPython hash is an address (None,
//! functions, instances) keep the whole dict in insertion order.

use super::value::{Dict, Value};

const MIN_SIZE: usize = 8;
const PERTURB_SHIFT: u32 = 5;

/// CPython 2.7's `hash()` of a key, where it does not depend on an address.
pub(crate) fn py2_hash(v: &Value) -> Option<i64> {
    let h = match v {
        Value::Bool(b) => *b as i64,
        Value::Int(i) => *i,
        Value::Long(l) => long_hash(l),
        Value::Float(f) => float_hash(*f),
        Value::Str(s) => str_hash(s),
        Value::Tuple(items) => {
            let mut x: i64 = 0x345678;
            let mut mult: i64 = 1_000_003;
            let mut len = items.len() as i64;
            for item in items.iter() {
                len -= 1;
                let y = py2_hash(item)?;
                x = (x ^ y).wrapping_mul(mult);
                mult = mult.wrapping_add(82520 + len + len);
            }
            x.wrapping_add(97531)
        }
        _ => return None,
    };
    Some(if h == -1 { -2 } else { h })
}

/// Python 2 `str` hashes bytes: our strings hold bytes \x00-\xff as U+0000-U+00FF, and
/// text with other chars stands for its UTF-8 bytes.
fn str_hash(s: &str) -> i64 {
    let bytes: Vec<u8> = if s.chars().all(|c| (c as u32) < 256) {
        s.chars().map(|c| c as u8).collect()
    } else {
        s.as_bytes().to_vec()
    };
    if bytes.is_empty() {
        return 0;
    }
    let mut x: i64 = (bytes[0] as i64) << 7;
    for &b in &bytes {
        x = x.wrapping_mul(1_000_003) ^ b as i64;
    }
    x ^ bytes.len() as i64
}

fn long_hash(l: &num_bigint::BigInt) -> i64 {
    // Base-2**30 digits, most significant first, folded with a rotate as long_hash does.
    let (sign, mag) = l.to_u32_digits();
    let mut bits: Vec<bool> = Vec::new();
    for w in &mag {
        for b in 0..32 {
            bits.push(w >> b & 1 == 1);
        }
    }
    let ndigits = bits.len().div_ceil(30);
    let mut x: u64 = 0;
    for d in (0..ndigits).rev() {
        let mut digit: u64 = 0;
        for b in (0..30).rev() {
            let bit = bits.get(d * 30 + b).copied().unwrap_or(false);
            digit = digit << 1 | bit as u64;
        }
        x = x.rotate_left(30);
        x = x.wrapping_add(digit);
        if x < digit {
            x = x.wrapping_add(1);
        }
    }
    let x = x as i64;
    if sign == num_bigint::Sign::Minus {
        x.wrapping_neg()
    } else {
        x
    }
}

fn float_hash(v: f64) -> i64 {
    if v.is_infinite() {
        return if v < 0.0 { -271_828 } else { 314_159 };
    }
    if v.is_nan() {
        return 0;
    }
    if v.fract() == 0.0 {
        let half = (i64::MAX / 2) as f64;
        if v > half || -v > half {
            return match &super::long::from_float(v) {
                Ok(Value::Long(l)) => long_hash(l),
                Ok(Value::Int(i)) => *i,
                _ => 0,
            };
        }
        return v as i64;
    }
    let (m, expo) = frexp(v);
    let mut m = m * 2_147_483_648.0;
    let hipart = m as i64;
    m = (m - hipart as f64) * 2_147_483_648.0;
    hipart
        .wrapping_add(m as i64)
        .wrapping_add(expo.wrapping_shl(15))
}

fn frexp(x: f64) -> (f64, i64) {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    if exp == 0 {
        let (m, e) = frexp(x * 2f64.powi(64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

/// Indices into `d` (insertion order) in CPython 2.7's iteration order; `None` when a key has
/// no address-free hash (then insertion order stands).
pub(crate) fn order(d: &Dict) -> Option<Vec<usize>> {
    if d.len() < 2 {
        return None;
    }
    let mut hashes = Vec::with_capacity(d.len());
    for k in d.keys() {
        hashes.push(py2_hash(&k.0)? as u64);
    }
    let mut table: Vec<Option<usize>> = vec![None; MIN_SIZE];
    let mut used = 0usize;
    for (idx, &h) in hashes.iter().enumerate() {
        insert_clean(&mut table, idx, h);
        used += 1;
        // No deletions are replayed, so fill == used.
        if used * 3 >= table.len() * 2 {
            let minused = used * if used > 50_000 { 2 } else { 4 };
            let mut size = MIN_SIZE;
            while size <= minused {
                size <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; size]);
            for i in old.into_iter().flatten() {
                insert_clean(&mut table, i, hashes[i]);
            }
        }
    }
    Some(table.into_iter().flatten().collect())
}

fn insert_clean(table: &mut [Option<usize>], idx: usize, hash: u64) {
    let mask = table.len() as u64 - 1;
    let mut i = hash & mask;
    let mut perturb = hash;
    while table[(i & mask) as usize].is_some() {
        i = (i << 2)
            .wrapping_add(i)
            .wrapping_add(perturb)
            .wrapping_add(1);
        perturb >>= PERTURB_SHIFT;
    }
    table[(i & mask) as usize] = Some(idx);
}

/// The dict's keys in CPython 2.7's order.
pub(crate) fn keys(d: &Dict) -> Vec<Value> {
    match order(d) {
        Some(ix) => ix
            .into_iter()
            .filter_map(|i| d.get_index(i).map(|(k, _)| k.0.clone()))
            .collect(),
        None => d.keys().map(|k| k.0.clone()).collect(),
    }
}

/// The dict's (key, value) entries in CPython 2.7's order.
pub(crate) fn entries(d: &Dict) -> Vec<(super::value::Key, Value)> {
    match order(d) {
        Some(ix) => ix
            .into_iter()
            .filter_map(|i| d.get_index(i).map(|(k, v)| (k.clone(), v.clone())))
            .collect(),
        None => d.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    }
}
