//! The `text` provider: the quick_start demos' bag-of-words and word-sequence slots.

mod common;

use std::collections::BTreeMap;

use common::*;
use paddlers_providers::{
    integer_value, integer_value_sequence, open, sparse_binary_vector, ArgValue, Slot, SlotData,
};

fn setup(content: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("train.txt");
    std::fs::write(&data, content).unwrap();
    let list = dir.path().join("train.list");
    std::fs::write(&list, format!("{}\n", data.display())).unwrap();
    (dir, list)
}

fn dictionary() -> ArgValue {
    let words = ["<unk>", "good", "bad", "movie"];
    ArgValue::Dict(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.to_string(), ArgValue::Int(i as i64)))
            .collect::<BTreeMap<_, _>>(),
    )
}

#[test]
fn bag_of_words_drops_unknown_words() {
    let (dir, list) = setup("1\tgood movie\n0\tbad bad film\n");
    let sp = spec(
        dir.path(),
        &list,
        "text",
        &[("dictionary", dictionary())],
        false,
    );
    let mut p = open(&sp, 0).unwrap();
    assert_eq!(
        p.slots(),
        &[
            Slot::new("word", sparse_binary_vector(4)),
            Slot::new("label", integer_value(2))
        ]
    );
    let b = pass(p.as_mut(), 8);
    assert_eq!(
        b[0].slots[0].data,
        SlotData::SparseBinary {
            dim: 4,
            offsets: vec![0, 2, 4],
            ids: vec![1, 3, 2, 2]
        }
    );
    assert_eq!(labels(&b, 1), vec![1, 0]);
}

#[test]
fn sequences_map_unknown_words_to_unk_and_carry_start_offsets() {
    let (dir, list) = setup("1\tgood movie\n0\tbad film bad\n");
    let dict = dir.path().join("dict.txt");
    std::fs::write(&dict, "<unk>\t0\ngood\t9\nbad\t7\nmovie\t3\n").unwrap();
    std::fs::write(
        dir.path().join("providers.toml"),
        format!(
            "[dataprovider_emb.process]\nprovider = \"text\"\nsequence = true\ndict_path = {:?}\n",
            dict.display().to_string()
        ),
    )
    .unwrap();
    let sp = spec(dir.path(), &list, "dataprovider_emb", &[], false);
    let mut p = open(&sp, 0).unwrap();
    assert_eq!(p.slots()[0].ty, integer_value_sequence(4));
    let b = pass(p.as_mut(), 8);
    assert_eq!(b[0].slots[0].data, SlotData::Index(vec![1, 3, 2, 0, 2]));
    assert_eq!(b[0].slots[0].seq_starts, Some(vec![0, 2, 5]));
}

#[test]
fn malformed_lines_and_missing_dictionary_are_errors() {
    let (dir, list) = setup("1\tgood\nno tab here\n");
    let sp = spec(
        dir.path(),
        &list,
        "text",
        &[("dictionary", dictionary())],
        false,
    );
    let e = pass_error(open(&sp, 0).unwrap().as_mut(), 8);
    assert!(e.contains("train.txt:2: expected 'label<TAB>text'"), "{e}");

    let (dir, list) = setup("3\tgood\n");
    let sp = spec(
        dir.path(),
        &list,
        "text",
        &[("dictionary", dictionary())],
        false,
    );
    let e = pass_error(open(&sp, 0).unwrap().as_mut(), 8);
    assert!(
        e.contains("train.txt:1: label 3 out of range [0, 2)"),
        "{e}"
    );

    let sp = spec(dir.path(), &list, "text", &[], false);
    let e = open(&sp, 0).err().unwrap().to_string();
    assert!(e.contains("'dictionary'") && e.contains("required"), "{e}");
}
