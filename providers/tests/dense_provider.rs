//! The `dense` provider: numbers and a label per line.

mod common;

use common::*;
use paddlers_providers::{dense_vector, integer_value, open, ArgValue, Slot};

fn setup(content: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("part-0.csv");
    std::fs::write(&data, content).unwrap();
    let list = dir.path().join("train.list");
    std::fs::write(&list, format!("{}\n", data.display())).unwrap();
    (dir, list)
}

#[test]
fn csv_and_whitespace_lines_become_rows_and_labels() {
    let (dir, list) = setup("0.5, 1, 2, 1\n\n3 4 5.25 0\n");
    let sp = spec(
        dir.path(),
        &list,
        "dense",
        &[("num_classes", ArgValue::Int(2))],
        false,
    );
    let mut p = open(&sp, 0).unwrap();
    assert_eq!(
        p.slots(),
        &[
            Slot::new("data", dense_vector(3)),
            Slot::new("label", integer_value(2))
        ]
    );
    let b = pass(p.as_mut(), 8);
    assert_eq!(
        dense_rows(&b, 0),
        vec![vec![0.5, 1.0, 2.0], vec![3.0, 4.0, 5.25]]
    );
    assert_eq!(labels(&b, 1), vec![1, 0]);
}

#[test]
fn label_first_and_header_skipping() {
    let (dir, list) = setup("y,a,b\n1,0.5,0.25\n");
    let args = [
        ("num_classes", ArgValue::Int(2)),
        ("label_column", s("first")),
        ("skip_lines", ArgValue::Int(1)),
    ];
    let sp = spec(dir.path(), &list, "dense", &args, false);
    let mut p = open(&sp, 0).unwrap();
    let b = pass(p.as_mut(), 8);
    assert_eq!(dense_rows(&b, 0), vec![vec![0.5, 0.25]]);
    assert_eq!(labels(&b, 1), vec![1]);
}

#[test]
fn bad_lines_name_file_and_line() {
    let (dir, list) = setup("1 2 0\n1 x 1\n");
    let sp = spec(
        dir.path(),
        &list,
        "dense",
        &[("num_classes", ArgValue::Int(2))],
        false,
    );
    let mut p = open(&sp, 0).unwrap();
    let e = pass_error(p.as_mut(), 8);
    assert!(
        e.contains("part-0.csv:2: column 2: \"x\" is not a number"),
        "{e}"
    );

    let (dir, list) = setup("1 2 0\n1 2 5\n");
    let sp = spec(
        dir.path(),
        &list,
        "dense",
        &[("num_classes", ArgValue::Int(2))],
        false,
    );
    let e = pass_error(open(&sp, 0).unwrap().as_mut(), 8);
    assert!(
        e.contains("part-0.csv:2: label 5 out of range [0, 2)"),
        "{e}"
    );

    let (dir, list) = setup("1 2 0\n1 2 3 1\n");
    let sp = spec(
        dir.path(),
        &list,
        "dense",
        &[("num_classes", ArgValue::Int(2))],
        false,
    );
    let e = pass_error(open(&sp, 0).unwrap().as_mut(), 8);
    assert!(
        e.contains("part-0.csv:2: 4 columns, expected 2 features and a label"),
        "{e}"
    );

    let sp = spec(dir.path(), &list, "dense", &[], false);
    let e = open(&sp, 0).err().unwrap().to_string();
    assert!(e.contains("'num_classes'") && e.contains("required"), "{e}");
}
