#!/usr/bin/env python3
"""Extracts the public surface of Paddle v1's trainer_config_helpers into a table.

Reads the modules straight out of a git copy of PaddlePaddle's repository (no Paddle code is
run: each file is parsed with Python's `ast` module) and prints one line per public name:

    module<TAB>name<TAB>def|class<TAB>parameter list with defaults, as Paddle wrote it<TAB>filled

`filled` lists the parameters without a default in the `def` that Paddle's default decorators
(`wrap_name_default`, `wrap_param_attr_default`, `wrap_bias_attr_default`, `wrap_act_default`,
`wrap_param_default`) fill in when a call leaves them out: a caller may omit them, so they
are optional in effect (lambda_cost's `name`).

A name is public when the module's `__all__` lists it (layer_math builds its `__all__` with
`register_unary_math_op('exp', ...)` calls, which are read too). A class's parameter list is
its `__init__`'s without `self`, found through its bases inside the same module; an alias
(`regression_cost = square_error_cost`) gets its target's.

Usage (the table in the repository was made from the April 2018 tree):

    scripts/extract_helpers_surface.py /work/.mirror/lcy-seso+Paddle/repo \
        494c262a26a1ff29143491fa60fd6ba546d3bebf > tests/data/paddle_helpers_surface.tsv
"""

import ast
import re
import subprocess
import sys

MODULES = [
    "layers",
    "networks",
    "evaluators",
    "activations",
    "poolings",
    "attrs",
    "optimizers",
    "data_sources",
    "layer_math",
]
PACKAGE = "python/paddle/trainer_config_helpers"
# `async` is a keyword in Python 3.7+ but a plain name in the Python 2 these files were
# written for (define_py_data_source's `async=False`); it is renamed for parsing only.
ASYNC_STANDIN = "async_py2_name__"


def source(repo, commit, module):
    out = subprocess.run(
        ["git", "--git-dir", repo, "show", f"{commit}:{PACKAGE}/{module}.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return re.sub(r"\basync\b", ASYNC_STANDIN, out)


def param_list(args, skip=0):
    """A function's parameters as source text, the first `skip` (a method's `self`) left out."""
    parts = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for a, d in list(zip(positional, defaults))[skip:]:
        parts.append(a.arg if d is None else f"{a.arg}={ast.unparse(d)}")
    if args.vararg:
        parts.append(f"*{args.vararg.arg}")
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        parts.append(a.arg if d is None else f"{a.arg}={ast.unparse(d)}")
    if args.kwarg:
        parts.append(f"**{args.kwarg.arg}")
    return ", ".join(parts).replace(ASYNC_STANDIN, "async")


# The parameters each default decorator fills when the call does not set them.
DECORATOR_PARAMS = {
    "wrap_name_default": ("name_param", 1, ["name"]),
    "wrap_param_attr_default": ("param_names", 0, ["param_attr"]),
    "wrap_bias_attr_default": ("param_names", 0, ["bias_attr"]),
    "wrap_act_default": ("param_names", 0, ["act"]),
    "wrap_param_default": ("param_names", 0, []),
}


def filled_by_decorators(func):
    filled = []
    for dec in func.decorator_list:
        if not isinstance(dec, ast.Call) or getattr(dec.func, "id", None) not in DECORATOR_PARAMS:
            continue
        keyword, position, default = DECORATOR_PARAMS[dec.func.id]
        given = [k.value for k in dec.keywords if k.arg == keyword]
        if not given and len(dec.args) > position:
            given = [dec.args[position]]
        if not given:
            filled.extend(default)
        elif isinstance(given[0], ast.Constant):
            filled.append(given[0].value)
        else:
            filled.extend(literal_names(given[0]))
    return filled


def required(args):
    positional = args.posonlyargs + args.args
    return [a.arg for a in positional[: len(positional) - len(args.defaults)]]


def literal_names(node):
    if isinstance(node, (ast.List, ast.Tuple)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant)]
    return []


def module_surface(tree):
    defs, classes, aliases, public = {}, {}, {}, []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            defs[node.name] = node
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = node
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if not isinstance(t, ast.Name):
                    continue
                if t.id == "__all__":
                    public.extend(literal_names(node.value))
                elif isinstance(node.value, ast.Name):
                    aliases[t.id] = node.value.id
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name) and node.target.id == "__all__":
                public.extend(literal_names(node.value))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            if getattr(call.func, "id", None) == "register_unary_math_op":
                op = call.args[0].value
                public.append(op)
                inner = defs["register_unary_math_op"].body[0]
                defs[op] = inner
    return defs, classes, aliases, public


def init_of(name, classes):
    """The `__init__` a class gets, searching its bases inside the module."""
    node = classes.get(name)
    while node is not None:
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                return item
        bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
        node = classes.get(bases[0]) if bases else None
    return None


def describe(name, defs, classes, aliases):
    seen = set()
    while name in aliases and name not in seen:
        seen.add(name)
        name = aliases[name]
    if name in defs:
        node = defs[name]
        filled = [p for p in filled_by_decorators(node) if p in required(node.args)]
        return "def", param_list(node.args), ",".join(filled)
    if name in classes:
        init = init_of(name, classes)
        if init is None:
            return "class", "", ""
        return "class", param_list(init.args, skip=1), ""
    raise SystemExit(f"public name {name!r} has no definition in its module")


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    repo, commit = sys.argv[1], sys.argv[2]
    print(f"# trainer_config_helpers public surface, PaddlePaddle commit {commit}")
    print("# made by scripts/extract_helpers_surface.py; module, name, kind, parameters, filled")
    for module in MODULES:
        tree = ast.parse(source(repo, commit, module))
        defs, classes, aliases, public = module_surface(tree)
        for name in public:
            kind, params, filled = describe(name, defs, classes, aliases)
            print(f"{module}\t{name}\t{kind}\t{params}\t{filled}")


if __name__ == "__main__":
    main()
