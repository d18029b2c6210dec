//! `import re`: Python 2.7's `re` on the `regex` crate. Patterns are translated where the
//! syntaxes differ (`\d \w \s` are ASCII classes as in Python 2 without `re.UNICODE`, `\Z` is
//! the end of the string); what the crate cannot run (backreferences, lookaround) is a
//! `re.error` that says so. Matching and substitution follow sre's rules for empty matches
//! (`findall` keeps them, `sub` skips one right after the previous match, `split` never
//! splits on one).

use super::super::host::{HostObject, HostType};
use super::super::value::{Dict, Key, Value};
use super::super::{EvalError, Interp};
use std::rc::Rc;

// Python 2.7's flag values.
const I: i64 = 2;
const L: i64 = 4;
const M: i64 = 8;
const S: i64 = 16;
const U: i64 = 32;
const X: i64 = 64;

/// Compiled programs larger than this are refused (the crate's own size limit).
const SIZE_LIMIT: usize = 16 << 20;

fn re_error(m: impl Into<String>) -> EvalError {
    EvalError::new("error", m)
}

/// Rewrites Python regex syntax into the crate's.
fn translate(p: &str) -> Result<String, EvalError> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&n) = chars.get(i + 1) else {
                return Err(re_error("bogus escape (end of line)"));
            };
            i += 2;
            let class_body = match n {
                'd' => Some("0-9"),
                'w' => Some("0-9A-Za-z_"),
                's' => Some(" \\t\\n\\r\\x0B\\x0C"),
                _ => None,
            };
            if let Some(body) = class_body {
                if in_class {
                    out.push_str(body);
                } else {
                    out.push('[');
                    out.push_str(body);
                    out.push(']');
                }
                continue;
            }
            let negated = match n {
                'D' => Some("0-9"),
                'W' => Some("0-9A-Za-z_"),
                'S' => Some(" \\t\\n\\r\\x0B\\x0C"),
                _ => None,
            };
            if let Some(body) = negated {
                if in_class {
                    // Inside a class a negated class cannot be spelled as a range list.
                    return Err(re_error(format!(
                        "\\{n} inside a character class is not supported in the sandbox"
                    )));
                }
                out.push_str("[^");
                out.push_str(body);
                out.push(']');
                continue;
            }
            match n {
                'Z' => out.push_str("\\z"),
                '1'..='9' if !in_class => {
                    return Err(re_error(
                        "backreferences (\\1) are not supported in the sandbox",
                    ))
                }
                '0' => {
                    // Octal escape: up to two more octal digits.
                    let mut v = 0u32;
                    let mut k = 0;
                    while k < 2 && chars.get(i).is_some_and(|d| d.is_digit(8)) {
                        v = v * 8 + chars[i].to_digit(8).unwrap_or(0);
                        i += 1;
                        k += 1;
                    }
                    out.push_str(&format!("\\x{{{v:x}}}"));
                }
                c if c.is_ascii_alphanumeric() => {
                    out.push('\\');
                    out.push(c);
                }
                // Python lets any other char be escaped; the crate only metacharacters.
                c => {
                    out.push_str(&regex_syntax_escape(c));
                }
            }
            continue;
        }
        if in_class {
            if c == ']' && !(out.ends_with('[') || out.ends_with("[^")) {
                in_class = false;
                out.push(']');
            } else if c == '[' {
                out.push_str("\\[");
            } else if (c == '&' || c == '~' || c == '-') && chars.get(i + 1) == Some(&c) {
                // The crate reads `&&`, `~~` and `--` as set operations.
                out.push('\\');
                out.push(c);
            } else if c == ']' {
                out.push_str("\\]");
            } else {
                out.push(c);
            }
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i + 2..].iter().take(3).collect();
                if rest.starts_with('=')
                    || rest.starts_with('!')
                    || rest.starts_with("<=")
                    || rest.starts_with("<!")
                {
                    return Err(re_error(
                        "lookahead and lookbehind are not supported in the sandbox",
                    ));
                }
                if rest.starts_with("P=") {
                    return Err(re_error(
                        "backreferences ((?P=name)) are not supported in the sandbox",
                    ));
                }
                if rest.starts_with('#') {
                    // A comment group: skip to its closing parenthesis.
                    while i < chars.len() && chars[i] != ')' {
                        i += 1;
                    }
                } else {
                    out.push('(');
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

fn regex_syntax_escape(c: char) -> String {
    if "\\.+*?()|[]{}^$#&-~".contains(c) {
        format!("\\{c}")
    } else if c.is_whitespace() {
        format!("\\x{{{:x}}}", c as u32)
    } else {
        c.to_string()
    }
}

struct Pattern {
    source: Rc<str>,
    flags: i64,
    re: regex::Regex,
}

fn compile(source: &str, flags: i64) -> Result<Rc<Pattern>, EvalError> {
    let translated = translate(source)?;
    let re = regex::RegexBuilder::new(&translated)
        .case_insensitive(flags & I != 0)
        .multi_line(flags & M != 0)
        .dot_matches_new_line(flags & S != 0)
        .ignore_whitespace(flags & X != 0)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| {
            let msg = e.to_string();
            let last = msg
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            re_error(format!(
                "bad pattern {}: {}",
                Value::str(source).repr(),
                last.trim()
            ))
        })?;
    Ok(Rc::new(Pattern {
        source: Rc::from(source),
        flags,
        re,
    }))
}

/// A pattern argument: a compiled pattern or a string.
fn pattern_of(v: &Value, flags: i64) -> Result<Rc<Pattern>, EvalError> {
    match v {
        Value::Str(s) => compile(s, flags),
        Value::Host(h) => match h.as_any().downcast_ref::<PatternObj>() {
            Some(p) => Ok(p.0.clone()),
            None => Err(EvalError::type_error(format!(
                "first argument must be string or compiled pattern, not {}",
                h.type_name()
            ))),
        },
        other => Err(EvalError::type_error(format!(
            "first argument must be string or compiled pattern, not {}",
            other.type_name()
        ))),
    }
}

fn subject(v: &Value) -> Result<Rc<str>, EvalError> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(EvalError::type_error(format!(
            "expected string or buffer, not {}",
            other.type_name()
        ))),
    }
}

/// Byte offset of the `n`th char (clamped to the end).
fn byte_of(s: &str, n: i64) -> usize {
    if n <= 0 {
        return 0;
    }
    s.char_indices()
        .nth(n as usize)
        .map(|(b, _)| b)
        .unwrap_or(s.len())
}

fn char_of(s: &str, b: usize) -> i64 {
    s[..b].chars().count() as i64
}

struct MatchData {
    pattern: Rc<Pattern>,
    string: Rc<str>,
    groups: Vec<Option<(usize, usize)>>,
}

impl MatchData {
    fn group(&self, i: usize) -> Value {
        match self.groups.get(i).copied().flatten() {
            Some((a, b)) => Value::str(&self.string[a..b]),
            None => Value::None,
        }
    }

    fn index(&self, v: &Value) -> Result<usize, EvalError> {
        match v {
            Value::Int(i) if *i >= 0 && (*i as usize) < self.groups.len() => Ok(*i as usize),
            Value::Str(name) => self
                .pattern
                .re
                .capture_names()
                .position(|n| n == Some(&**name))
                .ok_or_else(|| EvalError::index_error("no such group")),
            _ => Err(EvalError::index_error("no such group")),
        }
    }

    fn span(&self, i: usize) -> (i64, i64) {
        match self.groups[i] {
            Some((a, b)) => (char_of(&self.string, a), char_of(&self.string, b)),
            None => (-1, -1),
        }
    }
}

/// Runs the pattern from byte `pos`; `anchored` keeps only a match starting there.
fn run(p: &Rc<Pattern>, s: &Rc<str>, pos: usize, end: usize, anchored: bool) -> Option<MatchData> {
    let hay = &s[..end];
    if pos > hay.len() {
        return None;
    }
    let caps = p.re.captures_at(hay, pos)?;
    let whole = caps.get(0)?;
    if anchored && whole.start() != pos {
        return None;
    }
    Some(MatchData {
        pattern: p.clone(),
        string: s.clone(),
        groups: (0..caps.len())
            .map(|i| caps.get(i).map(|m| (m.start(), m.end())))
            .collect(),
    })
}

/// Every match sre's scanner reports, empty ones included.
fn all_matches(p: &Rc<Pattern>, s: &Rc<str>, pos: usize, end: usize) -> Vec<MatchData> {
    let mut out = Vec::new();
    let mut at = pos;
    while at <= end {
        let Some(m) = run(p, s, at, end, false) else {
            break;
        };
        let (a, b) = m.groups[0].unwrap_or((at, at));
        at = if a == b {
            match s[b..end].chars().next() {
                Some(c) => b + c.len_utf8(),
                None => end + 1,
            }
        } else {
            b
        };
        out.push(m);
    }
    out
}

struct PatternObj(Rc<Pattern>);
struct MatchObj(Rc<MatchData>);

fn match_value(m: MatchData) -> Value {
    Value::host(MatchObj(Rc::new(m)))
}

fn opt_match(m: Option<MatchData>) -> Value {
    m.map(match_value).unwrap_or(Value::None)
}

fn bounds(s: &str, pos: &Value, endpos: &Value) -> Result<(usize, usize), EvalError> {
    let p = match pos {
        Value::None => 0,
        v => v
            .as_int()
            .ok_or_else(|| EvalError::type_error("pos must be an int"))?,
    };
    let e = match endpos {
        Value::None => s.len(),
        v => byte_of(
            s,
            v.as_int()
                .ok_or_else(|| EvalError::type_error("endpos must be an int"))?,
        ),
    };
    let p = byte_of(s, p).min(e);
    Ok((p, e))
}

fn findall(p: &Rc<Pattern>, s: &Rc<str>, pos: usize, end: usize) -> Value {
    let ngroups = p.re.captures_len() - 1;
    let items = all_matches(p, s, pos, end)
        .into_iter()
        .map(|m| {
            let text = |i: usize| match m.group(i) {
                Value::None => Value::str(""),
                v => v,
            };
            match ngroups {
                0 => text(0),
                1 => text(1),
                n => Value::tuple((1..=n).map(text).collect()),
            }
        })
        .collect();
    Value::list(items)
}

/// Expands a replacement template (`\1`, `\g<name>`, `\n`) for one match.
fn expand(m: &MatchData, template: &str) -> Result<String, EvalError> {
    let chars: Vec<char> = template.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 == chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = chars[i + 1];
        i += 2;
        let group = match n {
            'g' => {
                if chars.get(i) != Some(&'<') {
                    return Err(re_error("missing group name"));
                }
                let close = chars[i..]
                    .iter()
                    .position(|&c| c == '>')
                    .ok_or_else(|| re_error("missing group name"))?;
                let name: String = chars[i + 1..i + close].iter().collect();
                i += close + 1;
                let key = match name.parse::<i64>() {
                    Ok(k) => Value::Int(k),
                    Err(_) => Value::str(&name),
                };
                Some(
                    m.index(&key)
                        .map_err(|_| re_error("invalid group reference"))?,
                )
            }
            '0'..='9' => {
                let mut num = n.to_digit(10).unwrap_or(0) as usize;
                if let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                    num = num * 10 + d as usize;
                    i += 1;
                }
                if num >= m.groups.len() {
                    return Err(re_error("invalid group reference"));
                }
                Some(num)
            }
            _ => {
                match n {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    '\\' => out.push('\\'),
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                None
            }
        };
        if let Some(g) = group {
            match &m.group(g) {
                Value::Str(s) => out.push_str(s),
                _ => return Err(re_error("unmatched group")),
            }
        }
    }
    Ok(out)
}

fn subn(
    interp: &mut Interp,
    p: &Rc<Pattern>,
    repl: &Value,
    s: &Rc<str>,
    count: i64,
) -> Result<(String, i64), EvalError> {
    let mut out = String::new();
    let mut last = 0usize;
    let mut n = 0i64;
    for m in all_matches(p, s, 0, s.len()) {
        if count > 0 && n >= count {
            break;
        }
        let (b, e) = m.groups[0].unwrap_or((last, last));
        if last < b {
            out.push_str(&s[last..b]);
        } else if b == e && b == last && n > 0 {
            // sre ignores an empty match right where the previous one ended.
            continue;
        }
        let m = Rc::new(m);
        let piece = match repl {
            Value::Str(t) => expand(&m, t)?,
            f => {
                let r = interp.call(f, vec![Value::host(MatchObj(m.clone()))], Vec::new())?;
                match &r {
                    Value::Str(t) => t.to_string(),
                    other => {
                        return Err(EvalError::type_error(format!(
                            "expected string or buffer from the replacement function, not {}",
                            other.type_name()
                        )))
                    }
                }
            }
        };
        out.push_str(&piece);
        interp.check_size(out.len())?;
        last = e;
        n += 1;
    }
    out.push_str(&s[last..]);
    Ok((out, n))
}

fn split(p: &Rc<Pattern>, s: &Rc<str>, maxsplit: i64) -> Value {
    let mut out = Vec::new();
    let mut last = 0usize;
    let mut n = 0i64;
    for m in all_matches(p, s, 0, s.len()) {
        if maxsplit > 0 && n >= maxsplit {
            break;
        }
        let (b, e) = m.groups[0].unwrap_or((last, last));
        if b == e {
            continue;
        }
        out.push(Value::str(&s[last..b]));
        for g in 1..m.groups.len() {
            out.push(m.group(g));
        }
        last = e;
        n += 1;
    }
    out.push(Value::str(&s[last..]));
    Value::list(out)
}

const PATTERN_METHODS: &[&str] = &[
    "match",
    "search",
    "findall",
    "finditer",
    "sub",
    "subn",
    "split",
    "pattern",
    "flags",
    "groups",
    "groupindex",
];

impl HostObject for PatternObj {
    fn type_name(&self) -> &str {
        "_sre.SRE_Pattern"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn attr_names(&self) -> Vec<String> {
        PATTERN_METHODS.iter().map(|s| s.to_string()).collect()
    }
    fn repr(&self) -> String {
        format!(
            "<_sre.SRE_Pattern object {}>",
            Value::Str(self.0.source.clone()).repr()
        )
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> Result<Option<Value>, EvalError> {
        let p = self.0.clone();
        Ok(Some(match name {
            "pattern" => Value::Str(p.source.clone()),
            "flags" => Value::Int(p.flags),
            "groups" => Value::Int(p.re.captures_len() as i64 - 1),
            "groupindex" => {
                let mut d = Dict::new();
                for (i, n) in p.re.capture_names().enumerate() {
                    if let Some(n) = n {
                        d.insert(Key(Value::str(n)), Value::Int(i as i64));
                    }
                }
                Value::dict(d)
            }
            "match" | "search" => {
                let anchored = name == "match";
                Value::native(name, "string, pos=0, endpos=None", move |_, a| {
                    let s = subject(a.get("string"))?;
                    let (pos, end) = bounds(&s, a.get("pos"), a.get("endpos"))?;
                    Ok(opt_match(run(&p, &s, pos, end, anchored)))
                })
            }
            "findall" => Value::native(name, "string, pos=0, endpos=None", move |_, a| {
                let s = subject(a.get("string"))?;
                let (pos, end) = bounds(&s, a.get("pos"), a.get("endpos"))?;
                Ok(findall(&p, &s, pos, end))
            }),
            "finditer" => Value::native(name, "string, pos=0, endpos=None", move |_, a| {
                let s = subject(a.get("string"))?;
                let (pos, end) = bounds(&s, a.get("pos"), a.get("endpos"))?;
                Ok(Value::list(
                    all_matches(&p, &s, pos, end)
                        .into_iter()
                        .map(match_value)
                        .collect(),
                ))
            }),
            "sub" | "subn" => {
                let with_count = name == "subn";
                Value::native(name, "repl, string, count=0", move |i, a| {
                    let s = subject(a.get("string"))?;
                    let (out, n) = subn(i, &p, a.get("repl"), &s, a.int("count")?)?;
                    Ok(if with_count {
                        Value::tuple(vec![Value::str(&out), Value::Int(n)])
                    } else {
                        Value::str(&out)
                    })
                })
            }
            "split" => Value::native(name, "string, maxsplit=0", move |_, a| {
                let s = subject(a.get("string"))?;
                Ok(split(&p, &s, a.int("maxsplit")?))
            }),
            _ => return Ok(None),
        }))
    }
}

const MATCH_METHODS: &[&str] = &[
    "group",
    "groups",
    "groupdict",
    "start",
    "end",
    "span",
    "string",
    "re",
    "pos",
    "endpos",
    "lastindex",
    "lastgroup",
    "expand",
];

impl HostObject for MatchObj {
    fn type_name(&self) -> &str {
        "_sre.SRE_Match"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn attr_names(&self) -> Vec<String> {
        MATCH_METHODS.iter().map(|s| s.to_string()).collect()
    }
    fn repr(&self) -> String {
        "<_sre.SRE_Match object>".into()
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> Result<Option<Value>, EvalError> {
        let m = self.0.clone();
        Ok(Some(match name {
            "string" => Value::Str(m.string.clone()),
            "re" => Value::host(PatternObj(m.pattern.clone())),
            "pos" => Value::Int(0),
            "endpos" => Value::Int(char_of(&m.string, m.string.len())),
            "lastindex" => match (1..m.groups.len()).rev().find(|&g| m.groups[g].is_some()) {
                Some(g) => Value::Int(g as i64),
                None => Value::None,
            },
            "lastgroup" => {
                let last = (1..m.groups.len()).rev().find(|&g| m.groups[g].is_some());
                match last.and_then(|g| m.pattern.re.capture_names().nth(g).flatten()) {
                    Some(n) => Value::str(n),
                    None => Value::None,
                }
            }
            "group" => Value::native(name, "*groups", move |_, a| {
                if a.varargs.is_empty() {
                    return Ok(m.group(0));
                }
                let mut out = Vec::new();
                for g in &a.varargs {
                    out.push(m.group(m.index(g)?));
                }
                Ok(if out.len() == 1 {
                    out.remove(0)
                } else {
                    Value::tuple(out)
                })
            }),
            "groups" => Value::native(name, "default=None", move |_, a| {
                let d = a.get("default").clone();
                Ok(Value::tuple(
                    (1..m.groups.len())
                        .map(|g| match m.group(g) {
                            Value::None => d.clone(),
                            v => v,
                        })
                        .collect(),
                ))
            }),
            "groupdict" => Value::native(name, "default=None", move |_, a| {
                let d = a.get("default").clone();
                let mut out = Dict::new();
                for (g, n) in m.pattern.re.capture_names().enumerate() {
                    if let Some(n) = n {
                        let v = match m.group(g) {
                            Value::None => d.clone(),
                            v => v,
                        };
                        out.insert(Key(Value::str(n)), v);
                    }
                }
                Ok(Value::dict(out))
            }),
            "start" | "end" | "span" => {
                let which = name.to_string();
                Value::native(name, "group=0", move |_, a| {
                    let (s, e) = m.span(m.index(a.get("group"))?);
                    Ok(match which.as_str() {
                        "start" => Value::Int(s),
                        "end" => Value::Int(e),
                        _ => Value::tuple(vec![Value::Int(s), Value::Int(e)]),
                    })
                })
            }
            "expand" => Value::native(name, "template", move |_, a| {
                Ok(Value::str(&expand(&m, &a.str("template")?)?))
            }),
            _ => return Ok(None),
        }))
    }
    fn getitem(&self, _: &mut Interp, _: &Value, key: &Value) -> Result<Option<Value>, EvalError> {
        Ok(Some(self.0.group(self.0.index(key)?)))
    }
}

pub(crate) fn install(interp: &mut Interp) {
    let m = interp.module("re");
    for (names, v) in [
        (["I", "IGNORECASE"], I),
        (["L", "LOCALE"], L),
        (["M", "MULTILINE"], M),
        (["S", "DOTALL"], S),
        (["U", "UNICODE"], U),
        (["X", "VERBOSE"], X),
    ] {
        for n in names {
            m.set(n, Value::Int(v));
        }
    }
    m.set("error", HostType::new("error").into_value());
    m.add_native("compile", "pattern, flags=0", |_, a| {
        Ok(Value::host(PatternObj(pattern_of(
            a.get("pattern"),
            a.int("flags")?,
        )?)))
    });
    for name in ["match", "search"] {
        let anchored = name == "match";
        m.add_native(name, "pattern, string, flags=0", move |_, a| {
            let p = pattern_of(a.get("pattern"), a.int("flags")?)?;
            let s = subject(a.get("string"))?;
            Ok(opt_match(run(&p, &s, 0, s.len(), anchored)))
        });
    }
    m.add_native("findall", "pattern, string, flags=0", |_, a| {
        let p = pattern_of(a.get("pattern"), a.int("flags")?)?;
        let s = subject(a.get("string"))?;
        Ok(findall(&p, &s, 0, s.len()))
    });
    m.add_native("finditer", "pattern, string, flags=0", |_, a| {
        let p = pattern_of(a.get("pattern"), a.int("flags")?)?;
        let s = subject(a.get("string"))?;
        Ok(Value::list(
            all_matches(&p, &s, 0, s.len())
                .into_iter()
                .map(match_value)
                .collect(),
        ))
    });
    for name in ["sub", "subn"] {
        let with_count = name == "subn";
        m.add_native(
            name,
            "pattern, repl, string, count=0, flags=0",
            move |i, a| {
                let p = pattern_of(a.get("pattern"), a.int("flags")?)?;
                let s = subject(a.get("string"))?;
                let (out, n) = subn(i, &p, a.get("repl"), &s, a.int("count")?)?;
                Ok(if with_count {
                    Value::tuple(vec![Value::str(&out), Value::Int(n)])
                } else {
                    Value::str(&out)
                })
            },
        );
    }
    m.add_native("split", "pattern, string, maxsplit=0, flags=0", |_, a| {
        let p = pattern_of(a.get("pattern"), a.int("flags")?)?;
        let s = subject(a.get("string"))?;
        Ok(split(&p, &s, a.int("maxsplit")?))
    });
    m.add_native("escape", "pattern", |_, a| {
        // Python 2.7 escapes every char that is not an ASCII letter or digit.
        let s = a.str("pattern")?;
        let mut out = String::with_capacity(s.len() * 2);
        for c in s.chars() {
            if c.is_ascii_alphanumeric() || (c as u32) >= 0x80 {
                out.push(c);
            } else if c == '\0' {
                out.push_str("\\000");
            } else {
                out.push('\\');
                out.push(c);
            }
        }
        Ok(Value::str(&out))
    });
    m.add_native("purge", "", |_, _| Ok(Value::None));
}
