//! providers.toml: mapping `module.obj` to built-ins, and the errors that teach the user what
//! to write.

mod common;

use common::*;
use paddlers_providers::registry::resolve;
use paddlers_providers::{open, ArgValue};

#[test]
fn missing_toml_names_the_config_line_and_prints_the_table_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "t", &[2]);
    let sp = spec(
        dir.path(),
        &list,
        "dataprovider",
        &[("mean_path", s("data/mean.meta"))],
        true,
    );
    let e = open(&sp, 0).err().unwrap().to_string();
    assert!(e.contains("trainer.cfg:7:"), "{e}");
    assert!(e.contains("module='dataprovider', obj='process'"), "{e}");
    assert!(e.contains("providers.toml does not exist"), "{e}");
    assert!(
        e.contains("[dataprovider.process]\nprovider = \"cifar\""),
        "{e}"
    );
    // The suggestion is valid TOML that resolves once written.
    let snippet = e.split("\n\n").last().unwrap();
    std::fs::write(dir.path().join("providers.toml"), snippet).unwrap();
    assert_eq!(resolve(&sp).unwrap().0.builtin, "cifar");
}

#[test]
fn unmapped_entry_and_unknown_provider_and_typos_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "t", &[2]);
    let toml = dir.path().join("providers.toml");
    let sp = spec(dir.path(), &list, "my.provider", &[], true);

    std::fs::write(&toml, "[other.process]\nprovider = \"cifar\"\n").unwrap();
    let e = open(&sp, 0).err().unwrap().to_string();
    assert!(
        e.contains("has no entry for it") && e.contains("[\"my.provider\".process]"),
        "{e}"
    );

    std::fs::write(&toml, "[\"my.provider\".process]\nprovider = \"cifra\"\n").unwrap();
    let e = open(&sp, 0).err().unwrap().to_string();
    assert!(
        e.contains("unknown provider \"cifra\"") && e.contains("cifar, image_list, dense"),
        "{e}"
    );

    std::fs::write(
        &toml,
        "[\"my.provider\".process]\nprovider = \"cifar\"\nshould_shufle = true\n",
    )
    .unwrap();
    let e = open(&sp, 0).err().unwrap().to_string();
    assert!(
        e.contains("'should_shufle'")
            && e.contains("unknown option")
            && e.contains("should_shuffle"),
        "{e}"
    );

    std::fs::write(&toml, "[\"my.provider\".process\nprovider = 1\n").unwrap();
    let e = open(&sp, 0).err().unwrap().to_string();
    assert!(e.contains("providers.toml") && e.contains("line 1"), "{e}");
}

#[test]
fn config_args_override_toml_options_and_builtin_names_need_no_toml() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "t", &[2]);
    std::fs::write(
        dir.path().join("providers.toml"),
        "[dataprovider.process]\nprovider = \"cifar\"\nnum_classes = 100\n",
    )
    .unwrap();
    let sp = spec(
        dir.path(),
        &list,
        "dataprovider",
        &[("num_classes", ArgValue::Int(20))],
        false,
    );
    let p = open(&sp, 0).unwrap();
    assert_eq!(p.slots()[1].ty.dim, 20);

    let sp = spec(dir.path(), &list, "cifar", &[], false);
    let (r, _) = resolve(&sp).unwrap();
    assert_eq!((r.builtin.as_str(), r.toml), ("cifar", None));
}

#[test]
fn bad_option_values_name_their_origin() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "t", &[2]);
    std::fs::write(
        dir.path().join("providers.toml"),
        "[dataprovider.process]\nprovider = \"cifar\"\ncache = \"CACHE_ALWAYS\"\n",
    )
    .unwrap();
    let sp = spec(dir.path(), &list, "dataprovider", &[], false);
    let e = open(&sp, 0).err().unwrap().to_string();
    assert!(
        e.contains("CACHE_ALWAYS") && e.contains("NO_CACHE or CACHE_PASS_IN_MEM"),
        "{e}"
    );

    let sp = spec(dir.path(), &list, "cifar", &[("flip", s("maybe"))], false);
    let e = open(&sp, 0).err().unwrap().to_string();
    assert!(
        e.contains("trainer.cfg:7 args") && e.contains("'flip'"),
        "{e}"
    );
}
