//! Attribute access: `obj.name` and `obj.name = value`.

use super::methods::method_names;
use super::value::Value;
use super::{EvalError, Interp};
use std::rc::Rc;

impl Interp {
    pub fn getattr(&mut self, obj: &Value, name: &str) -> Result<Value, EvalError> {
        match obj {
            Value::Instance(i) => {
                if let Some(v) = i.attrs.borrow().get(name) {
                    return Ok(v.clone());
                }
                if let Some(v) = i.class.lookup(name) {
                    if let Some(d) = v.downcast_host::<Descriptor>() {
                        return match d {
                            Descriptor::Static(f) => Ok(f.clone()),
                            Descriptor::ClassMethod(f) => Ok(Value::BoundMethod(Rc::new((
                                Value::Class(i.class.clone()),
                                f.clone(),
                            )))),
                            Descriptor::Property(f) => {
                                let f = f.clone();
                                self.call_value(&f, vec![obj.clone()], Vec::new())
                            }
                        };
                    }
                    return Ok(match v {
                        Value::Function(_) | Value::Native(_) => {
                            Value::BoundMethod(Rc::new((obj.clone(), v)))
                        }
                        other => other,
                    });
                }
                if name == "__class__" {
                    return Ok(Value::Class(i.class.clone()));
                }
                if i.class.is_exception() && (name == "message" || name == "args") {
                    return Ok(if name == "args" {
                        Value::tuple(Vec::new())
                    } else {
                        Value::str("")
                    });
                }
                let mut names: Vec<String> =
                    i.attrs.borrow().keys().map(|k| k.to_string()).collect();
                names.extend(i.class.attrs.borrow().keys().map(|k| k.to_string()));
                Err(no_attr(&i.class.name, name, names))
            }
            Value::Class(c) => {
                if let Some(v) = c.lookup(name) {
                    return Ok(match v.downcast_host::<Descriptor>() {
                        Some(Descriptor::Static(f)) => f.clone(),
                        Some(Descriptor::ClassMethod(f)) => {
                            Value::BoundMethod(Rc::new((obj.clone(), f.clone())))
                        }
                        _ => v,
                    });
                }
                let names = c.attrs.borrow().keys().map(|k| k.to_string()).collect();
                Err(no_attr_type(&c.name, name, names))
            }
            Value::Module(m) => {
                if let Some(v) = m.get(name) {
                    // A submodule reached as an attribute (`paddle.trainer_config_helpers`
                    // after `import paddle`) still runs its preludes once.
                    if let Value::Module(sub) = &v {
                        self.import(&sub.name.clone())?;
                    }
                    return Ok(v);
                }
                let sub = format!("{}.{name}", m.name);
                if self.modules.contains_key(sub.as_str()) {
                    return Ok(Value::Module(self.import(&sub)?));
                }
                if &*m.name == "os" && SANDBOXED_OS.contains(&name) {
                    return Err(EvalError::attribute_error(format!(
                        "os.{name} is not available: configs run in a sandbox without \
                         environment variables, processes or writes"
                    )));
                }
                let names: Vec<String> = m.vars.borrow().keys().map(|k| k.to_string()).collect();
                let mut err = EvalError::attribute_error(format!(
                    "'module' object has no attribute '{name}' (module {})",
                    m.name
                ));
                if let Some(s) = super::suggest::closest(name, names.iter().map(|s| s.as_str())) {
                    err = err.with_note(format!("did you mean '{s}'?"));
                }
                Err(err)
            }
            Value::Host(h) => {
                if let Some(v) = h.clone().getattr(self, obj, name)? {
                    return Ok(v);
                }
                if name == "__class__" {
                    return Ok(Value::HostType(Rc::new(super::host::HostType::new(
                        h.type_name(),
                    ))));
                }
                Err(no_attr(h.type_name(), name, h.attr_names()))
            }
            Value::HostType(t) => {
                if let Some(v) = t.attrs.borrow().get(name) {
                    return Ok(v.clone());
                }
                if name == "__name__" {
                    return Ok(Value::Str(t.name.clone()));
                }
                let names = t.attrs.borrow().keys().map(|k| k.to_string()).collect();
                Err(no_attr_type(&t.name, name, names))
            }
            Value::Function(f) if name == "__name__" || name == "func_name" => {
                Ok(Value::Str(f.def.name.clone()))
            }
            Value::Native(f) if name == "__name__" => Ok(Value::Str(f.name.clone())),
            Value::Type(t) if name == "__name__" => Ok(Value::str(t.name())),
            Value::Type(super::value::BuiltinType::Dict) if name == "fromkeys" => Ok(
                Value::BuiltinMethod(Rc::new((Value::dict(Default::default()), Rc::from(name)))),
            ),
            Value::Float(f) if name == "real" => Ok(Value::Float(*f)),
            Value::Int(i) if name == "real" => Ok(Value::Int(*i)),
            Value::Float(f) if name == "is_integer" => {
                let _ = f;
                Ok(Value::BuiltinMethod(Rc::new((obj.clone(), Rc::from(name)))))
            }
            _ => {
                let names = method_names(obj);
                if names.contains(&name) {
                    return Ok(Value::BuiltinMethod(Rc::new((obj.clone(), Rc::from(name)))));
                }
                Err(no_attr(
                    &obj.type_name(),
                    name,
                    names.iter().map(|s| s.to_string()).collect(),
                ))
            }
        }
    }

    pub fn setattr(&mut self, obj: &Value, name: &str, v: Value) -> Result<(), EvalError> {
        match obj {
            Value::Instance(i) => {
                i.attrs.borrow_mut().insert(Rc::from(name), v);
                Ok(())
            }
            Value::Class(c) => {
                c.attrs.borrow_mut().insert(Rc::from(name), v);
                Ok(())
            }
            Value::Module(m) => {
                m.set(name, v);
                Ok(())
            }
            Value::Host(h) => {
                if h.clone().setattr(self, name, v)? {
                    Ok(())
                } else {
                    Err(no_attr(h.type_name(), name, h.attr_names()))
                }
            }
            other => Err(EvalError::attribute_error(format!(
                "'{}' object attribute '{name}' is read-only",
                other.type_name()
            ))),
        }
    }
}

/// `staticmethod`, `classmethod` and `property` wrappers stored in a class body.
pub(crate) enum Descriptor {
    Static(Value),
    ClassMethod(Value),
    Property(Value),
}

impl super::host::HostObject for Descriptor {
    fn type_name(&self) -> &str {
        match self {
            Descriptor::Static(_) => "staticmethod",
            Descriptor::ClassMethod(_) => "classmethod",
            Descriptor::Property(_) => "property",
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// What `os` offers in Python but the sandbox withholds; named so the error says why.
const SANDBOXED_OS: &[&str] = &[
    "environ", "getenv", "putenv", "system", "popen", "remove", "unlink", "rmdir", "mkdir",
    "makedirs", "rename", "chdir", "fork", "kill", "execv", "spawnv", "walk",
];

fn no_attr(type_name: &str, name: &str, candidates: Vec<String>) -> EvalError {
    let mut err =
        EvalError::attribute_error(format!("'{type_name}' object has no attribute '{name}'"));
    if let Some(s) = super::suggest::closest(name, candidates.iter().map(|s| s.as_str())) {
        err = err.with_note(format!("did you mean '{s}'?"));
    }
    err
}

fn no_attr_type(type_name: &str, name: &str, candidates: Vec<String>) -> EvalError {
    let mut err = EvalError::attribute_error(format!(
        "type object '{type_name}' has no attribute '{name}'"
    ));
    if let Some(s) = super::suggest::closest(name, candidates.iter().map(|s| s.as_str())) {
        err = err.with_note(format!("did you mean '{s}'?"));
    }
    err
}
