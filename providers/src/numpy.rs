//! numpy files: `.npy` arrays, `.npz` archives of them, and the mean file the tutorial's
//! provider loads with `np.load(mean_path)['mean']`, which may be an `.npz`, a bare `.npy`, or
//! (as the tutorial's own `data/cifar10.py` wrote it) a pickled dict with a `mean` array.

use std::path::Path;
use std::rc::Rc;

use crate::error::{ProviderError, Result};
use crate::pickle::{self, Dtype, NdArray};
use crate::zip;

const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// Parses a `.npy` file's bytes.
pub fn parse_npy(b: &[u8]) -> std::result::Result<NdArray, String> {
    if !b.starts_with(NPY_MAGIC) || b.len() < 10 {
        return Err("not a .npy file (bad magic)".into());
    }
    let (hlen, hstart) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 | 3 => {
            let h = b.get(8..12).ok_or("truncated .npy header")?;
            (
                u32::from_le_bytes(h.try_into().expect("4 bytes")) as usize,
                12,
            )
        }
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = b
        .get(hstart..hstart + hlen)
        .ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "bad .npy header text")?;
    let field = |name: &str| -> Option<&str> {
        let at = header.find(&format!("'{name}'"))? + name.len() + 2;
        let rest = header[at..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest)
    };
    let descr = field("descr")
        .and_then(|r| r.strip_prefix('\''))
        .and_then(|r| r.split('\'').next())
        .ok_or("no descr in .npy header")?;
    let dtype = Dtype::parse(descr).ok_or_else(|| format!("unsupported dtype {descr:?}"))?;
    let fortran_order = field("fortran_order")
        .map(|r| r.starts_with("True"))
        .unwrap_or(false);
    let shape_txt = field("shape")
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.split(')').next())
        .ok_or("no shape in .npy header")?;
    let mut shape = Vec::new();
    for d in shape_txt
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        shape.push(
            d.parse::<usize>()
                .map_err(|_| format!("bad shape {shape_txt:?}"))?,
        );
    }
    let data = &b[hstart + hlen..];
    let bytes = shape
        .iter()
        .try_fold(dtype.size, |acc, &d| acc.checked_mul(d));
    if bytes != Some(data.len()) {
        return Err(format!(
            "shape {shape:?} of {descr} does not match the {} data bytes in the file (truncated?)",
            data.len()
        ));
    }
    Ok(NdArray {
        shape,
        dtype,
        fortran_order,
        data: Rc::from(data),
    })
}

/// A version-1 `.npy` file of a C-order little-endian f64 vector.
pub fn npy_f64(values: &[f64]) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({},), }}",
        values.len()
    );
    // Pad with spaces so the data starts on a 64-byte boundary, ending in '\n', as numpy does.
    let unpadded = NPY_MAGIC.len() + 2 + 2 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + values.len() * 8);
    out.extend_from_slice(NPY_MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// An `.npz` with the given arrays (as `numpy.savez(f, name=array, ...)` writes it).
pub fn npz_f64(arrays: &[(&str, &[f64])]) -> Vec<u8> {
    let files: Vec<(String, Vec<u8>)> = arrays
        .iter()
        .map(|(n, v)| (format!("{n}.npy"), npy_f64(v)))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip::write_stored(&refs)
}

/// Loads array `key` the way `np.load(path)[key]` would, from an `.npz`, a pickled dict, or
/// (for any key) a bare `.npy`. Returns the values in C order and the shape.
pub fn load_array(path: &Path, key: &str) -> Result<(Vec<f32>, Vec<usize>)> {
    let bytes = std::fs::read(path).map_err(|e| ProviderError::io(path, e))?;
    let fmt = |msg: String| ProviderError::format(path, msg);
    let arr = if zip::is_zip(&bytes) {
        let members = zip::read_members(&bytes).map_err(fmt)?;
        let want = format!("{key}.npy");
        let (_, data) = members
            .iter()
            .find(|(n, _)| *n == want || n.as_str() == key)
            .ok_or_else(|| {
                let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
                fmt(format!(
                    "npz archive has no array '{key}' (members: {names:?})"
                ))
            })?;
        parse_npy(data).map_err(|e| fmt(format!("{want}: {e}")))?
    } else if bytes.starts_with(NPY_MAGIC) {
        parse_npy(&bytes).map_err(fmt)?
    } else {
        let v = pickle::load(&bytes).map_err(|e| ProviderError::Pickle {
            path: path.to_path_buf(),
            offset: e.offset,
            msg: e.msg,
        })?;
        let item = v.get(key).ok_or_else(|| {
            fmt(format!(
                "expected an .npz, .npy or a pickled dict with a '{key}' array; found a {} without it",
                v.type_name()
            ))
        })?;
        item.as_array().ok_or_else(|| {
            fmt(format!(
                "'{key}' is a {}, not a numpy array",
                item.type_name()
            ))
        })?
    };
    Ok((arr.to_f32_c_order(), arr.shape.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npz_written_here_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mean.meta");
        std::fs::write(&p, npz_f64(&[("mean", &[1.0, 2.5, -3.0])])).unwrap();
        let (v, shape) = load_array(&p, "mean").unwrap();
        assert_eq!(v, vec![1.0, 2.5, -3.0]);
        assert_eq!(shape, vec![3]);
        let e = load_array(&p, "std").unwrap_err().to_string();
        assert!(e.contains("no array 'std'"), "{e}");
    }

    #[test]
    fn npy_header_is_aligned_and_parsed() {
        let b = npy_f64(&[0.5; 7]);
        let hlen = u16::from_le_bytes([b[8], b[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        let a = parse_npy(&b).unwrap();
        assert_eq!(a.shape, vec![7]);
        assert!(parse_npy(&b[..b.len() - 1])
            .unwrap_err()
            .contains("truncated"));
    }
}
