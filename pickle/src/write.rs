//! Writes Python 2 compatible protocol-2 pickles of plain data and numpy arrays, in the shape
//! of the official CIFAR batches (keys as Python 2 `str`, the array via `_reconstruct` with its
//! pixels as one BINSTRING), so both Python 2 `cPickle.load` and Python 3
//! `pickle.load(f, encoding='bytes')` read them.

use crate::read::Dtype;

/// A value to pickle.
#[derive(Debug, Clone)]
pub enum WriteValue<'a> {
    Int(i64),
    Float(f64),
    /// A Python 2 `str`.
    Bytes(&'a [u8]),
    List(Vec<WriteValue<'a>>),
    /// Keys are written as Python 2 `str`, in this order.
    Dict(Vec<(&'a str, WriteValue<'a>)>),
    /// A C-order numpy array; `data` holds the raw little-endian elements.
    Array {
        shape: Vec<usize>,
        dtype: Dtype,
        data: &'a [u8],
    },
}

#[derive(Debug, Default)]
pub struct Pickler {
    out: Vec<u8>,
}

impl Pickler {
    /// The whole pickle (PROTO 2 ... STOP) for `v`.
    pub fn dumps(v: &WriteValue) -> Vec<u8> {
        let mut p = Pickler { out: vec![0x80, 2] };
        p.value(v);
        p.out.push(b'.');
        p.out
    }

    fn bytes(&mut self, b: &[u8]) {
        if b.len() < 256 {
            self.out.push(b'U');
            self.out.push(b.len() as u8);
        } else {
            self.out.push(b'T');
            let n = u32::try_from(b.len()).expect("a BINSTRING holds at most 4 GiB");
            self.out.extend_from_slice(&n.to_le_bytes());
        }
        self.out.extend_from_slice(b);
    }

    fn int(&mut self, v: i64) {
        if (0..256).contains(&v) {
            self.out.push(b'K');
            self.out.push(v as u8);
        } else if (0..65536).contains(&v) {
            self.out.push(b'M');
            self.out.extend_from_slice(&(v as u16).to_le_bytes());
        } else if i32::try_from(v).is_ok() {
            self.out.push(b'J');
            self.out.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            self.out.extend_from_slice(&[0x8a, 8]);
            self.out.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn global(&mut self, module: &str, name: &str) {
        self.out.push(b'c');
        self.out.extend_from_slice(module.as_bytes());
        self.out.push(b'\n');
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'\n');
    }

    fn value(&mut self, v: &WriteValue) {
        match v {
            WriteValue::Int(i) => self.int(*i),
            WriteValue::Float(x) => {
                self.out.push(b'G');
                self.out.extend_from_slice(&x.to_be_bytes());
            }
            WriteValue::Bytes(b) => self.bytes(b),
            WriteValue::List(items) => {
                self.out.push(b']');
                if !items.is_empty() {
                    self.out.push(b'(');
                    for it in items {
                        self.value(it);
                    }
                    self.out.push(b'e');
                }
            }
            WriteValue::Dict(items) => {
                self.out.push(b'}');
                if !items.is_empty() {
                    self.out.push(b'(');
                    for (k, it) in items {
                        self.bytes(k.as_bytes());
                        self.value(it);
                    }
                    self.out.push(b'u');
                }
            }
            WriteValue::Array { shape, dtype, data } => {
                self.global("numpy.core.multiarray", "_reconstruct");
                self.global("numpy", "ndarray");
                self.int(0);
                self.out.push(0x85); // TUPLE1: shape (0,)
                self.bytes(b"b");
                self.out.extend_from_slice(&[0x87, b'R']); // TUPLE3, REDUCE
                self.out.push(b'(');
                self.int(1);
                self.out.push(b'(');
                for &d in shape {
                    self.int(d as i64);
                }
                self.out.push(b't');
                self.global("numpy", "dtype");
                let kind = format!("{}{}", dtype.kind, dtype.size);
                self.bytes(kind.as_bytes());
                self.int(0);
                self.int(1);
                self.out.extend_from_slice(&[0x87, b'R']);
                self.out.push(b'(');
                self.int(3);
                self.bytes(if dtype.size == 1 { b"|" } else { b"<" });
                self.out.extend_from_slice(b"NNN");
                self.int(-1);
                self.int(-1);
                self.int(0);
                self.out.extend_from_slice(b"tb"); // TUPLE, BUILD: dtype state
                self.out.push(0x89); // NEWFALSE: C order
                self.bytes(data);
                self.out.extend_from_slice(b"tb"); // TUPLE, BUILD: array state
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{load, PyValue};

    #[test]
    fn round_trips_through_the_reader() {
        let pixels: Vec<u8> = (0..12).collect();
        let mean: Vec<u8> = [1.5f64, -2.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let v = WriteValue::Dict(vec![
            ("batch_label", WriteValue::Bytes(b"training batch 1 of 1")),
            (
                "labels",
                WriteValue::List(vec![WriteValue::Int(3), WriteValue::Int(70000)]),
            ),
            (
                "data",
                WriteValue::Array {
                    shape: vec![2, 6],
                    dtype: Dtype::parse("u1").unwrap(),
                    data: &pixels,
                },
            ),
            (
                "mean",
                WriteValue::Array {
                    shape: vec![2],
                    dtype: Dtype::parse("<f8").unwrap(),
                    data: &mean,
                },
            ),
            ("neg", WriteValue::Int(-5_000_000_000)),
            ("x", WriteValue::Float(0.25)),
        ]);
        let back = load(&Pickler::dumps(&v)).unwrap();
        let data = back.get("data").unwrap().as_array().unwrap();
        assert_eq!(data.shape, vec![2, 6]);
        assert_eq!(&data.data[..], &pixels[..]);
        let m = back.get("mean").unwrap().as_array().unwrap();
        assert_eq!(m.to_f32_c_order(), vec![1.5, -2.0]);
        let labels = back.get("labels").unwrap().items().unwrap();
        assert_eq!(labels[1].as_int(), Some(70000));
        assert_eq!(back.get("neg").unwrap().as_int(), Some(-5_000_000_000));
        assert!(matches!(back.get("x").unwrap(), PyValue::Float(x) if x == 0.25));
    }
}
