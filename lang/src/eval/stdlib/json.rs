//! `import json`, read-only: `loads(s)` and `load(f)` (a file from `open(path)`), and
//! `dumps(obj, ...)` to a string with Python 2.7's separators (`', '` and `': '`, so an
//! indented dump keeps the space after each comma at the end of its line). `dump(obj, f)`
//! writes and is refused.

use super::super::value::{Dict, Key, Value};
use super::super::{EvalError, Interp};

/// Nesting past this is refused: both directions recurse.
const MAX_DEPTH: usize = 500;

pub(crate) fn install(interp: &mut Interp) {
    let m = interp.module("json");
    m.add_native("loads", "s, encoding=None, cls=None, object_hook=None, parse_float=None, parse_int=None, parse_constant=None, object_pairs_hook=None, **kw", |interp, a| {
        let s = a.str("s")?;
        let v = parse(&s)?;
        hook(interp, v, a.get("object_hook"))
    });
    m.add_native("load", "fp, encoding=None, cls=None, object_hook=None, parse_float=None, parse_int=None, parse_constant=None, object_pairs_hook=None, **kw", |interp, a| {
        let Value::File(f) = a.get("fp") else {
            return Err(EvalError::type_error(format!(
                "json.load() argument must be a file opened with open(path), not {}",
                a.get("fp").type_name()
            )));
        };
        let text = f.borrow_mut().read()?;
        let v = parse(&text)?;
        hook(interp, v, a.get("object_hook"))
    });
    m.add_native("dumps", "obj, skipkeys=False, ensure_ascii=True, check_circular=True, allow_nan=True, cls=None, indent=None, separators=None, encoding='utf-8', default=None, sort_keys=False, **kw", |interp, a| {
        let indent = match a.get("indent") {
            Value::None => None,
            v => Some(v.as_int().filter(|n| (0..=64).contains(n)).ok_or_else(|| {
                EvalError::type_error("json.dumps(indent=...) takes an int from 0 to 64")
            })? as usize),
        };
        let (item_sep, key_sep) = match a.get("separators") {
            Value::None => (", ".to_string(), ": ".to_string()),
            v => {
                let parts = interp.iterate(v)?;
                match parts.as_slice() {
                    [Value::Str(i), Value::Str(k)] => (i.to_string(), k.to_string()),
                    _ => {
                        return Err(EvalError::type_error(
                            "json.dumps(separators=...) takes a pair of strings",
                        ))
                    }
                }
            }
        };
        let opts = DumpOpts {
            indent,
            item_sep,
            key_sep,
            sort_keys: a.get("sort_keys").truthy(),
            skipkeys: a.get("skipkeys").truthy(),
            ensure_ascii: a.get("ensure_ascii").truthy(),
            allow_nan: a.get("allow_nan").truthy(),
            default: a.get("default").clone(),
        };
        let mut out = String::new();
        dump(interp, a.get("obj"), &opts, 0, &mut out)?;
        Ok(Value::str(&out))
    });
    m.add_native("dump", "obj, fp, *args, **kwargs", |_, _| {
        Err(EvalError::io_error(
            "json.dump() is not allowed: configs may only read (json.dumps(obj) gives the text as a string)",
        ))
    });
}

fn hook(interp: &mut Interp, v: Value, hook: &Value) -> Result<Value, EvalError> {
    if matches!(hook, Value::None) {
        return Ok(v);
    }
    apply_hook(interp, v, hook, 0)
}

fn apply_hook(
    interp: &mut Interp,
    v: Value,
    hook: &Value,
    depth: usize,
) -> Result<Value, EvalError> {
    if depth > MAX_DEPTH {
        return Err(EvalError::value_error(
            "JSON nested too deeply for the sandbox",
        ));
    }
    match &v {
        Value::List(l) => {
            let items = l.borrow().clone();
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                out.push(apply_hook(interp, x, hook, depth + 1)?);
            }
            Ok(Value::list(out))
        }
        Value::Dict(d) => {
            let items: Vec<(Key, Value)> = d
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut out = Dict::new();
            for (k, x) in items {
                out.insert(k, apply_hook(interp, x, hook, depth + 1)?);
            }
            interp.call(hook, vec![Value::dict(out)], Vec::new())
        }
        _ => Ok(v),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

/// Python's `ValueError` wording: what was expected, and where (line, column, char).
fn err_at(p: &Parser, what: &str) -> EvalError {
    let before = &p.text[..p.pos.min(p.text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    let ch = before.chars().count();
    EvalError::value_error(format!("{what}: line {line} column {col} (char {ch})"))
}

pub(crate) fn parse(text: &str) -> Result<Value, EvalError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
    };
    p.ws();
    if p.pos >= p.s.len() {
        return Err(err_at(&p, "No JSON object could be decoded"));
    }
    let v = p.value()?;
    p.ws();
    if p.pos < p.s.len() {
        return Err(err_at(&p, "Extra data"));
    }
    Ok(v)
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Value, EvalError> {
        if self.depth > MAX_DEPTH {
            return Err(err_at(self, "JSON nested too deeply for the sandbox"));
        }
        let Some(&c) = self.s.get(self.pos) else {
            return Err(err_at(self, "Expecting object"));
        };
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(Value::str(&self.string()?)),
            b'n' if self.eat("null") => Ok(Value::None),
            b't' if self.eat("true") => Ok(Value::Bool(true)),
            b'f' if self.eat("false") => Ok(Value::Bool(false)),
            b'N' if self.eat("NaN") => Ok(Value::Float(f64::NAN)),
            b'I' if self.eat("Infinity") => Ok(Value::Float(f64::INFINITY)),
            b'-' if self.eat("-Infinity") => Ok(Value::Float(f64::NEG_INFINITY)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(err_at(self, "No JSON object could be decoded")),
        }
    }

    fn number(&mut self) -> Result<Value, EvalError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.pos < p.s.len() && p.s[p.pos].is_ascii_digit() {
                p.pos += 1;
            }
            p.pos > s
        };
        if self.s[self.pos] == b'-' {
            self.pos += 1;
        }
        if !digits(self) {
            return Err(err_at(self, "Expecting object"));
        }
        let mut float = false;
        if self.s.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            float = true;
            if !digits(self) {
                return Err(err_at(self, "Expecting object"));
            }
        }
        if matches!(self.s.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            float = true;
            if matches!(self.s.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(err_at(self, "Expecting object"));
            }
        }
        let lit = &self.text[start..self.pos];
        if float {
            return lit
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| err_at(self, "Expecting object"));
        }
        match lit.parse::<i64>() {
            Ok(i) => Ok(Value::Int(i)),
            Err(_) => lit
                .parse::<num_bigint::BigInt>()
                .map(super::super::long::narrow)
                .map_err(|_| err_at(self, "Expecting object")),
        }
    }

    fn string(&mut self) -> Result<String, EvalError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(err_at(self, "Unterminated string starting at"));
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos + 1) else {
                        return Err(err_at(self, "Unterminated string starting at"));
                    };
                    self.pos += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xd800..0xdc00).contains(&cp) && self.eat("\\u") {
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                }
                            }
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        _ => return Err(err_at(self, "Invalid \\escape")),
                    }
                }
                _ => {
                    // A whole UTF-8 char (the input is a &str, so boundaries are valid).
                    let ch = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    if (ch as u32) < 0x20 {
                        return Err(err_at(self, "Invalid control character at"));
                    }
                    out.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, EvalError> {
        let h = self
            .text
            .get(self.pos..self.pos + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| err_at(self, "Invalid \\uXXXX escape"))?;
        self.pos += 4;
        Ok(h)
    }

    fn array(&mut self) -> Result<Value, EvalError> {
        self.pos += 1;
        self.depth += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat("]") {
            self.depth -= 1;
            return Ok(Value::list(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            if self.eat("]") {
                break;
            }
            if !self.eat(",") {
                return Err(err_at(self, "Expecting , delimiter"));
            }
        }
        self.depth -= 1;
        Ok(Value::list(items))
    }

    fn object(&mut self) -> Result<Value, EvalError> {
        self.pos += 1;
        self.depth += 1;
        let mut d = Dict::new();
        self.ws();
        if self.eat("}") {
            self.depth -= 1;
            return Ok(Value::dict(d));
        }
        loop {
            self.ws();
            if self.s.get(self.pos) != Some(&b'"') {
                return Err(err_at(self, "Expecting property name"));
            }
            let k = self.string()?;
            self.ws();
            if !self.eat(":") {
                return Err(err_at(self, "Expecting : delimiter"));
            }
            self.ws();
            let v = self.value()?;
            d.insert(Key(Value::str(&k)), v);
            self.ws();
            if self.eat("}") {
                break;
            }
            if !self.eat(",") {
                return Err(err_at(self, "Expecting , delimiter"));
            }
        }
        self.depth -= 1;
        Ok(Value::dict(d))
    }
}

struct DumpOpts {
    indent: Option<usize>,
    item_sep: String,
    key_sep: String,
    sort_keys: bool,
    skipkeys: bool,
    ensure_ascii: bool,
    allow_nan: bool,
    default: Value,
}

fn quote(s: &str, ascii: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ascii && (c as u32) > 0x7e) => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", u));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn float_text(f: f64, allow_nan: bool) -> Result<String, EvalError> {
    if f.is_finite() {
        return Ok(Value::Float(f).repr());
    }
    if !allow_nan {
        return Err(EvalError::value_error(format!(
            "Out of range float values are not JSON compliant: {}",
            Value::Float(f).repr()
        )));
    }
    Ok(if f.is_nan() {
        "NaN".into()
    } else if f > 0.0 {
        "Infinity".into()
    } else {
        "-Infinity".into()
    })
}

fn newline(opts: &DumpOpts, level: usize, out: &mut String) {
    if let Some(n) = opts.indent {
        out.push('\n');
        out.push_str(&" ".repeat(n * level));
    }
}

fn dump(
    interp: &mut Interp,
    v: &Value,
    opts: &DumpOpts,
    level: usize,
    out: &mut String,
) -> Result<(), EvalError> {
    if level > MAX_DEPTH {
        return Err(EvalError::value_error("Circular reference detected"));
    }
    interp.check_size(out.len())?;
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(_) | Value::Long(_) => out.push_str(&v.to_str()),
        Value::Float(f) => out.push_str(&float_text(*f, opts.allow_nan)?),
        Value::Str(s) => quote(s, opts.ensure_ascii, out),
        Value::List(_) | Value::Tuple(_) => {
            let items = match v {
                Value::List(l) => l.borrow().clone(),
                Value::Tuple(t) => t.as_ref().clone(),
                _ => Vec::new(),
            };
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&opts.item_sep);
                }
                newline(opts, level + 1, out);
                dump(interp, x, opts, level + 1, out)?;
            }
            newline(opts, level, out);
            out.push(']');
        }
        Value::Dict(d) => {
            let mut items: Vec<(String, Value)> = Vec::new();
            let pairs: Vec<(Key, Value)> = super::super::value::dict_items(d);
            for (k, x) in pairs {
                let key = match &k.0 {
                    Value::Str(s) => s.to_string(),
                    Value::Float(f) => float_text(*f, opts.allow_nan)?,
                    Value::Bool(true) => "true".into(),
                    Value::Bool(false) => "false".into(),
                    Value::None => "null".into(),
                    Value::Int(_) | Value::Long(_) => k.0.to_str(),
                    _ if opts.skipkeys => continue,
                    other => {
                        return Err(EvalError::type_error(format!(
                            "key {} is not a string",
                            other.repr()
                        )))
                    }
                };
                items.push((key, x));
            }
            if opts.sort_keys {
                items.sort_by(|a, b| a.0.cmp(&b.0));
            }
            if items.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, x)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&opts.item_sep);
                }
                newline(opts, level + 1, out);
                quote(k, opts.ensure_ascii, out);
                out.push_str(&opts.key_sep);
                dump(interp, x, opts, level + 1, out)?;
            }
            newline(opts, level, out);
            out.push('}');
        }
        other => {
            if matches!(opts.default, Value::None) {
                return Err(EvalError::type_error(format!(
                    "{} is not JSON serializable",
                    interp.repr(other)?
                )));
            }
            let d = opts.default.clone();
            let replaced = interp.call(&d, vec![other.clone()], Vec::new())?;
            dump(interp, &replaced, opts, level + 1, out)?;
        }
    }
    Ok(())
}
