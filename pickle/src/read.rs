//! The pickle virtual machine, restricted to plain data: no code runs, and the only callables
//! understood are numpy's array, dtype and scalar constructors. Anything else is an error that
//! names the callable, rather than a silently wrong value.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A numpy dtype, as far as raw array data needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dtype {
    /// numpy's kind character: `u`, `i`, `f` or `b`.
    pub kind: char,
    pub size: usize,
    pub little_endian: bool,
}

impl Dtype {
    /// Parses a descr such as `u1`, `<f8`, `|b1`.
    pub fn parse(descr: &str) -> Option<Dtype> {
        let (order, rest) = match descr.chars().next()? {
            c @ ('<' | '>' | '|' | '=') => (c, &descr[1..]),
            _ => ('=', descr),
        };
        let mut chars = rest.chars();
        let kind = chars.next()?;
        let size: usize = chars.as_str().parse().ok()?;
        let ok = matches!(
            (kind, size),
            ('u', 1 | 2 | 4 | 8) | ('i', 1 | 2 | 4 | 8) | ('f', 4 | 8) | ('b', 1)
        );
        ok.then_some(Dtype {
            kind,
            size,
            little_endian: order != '>',
        })
    }

    pub fn descr(&self) -> String {
        let order = if self.size == 1 {
            '|'
        } else if self.little_endian {
            '<'
        } else {
            '>'
        };
        format!("{order}{}{}", self.kind, self.size)
    }
}

/// A numpy array rebuilt from a pickle: the raw bytes plus what is needed to read them.
#[derive(Debug, Clone)]
pub struct NdArray {
    pub shape: Vec<usize>,
    pub dtype: Dtype,
    pub fortran_order: bool,
    pub data: Rc<[u8]>,
}

impl NdArray {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `i` in memory order, as f64.
    fn element(&self, i: usize) -> f64 {
        let sz = self.dtype.size;
        let b = &self.data[i * sz..(i + 1) * sz];
        let mut buf = [0u8; 8];
        buf[..sz].copy_from_slice(b);
        if !self.dtype.little_endian {
            buf[..sz].reverse();
        }
        match (self.dtype.kind, sz) {
            ('u', _) | ('b', _) => u64::from_le_bytes(buf) as f64,
            ('i', 1) => buf[0] as i8 as f64,
            ('i', 2) => i16::from_le_bytes([buf[0], buf[1]]) as f64,
            ('i', 4) => i32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as f64,
            ('i', _) => i64::from_le_bytes(buf) as f64,
            ('f', 4) => f32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as f64,
            _ => f64::from_le_bytes(buf),
        }
    }

    /// All elements in C (row-major) order as f32.
    pub fn to_f32_c_order(&self) -> Vec<f32> {
        self.to_f64_c_order()
            .into_iter()
            .map(|x| x as f32)
            .collect()
    }

    /// All elements in C (row-major) order as f64 (exact for every dtype but 64-bit ints
    /// past 2^53).
    pub fn to_f64_c_order(&self) -> Vec<f64> {
        let n = self.len();
        if !self.fortran_order || self.shape.len() < 2 {
            return (0..n).map(|i| self.element(i)).collect();
        }
        let nd = self.shape.len();
        let mut out = Vec::with_capacity(n);
        let mut idx = vec![0usize; nd];
        for _ in 0..n {
            let mut off = 0;
            let mut stride = 1;
            for (&i, &dim) in idx.iter().zip(&self.shape) {
                off += i * stride;
                stride *= dim;
            }
            out.push(self.element(off));
            for d in (0..nd).rev() {
                idx[d] += 1;
                if idx[d] < self.shape[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
        out
    }
}

#[derive(Debug)]
pub enum PyObject {
    /// `_reconstruct(ndarray, (0,), b'b')` before its BUILD fills it in.
    ArrayStub,
    Array(NdArray),
    Dtype(Dtype),
}

#[derive(Debug, Clone)]
pub enum PyValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Python 2 `str` (and Python 3 `bytes`).
    Bytes(Rc<[u8]>),
    /// Python 2 `unicode` (and Python 3 `str`).
    Str(Rc<str>),
    List(Rc<RefCell<Vec<PyValue>>>),
    Tuple(Rc<[PyValue]>),
    Dict(Rc<RefCell<Vec<(PyValue, PyValue)>>>),
    Global(Rc<(String, String)>),
    Object(Rc<RefCell<PyObject>>),
}

impl PyValue {
    pub fn type_name(&self) -> String {
        match self {
            PyValue::None => "None".into(),
            PyValue::Bool(_) => "bool".into(),
            PyValue::Int(_) => "int".into(),
            PyValue::Float(_) => "float".into(),
            PyValue::Bytes(_) => "str".into(),
            PyValue::Str(_) => "unicode".into(),
            PyValue::List(_) => "list".into(),
            PyValue::Tuple(_) => "tuple".into(),
            PyValue::Dict(_) => "dict".into(),
            PyValue::Global(g) => format!("{}.{}", g.0, g.1),
            PyValue::Object(o) => match &*o.borrow() {
                PyObject::ArrayStub | PyObject::Array(_) => "numpy.ndarray".into(),
                PyObject::Dtype(_) => "numpy.dtype".into(),
            },
        }
    }

    /// The text of a `str` or `unicode` value.
    pub fn as_text(&self) -> Option<String> {
        match self {
            PyValue::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
            PyValue::Str(s) => Some(s.to_string()),
            _ => None,
        }
    }

    /// Looks a key up in a dict whose keys are `str` or `unicode`.
    pub fn get(&self, key: &str) -> Option<PyValue> {
        let PyValue::Dict(d) = self else { return None };
        let d = d.borrow();
        d.iter()
            .find(|(k, _)| match k {
                PyValue::Bytes(b) => &b[..] == key.as_bytes(),
                PyValue::Str(s) => &**s == key,
                _ => false,
            })
            .map(|(_, v)| v.clone())
    }

    pub fn as_array(&self) -> Option<NdArray> {
        match self {
            PyValue::Object(o) => match &*o.borrow() {
                PyObject::Array(a) => Some(a.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            PyValue::Int(i) => Some(*i),
            PyValue::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// The items of a list or tuple.
    pub fn items(&self) -> Option<Vec<PyValue>> {
        match self {
            PyValue::List(l) => Some(l.borrow().clone()),
            PyValue::Tuple(t) => Some(t.to_vec()),
            _ => None,
        }
    }
}

/// Where and why decoding stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct PickleError {
    pub offset: usize,
    pub msg: String,
}

type R<T> = Result<T, PickleError>;

struct Machine<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of the opcode being run, for errors.
    op_at: usize,
    stack: Vec<PyValue>,
    marks: Vec<usize>,
    memo: HashMap<u64, PyValue>,
}

/// Decodes one pickle from `buf`.
pub fn load(buf: &[u8]) -> Result<PyValue, PickleError> {
    load_prefix(buf).map(|(v, _)| v)
}

/// Decodes the pickle at the start of `buf` and returns it with the number of bytes it
/// took: a file may hold several pickles, read one `pickle.load(f)` at a time.
pub fn load_prefix(buf: &[u8]) -> Result<(PyValue, usize), PickleError> {
    let mut m = Machine {
        buf,
        pos: 0,
        op_at: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
    };
    let v = m.run()?;
    Ok((v, m.pos))
}

impl<'a> Machine<'a> {
    fn err<T>(&self, msg: impl Into<String>) -> R<T> {
        Err(PickleError {
            offset: self.op_at,
            msg: msg.into(),
        })
    }

    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        if self.buf.len() - self.pos < n {
            return Err(PickleError {
                offset: self.buf.len(),
                msg: format!(
                    "unexpected end of data: opcode at byte {} needs {n} more bytes, {} left",
                    self.op_at,
                    self.buf.len() - self.pos
                ),
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> R<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> R<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> R<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
    fn len_usize(&mut self, n: u64) -> R<usize> {
        let left = (self.buf.len() - self.pos) as u64;
        if n > left {
            return Err(PickleError {
                offset: self.buf.len(),
                msg: format!(
                    "unexpected end of data: a {n}-byte value at byte {} but only {left} bytes left",
                    self.op_at
                ),
            });
        }
        Ok(n as usize)
    }

    fn line(&mut self) -> R<&'a str> {
        let rest = &self.buf[self.pos..];
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            return Err(PickleError {
                offset: self.buf.len(),
                msg: "unexpected end of data in a text opcode".into(),
            });
        };
        self.pos += nl + 1;
        match std::str::from_utf8(&rest[..nl]) {
            Ok(s) => Ok(s.strip_suffix('\r').unwrap_or(s)),
            Err(_) => self.err("text opcode argument is not valid text"),
        }
    }

    fn pop(&mut self) -> R<PyValue> {
        match self.stack.pop() {
            Some(v) => Ok(v),
            None => self.err("stack underflow"),
        }
    }

    fn top(&mut self) -> R<&mut PyValue> {
        if self.stack.is_empty() {
            return self.err("stack underflow");
        }
        Ok(self.stack.last_mut().expect("checked non-empty"))
    }

    fn pop_mark(&mut self) -> R<Vec<PyValue>> {
        let Some(m) = self.marks.pop() else {
            return self.err("MARK expected but none on the stack");
        };
        if m > self.stack.len() {
            return self.err("MARK above the top of the stack");
        }
        Ok(self.stack.split_off(m))
    }

    fn memo_get(&mut self, key: u64) -> R<()> {
        match self.memo.get(&key) {
            Some(v) => {
                let v = v.clone();
                self.stack.push(v);
                Ok(())
            }
            None => self.err(format!("memo key {key} was never stored")),
        }
    }

    fn memo_put(&mut self, key: u64) -> R<()> {
        let v = self.top()?.clone();
        self.memo.insert(key, v);
        Ok(())
    }

    fn append_items(&mut self, items: Vec<PyValue>) -> R<()> {
        match self.top()? {
            PyValue::List(l) => {
                l.borrow_mut().extend(items);
                Ok(())
            }
            other => {
                let t = other.type_name();
                self.err(format!("APPEND to a {t}"))
            }
        }
    }

    fn set_items(&mut self, items: Vec<PyValue>) -> R<()> {
        if items.len() % 2 != 0 {
            return self.err("SETITEMS with an odd number of items");
        }
        match self.top()? {
            PyValue::Dict(d) => {
                let mut d = d.borrow_mut();
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    d.push((k, v));
                }
                Ok(())
            }
            other => {
                let t = other.type_name();
                self.err(format!("SETITEM on a {t}"))
            }
        }
    }

    fn run(&mut self) -> R<PyValue> {
        loop {
            self.op_at = self.pos;
            let op = match self.take(1) {
                Ok(b) => b[0],
                Err(_) => {
                    return Err(PickleError {
                        offset: self.buf.len(),
                        msg: "unexpected end of data: no STOP opcode".into(),
                    })
                }
            };
            match op {
                b'.' => return self.pop(),
                0x80 => {
                    let v = self.u8()?;
                    if v > 5 {
                        return self.err(format!("unsupported pickle protocol {v}"));
                    }
                }
                0x95 => {
                    self.u64()?; // FRAME: only a read-ahead hint
                }
                b'(' => self.marks.push(self.stack.len()),
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.stack.push(v);
                }
                b'N' => self.stack.push(PyValue::None),
                0x88 => self.stack.push(PyValue::Bool(true)),
                0x89 => self.stack.push(PyValue::Bool(false)),
                b'J' => {
                    let v = self.u32()? as i32;
                    self.stack.push(PyValue::Int(v as i64));
                }
                b'K' => {
                    let v = self.u8()?;
                    self.stack.push(PyValue::Int(v as i64));
                }
                b'M' => {
                    let v = self.u16()?;
                    self.stack.push(PyValue::Int(v as i64));
                }
                b'I' => {
                    let l = self.line()?;
                    let v = match l {
                        "00" => PyValue::Bool(false),
                        "01" => PyValue::Bool(true),
                        _ => match l.parse::<i64>() {
                            Ok(i) => PyValue::Int(i),
                            Err(_) => return self.err(format!("bad INT argument {l:?}")),
                        },
                    };
                    self.stack.push(v);
                }
                b'L' => {
                    let l = self.line()?;
                    match l.trim_end_matches('L').parse::<i64>() {
                        Ok(i) => self.stack.push(PyValue::Int(i)),
                        Err(_) => return self.err(format!("LONG {l:?} does not fit 64 bits")),
                    }
                }
                0x8a | 0x8b => {
                    let n = if op == 0x8a {
                        self.u8()? as u64
                    } else {
                        self.u32()? as u64
                    };
                    let n = self.len_usize(n)?;
                    let b = self.take(n)?;
                    if n > 8 {
                        return self.err(format!("{n}-byte long does not fit 64 bits"));
                    }
                    let mut buf = if b.last().is_some_and(|&x| x & 0x80 != 0) {
                        [0xffu8; 8]
                    } else {
                        [0u8; 8]
                    };
                    buf[..n].copy_from_slice(b);
                    self.stack.push(PyValue::Int(i64::from_le_bytes(buf)));
                }
                b'F' => {
                    let l = self.line()?;
                    match l.parse::<f64>() {
                        Ok(x) => self.stack.push(PyValue::Float(x)),
                        Err(_) => return self.err(format!("bad FLOAT argument {l:?}")),
                    }
                }
                b'G' => {
                    let b = self.take(8)?;
                    let x = f64::from_be_bytes(b.try_into().expect("8 bytes"));
                    self.stack.push(PyValue::Float(x));
                }
                b'S' => {
                    let l = self.line()?;
                    match unquote_py_string(l) {
                        Some(b) => self.stack.push(PyValue::Bytes(b.into())),
                        None => return self.err(format!("bad STRING argument {l:?}")),
                    }
                }
                b'T' | b'U' | b'B' | b'C' | 0x8e | 0x96 => {
                    let n = match op {
                        b'U' | b'C' => self.u8()? as u64,
                        b'T' | b'B' => self.u32()? as u64,
                        _ => self.u64()?,
                    };
                    let n = self.len_usize(n)?;
                    let b = self.take(n)?;
                    self.stack.push(PyValue::Bytes(b.into()));
                }
                b'V' => {
                    let l = self.line()?;
                    let s = unescape_raw_unicode(l);
                    self.stack.push(PyValue::Str(s.into()));
                }
                b'X' | 0x8c | 0x8d => {
                    let n = match op {
                        0x8c => self.u8()? as u64,
                        b'X' => self.u32()? as u64,
                        _ => self.u64()?,
                    };
                    let n = self.len_usize(n)?;
                    let b = self.take(n)?;
                    match std::str::from_utf8(b) {
                        Ok(s) => self.stack.push(PyValue::Str(s.into())),
                        Err(_) => return self.err("BINUNICODE is not valid UTF-8"),
                    }
                }
                b'}' => self
                    .stack
                    .push(PyValue::Dict(Rc::new(RefCell::new(Vec::new())))),
                b']' => self
                    .stack
                    .push(PyValue::List(Rc::new(RefCell::new(Vec::new())))),
                b')' => self.stack.push(PyValue::Tuple(Rc::from(Vec::new()))),
                b'l' => {
                    let items = self.pop_mark()?;
                    self.stack.push(PyValue::List(Rc::new(RefCell::new(items))));
                }
                b't' => {
                    let items = self.pop_mark()?;
                    self.stack.push(PyValue::Tuple(items.into()));
                }
                b'd' => {
                    let items = self.pop_mark()?;
                    self.stack
                        .push(PyValue::Dict(Rc::new(RefCell::new(Vec::new()))));
                    self.set_items(items)?;
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    if self.stack.len() < n {
                        return self.err("stack underflow");
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.stack.push(PyValue::Tuple(items.into()));
                }
                b'a' => {
                    let v = self.pop()?;
                    self.append_items(vec![v])?;
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    self.append_items(items)?;
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    self.set_items(vec![k, v])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    self.set_items(items)?;
                }
                b'p' => {
                    let l = self.line()?;
                    match l.parse() {
                        Ok(k) => self.memo_put(k)?,
                        Err(_) => return self.err(format!("bad PUT argument {l:?}")),
                    }
                }
                b'q' => {
                    let k = self.u8()? as u64;
                    self.memo_put(k)?;
                }
                b'r' => {
                    let k = self.u32()? as u64;
                    self.memo_put(k)?;
                }
                0x94 => {
                    let k = self.memo.len() as u64;
                    self.memo_put(k)?;
                }
                b'g' => {
                    let l = self.line()?;
                    match l.parse() {
                        Ok(k) => self.memo_get(k)?,
                        Err(_) => return self.err(format!("bad GET argument {l:?}")),
                    }
                }
                b'h' => {
                    let k = self.u8()? as u64;
                    self.memo_get(k)?;
                }
                b'j' => {
                    let k = self.u32()? as u64;
                    self.memo_get(k)?;
                }
                b'c' => {
                    let module = self.line()?.to_string();
                    let name = self.line()?.to_string();
                    self.stack.push(PyValue::Global(Rc::new((module, name))));
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module.as_text(), name.as_text()) {
                        (Some(m), Some(n)) => {
                            self.stack.push(PyValue::Global(Rc::new((m, n))));
                        }
                        _ => return self.err("STACK_GLOBAL needs two strings"),
                    }
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let v = self.reduce(&callable, &args)?;
                    self.stack.push(v);
                }
                0x81 => {
                    let _args = self.pop()?;
                    let cls = self.pop()?;
                    let t = cls.type_name();
                    return self.err(format!("unsupported object of class {t} (NEWOBJ)"));
                }
                b'b' => {
                    let state = self.pop()?;
                    let target = self.top()?.clone();
                    self.build(&target, &state)?;
                }
                _ => {
                    return self.err(format!(
                        "unsupported or invalid opcode 0x{op:02x} ({:?})",
                        op as char
                    ))
                }
            }
        }
    }

    fn reduce(&self, callable: &PyValue, args: &PyValue) -> R<PyValue> {
        let PyValue::Global(g) = callable else {
            return self.err(format!("REDUCE on a {}", callable.type_name()));
        };
        let (module, name) = (g.0.as_str(), g.1.as_str());
        let args = match args {
            PyValue::Tuple(t) => t.clone(),
            other => return self.err(format!("REDUCE arguments are a {}", other.type_name())),
        };
        let numpy_core = matches!(module, "numpy.core.multiarray" | "numpy._core.multiarray");
        match (numpy_core, module, name) {
            (true, _, "_reconstruct") => {
                Ok(PyValue::Object(Rc::new(RefCell::new(PyObject::ArrayStub))))
            }
            (_, "numpy", "dtype") => {
                let descr = args.first().and_then(|a| a.as_text());
                match descr.as_deref().and_then(Dtype::parse) {
                    Some(d) => Ok(PyValue::Object(Rc::new(RefCell::new(PyObject::Dtype(d))))),
                    None => self.err(format!("unsupported numpy dtype {descr:?}")),
                }
            }
            // Python 3 pickles bytes for protocol 2 as _codecs.encode(text, 'latin1').
            (_, "_codecs", "encode") => match (args.first(), args.get(1).and_then(|e| e.as_text()))
            {
                (Some(PyValue::Str(s)), Some(enc))
                    if matches!(enc.as_str(), "latin1" | "latin-1" | "iso-8859-1") =>
                {
                    let mut b = Vec::with_capacity(s.len());
                    for c in s.chars() {
                        match u8::try_from(c as u32) {
                            Ok(x) => b.push(x),
                            Err(_) => {
                                return self
                                    .err("_codecs.encode: character above U+00FF in latin1 text")
                            }
                        }
                    }
                    Ok(PyValue::Bytes(b.into()))
                }
                (Some(PyValue::Str(s)), Some(enc)) if matches!(enc.as_str(), "utf-8" | "utf8") => {
                    Ok(PyValue::Bytes(s.as_bytes().into()))
                }
                _ => self.err("unsupported _codecs.encode arguments"),
            },
            (true, _, "scalar") => {
                let (Some(d), Some(PyValue::Bytes(b))) = (args.first(), args.get(1)) else {
                    return self.err("numpy scalar needs (dtype, bytes)");
                };
                let dtype = match d {
                    PyValue::Object(o) => match &*o.borrow() {
                        PyObject::Dtype(d) => *d,
                        _ => return self.err("numpy scalar without a dtype"),
                    },
                    _ => return self.err("numpy scalar without a dtype"),
                };
                if b.len() != dtype.size {
                    return self.err("numpy scalar of the wrong byte length");
                }
                let a = NdArray {
                    shape: vec![],
                    dtype,
                    fortran_order: false,
                    data: b.clone(),
                };
                let x = a.element(0);
                Ok(if dtype.kind == 'f' {
                    PyValue::Float(x)
                } else {
                    PyValue::Int(x as i64)
                })
            }
            _ => self.err(format!(
                "unsupported callable {module}.{name}: only plain data and numpy arrays can be read"
            )),
        }
    }

    fn build(&self, target: &PyValue, state: &PyValue) -> R<()> {
        let PyValue::Object(obj) = target else {
            return self.err(format!("BUILD on a {}", target.type_name()));
        };
        let st = match state {
            PyValue::Tuple(t) => t.clone(),
            other => return self.err(format!("BUILD state is a {}", other.type_name())),
        };
        let mut obj = obj.borrow_mut();
        match &mut *obj {
            PyObject::Dtype(d) => {
                // (version, byteorder, subdescr, names, fields, elsize, alignment, flags)
                if let Some(order) = st.get(1).and_then(|v| v.as_text()) {
                    match order.as_str() {
                        ">" => d.little_endian = false,
                        "<" | "|" | "=" => d.little_endian = true,
                        o => return self.err(format!("unknown dtype byte order {o:?}")),
                    }
                }
                Ok(())
            }
            PyObject::ArrayStub => {
                // (version, shape, dtype, is_fortran, rawdata)
                if st.len() != 5 {
                    return self.err(format!("ndarray state has {} items, expected 5", st.len()));
                }
                let shape: Vec<usize> = match st[1].items() {
                    Some(items) => {
                        let mut dims = Vec::with_capacity(items.len());
                        for it in items {
                            match it.as_int() {
                                Some(n) if n >= 0 => dims.push(n as usize),
                                _ => return self.err("ndarray shape is not a tuple of sizes"),
                            }
                        }
                        dims
                    }
                    None => return self.err("ndarray shape is not a tuple"),
                };
                let dtype = match &st[2] {
                    PyValue::Object(o) => match &*o.borrow() {
                        PyObject::Dtype(d) => *d,
                        _ => return self.err("ndarray state has no dtype"),
                    },
                    _ => return self.err("ndarray state has no dtype"),
                };
                let fortran_order = matches!(st[3], PyValue::Bool(true) | PyValue::Int(1));
                let data = match &st[4] {
                    PyValue::Bytes(b) => b.clone(),
                    PyValue::Str(s) => {
                        // Python 3 reading a Python 2 pickle with encoding='latin1' sees text;
                        // the bytes are the code points.
                        let v: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
                        Rc::from(v)
                    }
                    other => {
                        return self.err(format!(
                            "ndarray data is a {} (object arrays are not supported)",
                            other.type_name()
                        ))
                    }
                };
                let bytes = shape
                    .iter()
                    .try_fold(dtype.size, |acc, &d| acc.checked_mul(d));
                if bytes != Some(data.len()) {
                    return self.err(format!(
                        "ndarray of shape {shape:?} and dtype {} does not match its {} data bytes",
                        dtype.descr(),
                        data.len()
                    ));
                }
                *obj = PyObject::Array(NdArray {
                    shape,
                    dtype,
                    fortran_order,
                    data,
                });
                Ok(())
            }
            PyObject::Array(_) => self.err("BUILD on an array that is already built"),
        }
    }
}

/// Python 2's repr of a str, as the STRING opcode writes it: quotes plus backslash escapes.
fn unquote_py_string(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() < 2 || b[0] != b[b.len() - 1] || !matches!(b[0], b'\'' | b'"') {
        return None;
    }
    let body = &b[1..b.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let e = *body.get(i)?;
        i += 1;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\\' | b'\'' | b'"' => out.push(e),
            b'x' => {
                let h = std::str::from_utf8(body.get(i..i + 2)?).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                let mut k = 0;
                while k < 2 && i < body.len() && (b'0'..=b'7').contains(&body[i]) {
                    v = v * 8 + (body[i] - b'0') as u32;
                    i += 1;
                    k += 1;
                }
                out.push(v as u8);
            }
            _ => {
                out.push(b'\\');
                out.push(e);
            }
        }
    }
    Some(out)
}

/// The UNICODE opcode's raw-unicode-escape: only `\uXXXX` and `\UXXXXXXXX` are escapes.
fn unescape_raw_unicode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && i + 1 < chars.len() && matches!(chars[i + 1], 'u' | 'U') {
            let n = if chars[i + 1] == 'u' { 4 } else { 8 };
            if i + 2 + n <= chars.len() {
                let hex: String = chars[i + 2..i + 2 + n].iter().collect();
                if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                    i += 2 + n;
                    continue;
                }
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_0_text_opcodes() {
        // pickle.dumps({'a': [1, 2.5, 'x\n'], u'b': (None, True)}, 0) in Python 2.
        let p = b"(dp0\nS'a'\np1\n(lp2\nI1\naF2.5\naS'x\\n'\np3\nasVb\np4\n(NI01\ntp5\ns.";
        let v = load(p).unwrap();
        let a = v.get("a").unwrap().items().unwrap();
        assert_eq!(a[0].as_int(), Some(1));
        assert!(matches!(a[1], PyValue::Float(x) if x == 2.5));
        assert_eq!(a[2].as_text().as_deref(), Some("x\n"));
        let b = v.get("b").unwrap().items().unwrap();
        assert!(matches!(b[0], PyValue::None));
        assert!(matches!(b[1], PyValue::Bool(true)));
    }

    #[test]
    fn memo_shares_mutable_lists() {
        // l = []; d = {'x': l, 'y': l}; protocol 2: the list is memoized before it is filled.
        let p = b"\x80\x02}q\x00(U\x01xq\x01]q\x02(K\x01K\x02eU\x01yq\x03h\x02u.";
        let v = load(p).unwrap();
        let y = v.get("y").unwrap().items().unwrap();
        assert_eq!(y.len(), 2);
    }

    #[test]
    fn long1_and_negative_ints() {
        let p = b"\x80\x02(\x8a\x01\xffJ\xfe\xff\xff\xff\x8a\x05\x00\x00\x00\x00\x01t.";
        let v = load(p).unwrap().items().unwrap();
        assert_eq!(v[0].as_int(), Some(-1));
        assert_eq!(v[1].as_int(), Some(-2));
        assert_eq!(v[2].as_int(), Some(1 << 32));
    }

    #[test]
    fn truncation_and_garbage_are_errors_with_offsets() {
        let e = load(b"\x80\x02}q\x00(U\x05ab").unwrap_err();
        assert!(e.msg.contains("unexpected end"), "{e:?}");
        let e = load(b"\x80\x02\xff").unwrap_err();
        assert_eq!(e.offset, 2);
        let e = load(b"cos\nsystem\n(S'ls'\ntR.").unwrap_err();
        assert!(e.msg.contains("unsupported callable os.system"), "{e:?}");
        assert!(load(b"").is_err());
        assert!(load(b"\x80\x02}(U\x01a").is_err());
    }

    #[test]
    fn dtype_descrs() {
        assert_eq!(Dtype::parse("u1").unwrap().size, 1);
        assert!(!Dtype::parse(">f8").unwrap().little_endian);
        assert_eq!(Dtype::parse("<f4").unwrap().descr(), "<f4");
        assert!(Dtype::parse("O").is_none());
        assert!(Dtype::parse("c16").is_none());
    }
}
