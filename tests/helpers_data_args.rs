//! `define_py_data_sources2(args=...)` is stored as `cPickle.dumps(args, 0)`, as Paddle did;
//! the providers' unpickler must read back exactly what the config wrote.

use paddlers::helpers::parse_config;
use paddlers_providers::pickle::{load, PyValue};

fn text(v: &PyValue) -> String {
    match v {
        PyValue::Bytes(b) => String::from_utf8(b.to_vec()).unwrap(),
        PyValue::Str(s) => s.to_string(),
        other => panic!("not a string: {}", other.type_name()),
    }
}

#[test]
fn provider_args_survive_the_pickle() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("data.cfg");
    std::fs::write(
        &cfg,
        "from paddle.trainer_config_helpers import *\n\
         define_py_data_sources2(train_list='train.list', test_list='test.list', module='provider',\n\
         \x20   obj='process', args={'mean_path': \"it's/mean.meta\", 'n': 3, 'flip': True,\n\
         \x20   'scale': 0.5, 'sizes': [1, 2], 'pair': (1, 'a'), 'none': None})\n\
         settings(batch_size=2)\n\
         outputs(data_layer(name='x', size=2))\n",
    )
    .unwrap();
    let trainer = parse_config(&cfg, "").unwrap();
    let pickled = trainer.data_config.unwrap().load_data_args.unwrap();
    let PyValue::Dict(d) = load(pickled.as_bytes()).unwrap() else {
        panic!("args must unpickle to a dict: {pickled:?}")
    };
    let d = d.borrow();
    let get = |k: &str| {
        d.iter()
            .find(|(key, _)| text(key) == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(text(&get("mean_path")), "it's/mean.meta");
    assert!(matches!(get("n"), PyValue::Int(3)));
    assert!(matches!(get("flip"), PyValue::Bool(true) | PyValue::Int(1)));
    assert!(matches!(get("scale"), PyValue::Float(x) if x == 0.5));
    assert!(matches!(get("none"), PyValue::None));
    match get("sizes") {
        PyValue::List(l) => assert!(matches!(
            l.borrow().as_slice(),
            [PyValue::Int(1), PyValue::Int(2)]
        )),
        other => panic!("sizes: {}", other.type_name()),
    }
    match get("pair") {
        PyValue::Tuple(t) => {
            assert!(matches!(t[0], PyValue::Int(1)));
            assert_eq!(text(&t[1]), "a");
        }
        other => panic!("pair: {}", other.type_name()),
    }
    let test_args = trainer.test_data_config.unwrap().load_data_args.unwrap();
    assert_eq!(test_args, pickled);
}

#[test]
fn a_data_source_declared_in_an_imported_module_names_that_module() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mynet.py"),
        "from paddle.trainer_config_helpers import *\n\n\ndef data(train):\n    \
         define_py_data_sources2(train, None, module='p', obj='process')\n",
    )
    .unwrap();
    let cfg = dir.path().join("main.cfg");
    std::fs::write(
        &cfg,
        "from mynet import *\ndata('train.list')\nsettings(batch_size=2)\noutputs(data_layer(name='x', size=2))\n",
    )
    .unwrap();
    let trainer = parse_config(&cfg, "").unwrap();
    let at = trainer.data_config.unwrap().declared_at.unwrap();
    assert_eq!(at.file, dir.path().join("mynet.py"));
    assert_eq!(at.line, 5);
}

#[test]
fn the_declaring_line_is_the_call_that_ran() {
    // The first mention of the helper is in a branch that never runs, and in a string.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("main.cfg");
    std::fs::write(
        &cfg,
        "from paddle.trainer_config_helpers import *\n\
         note = 'define_py_data_sources2(...) comes below'\n\
         if get_config_arg('other', bool, False):\n    \
             define_py_data_sources2('a.list', None, module='p', obj='x')\n\
         else:\n    \
             define_py_data_sources2('train.list', None, module='p', obj='process')\n\
         settings(batch_size=2)\n\
         outputs(data_layer(name='x', size=2))\n",
    )
    .unwrap();
    let at = parse_config(&cfg, "")
        .unwrap()
        .data_config
        .unwrap()
        .declared_at
        .unwrap();
    assert_eq!((at.file.as_path(), at.line), (cfg.as_path(), 6));
    let at = parse_config(&cfg, "other=1")
        .unwrap()
        .data_config
        .unwrap()
        .declared_at
        .unwrap();
    assert_eq!(at.line, 4);
}
