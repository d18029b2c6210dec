//! The interpreter object: limits, registered modules, the import machinery and the public
//! entry points (`run_file`, `call`, ...).

use super::class::Class;
use super::error::Diagnostic;
use super::module::Module;
use super::scope::Scope;
use super::value::Value;
use super::EvalError;
use crate::syntax::{parse_module, SourceFile};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The seed `import random` starts from when no `--seed` is given: Paddle's default.
pub const DEFAULT_SEED: u64 = 1;

/// Sandbox limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Statements and loop iterations executed, in total.
    pub max_steps: u64,
    /// Nested DSL/native calls.
    pub max_depth: usize,
    /// Items in one list, dict, set or tuple; characters in one string.
    pub max_collection: usize,
    /// Bytes the process may grow by while the config runs (resident memory, sampled every
    /// few thousand steps; see `memory.rs`). Past it the config ends with a MemoryError.
    pub max_memory: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_steps: 100_000_000,
            max_depth: 1000,
            max_collection: 10_000_000,
            max_memory: 2 << 30,
        }
    }
}

/// Where the evaluator is: which module and file, and which function scope.
#[derive(Clone)]
pub(crate) struct Env {
    pub module: Rc<Module>,
    pub file: Rc<SourceFile>,
    /// `None` at module level: names live in the module.
    pub locals: Option<Rc<Scope>>,
    /// The statically local names of the function (for UnboundLocalError); `None` in class
    /// bodies and comprehension scopes, where lookups fall through dynamically.
    pub local_names: Option<Rc<Vec<Rc<str>>>>,
    pub global_names: Option<Rc<Vec<Rc<str>>>>,
    /// Enclosing function scopes, innermost first.
    pub closure: Rc<Vec<Rc<Scope>>>,
    /// In a class body, nested `def`s must not capture the class namespace.
    pub class_body: bool,
}

pub struct Interp {
    pub limits: Limits,
    pub(crate) steps: u64,
    pub(crate) depth: usize,
    pub(crate) modules: HashMap<Rc<str>, Rc<Module>>,
    pub(crate) builtins: Rc<Module>,
    pub(crate) exc_classes: HashMap<&'static str, Rc<Class>>,
    pub(crate) config_args: IndexMap<String, String>,
    /// Names `get_config_arg` was asked for (all of them after `get_config_args()`), so an
    /// arg nothing reads can be reported.
    pub(crate) config_args_read: std::collections::HashSet<String>,
    /// Whether `get_config_args()` handed out the whole dict.
    pub(crate) config_args_all_read: bool,
    /// Directories searched for sibling modules (`from seqToseq_net import *`).
    pub(crate) search_dirs: Vec<PathBuf>,
    pub(crate) loading: Vec<Rc<str>>,
    pub(crate) output: Box<dyn Write>,
    /// Exceptions being handled, for a bare `raise`.
    pub(crate) handling: Vec<EvalError>,
    pub(crate) argv: Vec<String>,
    /// The DSL calls being evaluated, outermost first, so a native can ask where it was
    /// called from (errors get their call site on the way out instead).
    pub(crate) call_sites: Vec<(Rc<SourceFile>, crate::syntax::Span)>,
    /// Resident memory when the interpreter was made, the base `max_memory` counts from.
    pub(crate) memory_base: Option<u64>,
    /// The trainer's `--seed`: `import random` starts from it (see `set_seed`).
    pub(crate) seed: u64,
}

impl Default for Interp {
    fn default() -> Interp {
        Interp::new()
    }
}

impl Interp {
    /// An interpreter with the built-ins and the standard modules (`math`, `os`, `os.path`,
    /// `sys`) registered, printing to stderr.
    pub fn new() -> Interp {
        let mut interp = Interp {
            limits: Limits::default(),
            steps: 0,
            depth: 0,
            modules: HashMap::new(),
            builtins: Rc::new(Module::new("__builtin__")),
            exc_classes: HashMap::new(),
            config_args: IndexMap::new(),
            config_args_read: std::collections::HashSet::new(),
            config_args_all_read: false,
            search_dirs: Vec::new(),
            loading: Vec::new(),
            output: Box::new(std::io::stderr()),
            handling: Vec::new(),
            argv: vec![String::new()],
            call_sites: Vec::new(),
            memory_base: super::memory::resident_bytes(),
            seed: DEFAULT_SEED,
        };
        super::builtins::install(&mut interp);
        super::stdlib::install(&mut interp);
        super::stdlib::refresh_argv(&mut interp);
        interp
    }

    /// Seeds the config's `random` module from the trainer's `--seed` (Paddle's default is
    /// 1). Paddle reads `--seed=0` as "seed from the clock"; a config's graph must not depend
    /// on the clock, so 0 is an ordinary seed here. A config that calls `random.seed(n)`
    /// itself gets Python 2.7's numbers for n.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    pub fn with_limits(limits: Limits) -> Interp {
        let mut i = Interp::new();
        i.limits = limits;
        i
    }

    /// Where `print` writes (stderr by default, so `dump_config` keeps stdout clean).
    pub fn set_output(&mut self, out: Box<dyn Write>) {
        self.output = out;
    }

    /// The built-in namespace; names set here are visible in every module.
    pub fn builtins(&self) -> &Rc<Module> {
        &self.builtins
    }

    /// Gets or creates the module `dotted` (and its parent packages, each holding the child
    /// as an attribute), for registering natives and preludes.
    pub fn module(&mut self, dotted: &str) -> Rc<Module> {
        if let Some(m) = self.modules.get(dotted) {
            return m.clone();
        }
        let m = Rc::new(Module::new(dotted));
        self.modules.insert(Rc::from(dotted), m.clone());
        if let Some((parent, child)) = dotted.rsplit_once('.') {
            let p = self.module(parent);
            p.set(child, Value::Module(m.clone()));
        }
        m
    }

    /// Registers an already-built module under `dotted`.
    pub fn add_module(&mut self, dotted: &str, module: Rc<Module>) {
        self.modules.insert(Rc::from(dotted), module.clone());
        if let Some((parent, child)) = dotted.rsplit_once('.') {
            let p = self.module(parent);
            p.set(child, Value::Module(module));
        }
    }

    /// Sets `get_config_arg` values from Paddle's `--config_args` string (`a=1,b=x`).
    pub fn set_config_args(&mut self, args: &str) -> Result<(), Box<Diagnostic>> {
        self.config_args = super::config_args::parse_config_args(args)
            .map_err(|m| Box::new(Diagnostic::plain("--config_args", "ValueError", m)))?;
        Ok(())
    }

    /// The parsed config args, in order.
    pub fn config_args(&self) -> &IndexMap<String, String> {
        &self.config_args
    }

    /// The config args that no `get_config_arg` call read (none once `get_config_args()` was
    /// called), in the order given, with the names that were asked for.
    pub fn unread_config_args(&self) -> (Vec<String>, Vec<String>) {
        if self.config_args_all_read {
            return (Vec::new(), Vec::new());
        }
        let unread = self
            .config_args
            .keys()
            .filter(|k| !self.config_args_read.contains(*k))
            .cloned()
            .collect();
        let mut asked: Vec<String> = self.config_args_read.iter().cloned().collect();
        asked.sort();
        (unread, asked)
    }

    /// Adds a directory searched for sibling modules, after the config's own directory.
    pub fn add_search_dir(&mut self, dir: impl Into<PathBuf>) {
        self.search_dirs.push(dir.into());
    }

    /// `sys.argv` as the config sees it.
    /// The DSL call sites being evaluated, innermost first, as (path, line, column), with
    /// 1-based lines and columns. A native uses it to record where it was called from, such as
    /// the line that declared a data source.
    pub fn call_sites(&self) -> impl Iterator<Item = (String, usize, usize)> + '_ {
        self.call_sites.iter().rev().map(|(file, span)| {
            let (line, col) = file.line_col(span.start as usize);
            (file.path.clone(), line, col)
        })
    }

    pub fn set_argv(&mut self, argv: Vec<String>) {
        self.argv = argv;
        super::stdlib::refresh_argv(self);
    }

    /// Runs a config file as the `__main__` module. Sibling imports are searched in the
    /// file's directory, then in the working directory, then in added search dirs.
    pub fn run_file(&mut self, path: &Path) -> Result<Rc<Module>, Box<Diagnostic>> {
        let display = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            Box::new(Diagnostic::plain(
                &display,
                "IOError",
                format!("cannot read config: {e}"),
            ))
        })?;
        let text =
            super::source::decode(&display, bytes).map_err(|e| Box::new(e.to_diagnostic()))?;
        let dir = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .unwrap_or(Path::new("."))
            .to_path_buf();
        if !self.search_dirs.contains(&dir) {
            self.search_dirs.insert(0, dir);
        }
        self.run_source(&display, &text)
    }

    /// Runs source text as the `__main__` module; `path` labels diagnostics.
    pub fn run_source(&mut self, path: &str, text: &str) -> Result<Rc<Module>, Box<Diagnostic>> {
        let module = Rc::new(Module::new("__main__"));
        module.set("__file__", Value::str(path));
        self.modules.insert(Rc::from("__main__"), module.clone());
        self.exec_source_in(&module, path, text)
            .map_err(|e| Box::new(e.to_diagnostic()))?;
        Ok(module)
    }

    /// Parses and runs `text` in `module`'s namespace.
    pub fn exec_source_in(
        &mut self,
        module: &Rc<Module>,
        path: &str,
        text: &str,
    ) -> Result<(), EvalError> {
        let file = Rc::new(SourceFile::new(path, text));
        self.exec_parsed_in(module, &file, text)
    }

    /// Parses `text` (with `file`'s offsets: it may be a masked copy of it) and runs it in
    /// `module`'s namespace, reporting positions in `file`.
    pub(crate) fn exec_parsed_in(
        &mut self,
        module: &Rc<Module>,
        file: &Rc<SourceFile>,
        text: &str,
    ) -> Result<(), EvalError> {
        let ast = parse_module(text).map_err(|e| {
            let mut err = EvalError::new(e.kind.name(), e.message.clone());
            err = err.at(file, e.span);
            err
        })?;
        let env = Env {
            module: module.clone(),
            file: file.clone(),
            locals: None,
            local_names: None,
            global_names: None,
            closure: Rc::new(Vec::new()),
            class_body: false,
        };
        self.exec_body(&env, &ast.body)?;
        Ok(())
    }

    /// Calls any callable value (a DSL function, a native, a class, a bound method) with
    /// positional and keyword arguments. Natives use this to call user callbacks, e.g.
    /// `recurrent_group` calling the step function.
    pub fn call(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(Rc<str>, Value)>,
    ) -> Result<Value, EvalError> {
        self.call_value(f, args, kwargs)
    }

    /// The dotted names of every registered module, sorted (for tests that visit every
    /// native, and for the list of what a config may import).
    pub fn module_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.modules.keys().map(|k| k.to_string()).collect();
        names.sort();
        names
    }

    /// Counts one step against the budget.
    #[inline]
    pub(crate) fn step(&mut self) -> Result<(), EvalError> {
        self.steps += 1;
        if self.steps > self.limits.max_steps {
            return Err(EvalError::limit(
                "RuntimeError",
                format!(
                    "step budget exhausted: the config ran more than {} steps (an endless loop?)",
                    self.limits.max_steps
                ),
            ));
        }
        if self.steps % super::memory::SAMPLE_EVERY == 0 {
            super::memory::check(self.memory_base, self.limits.max_memory)?;
        }
        Ok(())
    }

    /// Steps executed so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Checks a collection size against the limit.
    pub fn check_size(&self, n: usize) -> Result<(), EvalError> {
        if n > self.limits.max_collection {
            return Err(EvalError::limit(
                "MemoryError",
                format!(
                    "collection too large: {n} items (the limit is {})",
                    self.limits.max_collection
                ),
            ));
        }
        Ok(())
    }

    /// `str(v)`, running `__str__`/`__repr__` of DSL instances.
    pub fn to_str(&mut self, v: &Value) -> Result<String, EvalError> {
        match v {
            Value::Instance(i) => {
                if let Some(m) = i
                    .class
                    .lookup("__str__")
                    .or_else(|| i.class.lookup("__repr__"))
                {
                    let r = self.call_value(&m, vec![v.clone()], Vec::new())?;
                    return Ok(r.to_str());
                }
                if i.class.is_exception() {
                    return Ok(super::exceptions::exception_str(i));
                }
                Ok(v.repr())
            }
            Value::Host(h) => Ok(h.to_str()),
            _ => Ok(v.to_str()),
        }
    }

    /// `repr(v)`, running `__repr__` of DSL instances.
    pub fn repr(&mut self, v: &Value) -> Result<String, EvalError> {
        if let Value::Instance(i) = v {
            if let Some(m) = i.class.lookup("__repr__") {
                let r = self.call_value(&m, vec![v.clone()], Vec::new())?;
                return Ok(r.to_str());
            }
        }
        Ok(v.repr())
    }

    /// Writes text to the config's output (stderr unless redirected).
    pub fn write_output(&mut self, s: &str) {
        let _ = self.output.write_all(s.as_bytes());
        let _ = self.output.flush();
    }

    /// Imports a module by dotted name: registered modules first (running their preludes
    /// once), then sibling `.py` files.
    pub fn import(&mut self, dotted: &str) -> Result<Rc<Module>, EvalError> {
        if let Some(m) = self.modules.get(dotted).cloned() {
            self.run_preludes(&m)?;
            return Ok(m);
        }
        if !dotted.contains('.') {
            // The config's directory and added dirs first, then the working directory, as
            // Python's sys.path[0] and '' would be.
            let mut dirs = self.search_dirs.clone();
            dirs.push(PathBuf::from("."));
            for dir in dirs {
                let path = dir.join(format!("{dotted}.py"));
                if path.is_file() {
                    return self.load_file_module(dotted, &path);
                }
            }
        }
        let mut err = EvalError::import_error(format!("No module named {dotted}"));
        let hint = super::stdlib::refused_module_hint(dotted);
        let is_standard = hint.is_some();
        if let Some(hint) = hint {
            err = err.with_note(hint);
        }
        let known: Vec<&str> = self.modules.keys().map(|k| &**k).collect();
        if let Some(s) = super::suggest::closest(dotted, known.iter().copied()) {
            err = err.with_note(format!("did you mean '{s}'?"));
        }
        let mut allowed: Vec<&str> = super::stdlib::SANDBOX_MODULES.to_vec();
        allowed.sort_unstable();
        if is_standard {
            // A standard module we refuse: where a user file would be is beside the point.
            return Err(err.with_note(format!(
                "a config may import {}, paddle.* and its own modules beside it",
                allowed.join(", ")
            )));
        }
        err = err.with_note(format!(
            "a config may import {} and paddle.*, and its own modules ({dotted}.py beside the config{})",
            allowed.join(", "),
            match self.search_dirs.first() {
                Some(d) if !dotted.contains('.') => {
                    format!(", here {}", d.join(format!("{dotted}.py")).display())
                }
                _ => String::new(),
            }
        ));
        Err(err)
    }

    fn run_preludes(&mut self, m: &Rc<Module>) -> Result<(), EvalError> {
        let preludes = std::mem::take(&mut *m.prelude.borrow_mut());
        for (label, src) in preludes {
            super::lazy::exec_prelude(self, m, &label, src)?;
        }
        Ok(())
    }

    fn load_file_module(&mut self, name: &str, path: &Path) -> Result<Rc<Module>, EvalError> {
        if self.loading.iter().any(|l| &**l == name) {
            return Err(EvalError::import_error(format!(
                "circular import of module {name}"
            )));
        }
        let display = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|e| EvalError::import_error(format!("cannot read {display}: {e}")))?;
        let text = super::source::decode(&display, bytes)?;
        let module = Rc::new(Module::new(name));
        module.set("__file__", Value::str(&display));
        self.loading.push(Rc::from(name));
        let r = self.exec_source_in(&module, &display, &text);
        self.loading.pop();
        r?;
        self.modules.insert(Rc::from(name), module.clone());
        Ok(module)
    }

    /// The built-in exception class `name` (`ValueError`, ...).
    pub fn exception_class(&self, name: &str) -> Option<Rc<Class>> {
        self.exc_classes.get(name).cloned()
    }
}
