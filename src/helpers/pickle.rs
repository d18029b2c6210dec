//! `cPickle.dumps(obj, 0)`: how Paddle passed `define_py_data_sources2(args=...)` to the data
//! provider, as text in DataConfig.load_data_args.

use crate::eval::{format_float_repr, repr_str, EvalError, Interp, Value};

pub fn dumps(_interp: &mut Interp, v: &Value) -> Result<String, EvalError> {
    let mut p = Pickler {
        out: String::new(),
        memo: 0,
        depth: 0,
    };
    p.save(v)?;
    p.out.push('.');
    Ok(p.out)
}

struct Pickler {
    out: String,
    memo: usize,
    /// Containers being written: a list that contains itself would otherwise recurse until
    /// the stack overflows (cPickle memoizes it; args never need that).
    depth: usize,
}

const MAX_DEPTH: usize = 200;

impl Pickler {
    /// cPickle numbers its memo from 1.
    fn put(&mut self) {
        self.memo += 1;
        self.out.push_str(&format!("p{}\n", self.memo));
    }

    fn save(&mut self, v: &Value) -> Result<(), EvalError> {
        if self.depth >= MAX_DEPTH {
            return Err(EvalError::value_error(format!(
                "define_py_data_sources2(): args nest more than {MAX_DEPTH} levels deep (a list that contains itself?)"
            )));
        }
        self.depth += 1;
        let r = self.save_value(v);
        self.depth -= 1;
        r
    }

    fn save_value(&mut self, v: &Value) -> Result<(), EvalError> {
        match v {
            Value::None => self.out.push('N'),
            Value::Bool(b) => self.out.push_str(if *b { "I01\n" } else { "I00\n" }),
            Value::Int(i) => self.out.push_str(&format!("I{i}\n")),
            Value::Float(f) => self.out.push_str(&format!("F{}\n", format_float_repr(*f))),
            Value::Str(s) => {
                self.out.push('S');
                self.out.push_str(&repr_str(s));
                self.out.push('\n');
                self.put();
            }
            Value::Tuple(items) => {
                if items.is_empty() {
                    self.out.push(')');
                    return Ok(());
                }
                self.out.push('(');
                for item in items.iter() {
                    self.save(item)?;
                }
                self.out.push('t');
                self.put();
            }
            Value::List(items) => {
                self.out.push_str("(l");
                self.put();
                for item in items.borrow().iter() {
                    self.save(item)?;
                    self.out.push('a');
                }
            }
            Value::Dict(d) => {
                self.out.push_str("(d");
                self.put();
                for (k, v) in d.borrow().iter() {
                    self.save(&k.0)?;
                    self.save(v)?;
                    self.out.push('s');
                }
            }
            other => {
                return Err(EvalError::type_error(format!(
                    "define_py_data_sources2(): args must hold only numbers, strings, lists, tuples and dicts, not {}",
                    other.type_name()
                )))
            }
        }
        Ok(())
    }
}
