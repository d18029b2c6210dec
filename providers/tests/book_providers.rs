//! The book chapters' providers (housing, mnist, ngram, movielens, conll05): each yields what
//! the chapter's dataprovider.py yields, and a bad record is an error naming its file and the
//! record or line.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use paddlers_providers::numpy::npy_f64;
use paddlers_providers::{
    dense_vector, integer_value, integer_value_sequence, open, ArgValue, Slot, SlotData,
};

fn list(dir: &Path, entries: &[&Path]) -> PathBuf {
    let l = dir.join("data.list");
    let text: String = entries
        .iter()
        .map(|p| format!("{}\n", p.display()))
        .collect();
    std::fs::write(&l, text).unwrap();
    l
}

fn dict(words: &[&str]) -> ArgValue {
    ArgValue::Dict(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.to_string(), ArgValue::Int(i as i64)))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn open_err(sp: &paddlers_providers::DataSourceSpec) -> String {
    match open(sp, 0) {
        Ok(mut p) => pass_error(p.as_mut(), 4),
        Err(e) => e.to_string(),
    }
}

/// A float64 .npy of rows x cols (npy_f64 writes one dimension; the header is patched).
fn npy_rows(rows: &[Vec<f64>]) -> Vec<u8> {
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let b = npy_f64(&flat);
    let text = String::from_utf8_lossy(&b[..b.len() - 8 * flat.len()]).into_owned();
    let old = format!("({},)", flat.len());
    let new = format!("({}, {})", rows.len(), rows[0].len());
    let header = text[10..].replace(&old, &new);
    let pad = 64 - (10 + header.trim_end().len() + 1) % 64;
    let header = format!("{}{}\n", header.trim_end(), " ".repeat(pad));
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(&b[b.len() - 8 * flat.len()..]);
    out
}

#[test]
fn housing_rows_split_into_features_and_price() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("housing.train.npy");
    let rows: Vec<Vec<f64>> = (0..3)
        .map(|r| (0..14).map(|c| (r * 14 + c) as f64 * 0.5).collect())
        .collect();
    std::fs::write(&f, npy_rows(&rows)).unwrap();
    let sp = spec(dir.path(), &list(dir.path(), &[&f]), "housing", &[], false);
    let mut p = open(&sp, 0).unwrap();
    assert_eq!(
        p.slots(),
        &[
            Slot::new("x", dense_vector(13)),
            Slot::new("y", dense_vector(1))
        ]
    );
    let b = pass(p.as_mut(), 2);
    let x = dense_rows(&b, 0);
    let y = dense_rows(&b, 1);
    assert_eq!(x.len(), 3);
    assert_eq!(x[1][0], 7.0);
    assert_eq!(y[2], vec![20.5]);

    let bad = dir.path().join("bad.npy");
    let mut rows = rows;
    rows[1][3] = f64::NAN;
    std::fs::write(&bad, npy_rows(&rows)).unwrap();
    let sp = spec(
        dir.path(),
        &list(dir.path(), &[&bad]),
        "housing",
        &[],
        false,
    );
    let e = open_err(&sp);
    assert!(e.contains("bad.npy: record 1: column 3"), "{e}");

    let narrow = dir.path().join("narrow.npy");
    std::fs::write(&narrow, npy_rows(&[vec![1.0; 5]])).unwrap();
    let sp = spec(
        dir.path(),
        &list(dir.path(), &[&narrow]),
        "housing",
        &[],
        false,
    );
    let e = open_err(&sp);
    assert!(
        e.contains("narrow.npy") && e.contains("shape [1, 5]"),
        "{e}"
    );
}

fn idx_files(prefix: &Path, labels: &[u8], images: usize) {
    let mut img = Vec::new();
    // The header counts every label; `images` may hold fewer (a truncated file).
    for v in [2051u32, labels.len() as u32, 28, 28] {
        img.extend(v.to_be_bytes());
    }
    for i in 0..images {
        img.extend(std::iter::repeat((i * 50) as u8).take(784));
    }
    std::fs::write(format!("{}-images-idx3-ubyte", prefix.display()), img).unwrap();
    let mut lbl = Vec::new();
    for v in [2049u32, labels.len() as u32] {
        lbl.extend(v.to_be_bytes());
    }
    lbl.extend(labels);
    std::fs::write(format!("{}-labels-idx1-ubyte", prefix.display()), lbl).unwrap();
}

#[test]
fn mnist_scales_pixels_to_minus_one_one_and_checks_labels() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("train");
    idx_files(&prefix, &[3, 0, 9], 3);
    let sp = spec(
        dir.path(),
        &list(dir.path(), &[&prefix]),
        "mnist",
        &[],
        false,
    );
    let mut p = open(&sp, 0).unwrap();
    assert_eq!(
        p.slots(),
        &[
            Slot::new("pixel", dense_vector(784)),
            Slot::new("label", integer_value(10))
        ]
    );
    let b = pass(p.as_mut(), 8);
    assert_eq!(labels(&b, 1), vec![3, 0, 9]);
    let px = dense_rows(&b, 0);
    assert_eq!(px[0][0], -1.0);
    // 100 / 255 * 2 - 1 in float32, as numpy's float32 arithmetic gives it.
    assert_eq!(px[2][783], 100f32 / 255.0 * 2.0 - 1.0);

    idx_files(&prefix, &[3, 12, 9], 3);
    let e = open_err(&sp);
    assert!(
        e.contains("train-labels-idx1-ubyte: record 1: label 12 out of range"),
        "{e}"
    );
    idx_files(&prefix, &[3, 1, 9], 2);
    let e = open_err(&sp);
    assert!(
        e.contains("train-images-idx3-ubyte: record 2: truncated"),
        "{e}"
    );
    std::fs::remove_file(format!("{}-labels-idx1-ubyte", prefix.display())).unwrap();
    let e = open_err(&sp);
    assert!(
        e.contains("data.list:1") && e.contains("labels-idx1-ubyte"),
        "{e}"
    );
}

#[test]
fn ngram_builds_the_dictionary_writes_it_and_yields_windows() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("ptb.train.txt");
    // 'a' 6 times, 'b' 4, '<unk>' 3, 'c' once; <s> and <e> 3 times each.
    std::fs::write(&text, " a b a <unk> \n a a b c <unk>\n a b a b <unk>\n").unwrap();
    let dictfile = dir.path().join("vocabulary.txt");
    let args = [
        ("srcText", s(text.to_str().unwrap())),
        ("dictfile", s(dictfile.to_str().unwrap())),
        ("cutoff", ArgValue::Int(2)),
        ("N", ArgValue::Int(3)),
        (
            "slot_names",
            ArgValue::List(vec![s("w1"), s("w2"), s("w3")]),
        ),
    ];
    let sp = spec(
        dir.path(),
        &list(dir.path(), &[&text]),
        "ngram",
        &args,
        false,
    );
    let mut p = open(&sp, 0).unwrap();
    // By falling count, ties by the word: a(6) b(4) <e>(3) <s>(3) <unk>(3); 'c' is cut off.
    assert_eq!(
        std::fs::read_to_string(&dictfile).unwrap(),
        "a\nb\n<e>\n<s>\n<unk>\n"
    );
    assert_eq!(p.slots()[2], Slot::new("w3", integer_value(5)));
    let b = pass(p.as_mut(), 100);
    // Line 1: <s> <s> a b a <unk> <e> gives 5 windows; the first is (<s>, <s>, a).
    assert_eq!(labels(&b, 0)[..2], [3, 3]);
    assert_eq!(labels(&b, 2)[..5], [0, 1, 0, 4, 2]);
    // 'c' is unknown: the window ending at it holds <unk>'s id.
    assert_eq!(labels(&b, 2)[5..11], [0, 0, 1, 4, 4, 2]);

    let sp = spec(
        dir.path(),
        &list(dir.path(), &[&text]),
        "ngram",
        &[
            ("srcText", s(text.to_str().unwrap())),
            ("dictfile", s(dictfile.to_str().unwrap())),
        ],
        false,
    );
    let e = open_err(&sp);
    assert!(
        e.contains("ptb.train.txt") && e.contains("'<unk>' is not among the 0 words"),
        "{e}"
    );
}

fn movielens_meta() -> ArgValue {
    let d = |pairs: Vec<(&str, ArgValue)>| {
        ArgValue::Dict(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    };
    let list = |v: Vec<ArgValue>| ArgValue::List(v);
    let strs = |v: &[&str]| ArgValue::List(v.iter().map(|x| s(x)).collect());
    let id = |max: i64| {
        d(vec![
            ("type", s("id")),
            ("max", ArgValue::Int(max)),
            ("is_key", ArgValue::Bool(true)),
        ])
    };
    let movie = d(vec![
        (
            "__meta__",
            d(vec![(
                "raw_meta",
                list(vec![
                    id(2),
                    d(vec![
                        ("name", s("title")),
                        ("type", s("embedding")),
                        ("seq", s("sequence")),
                        ("dict", strs(&["a", "b", "c"])),
                    ]),
                    d(vec![
                        ("name", s("genres")),
                        ("type", s("one_hot_dense")),
                        ("dict", strs(&["Action", "Drama"])),
                    ]),
                ]),
            )]),
        ),
        (
            "1",
            list(vec![
                list(vec![ArgValue::Int(2), ArgValue::Int(0)]),
                list(vec![ArgValue::Float(0.0), ArgValue::Float(1.0)]),
            ]),
        ),
        (
            "2",
            list(vec![
                list(vec![ArgValue::Int(1)]),
                list(vec![ArgValue::Float(1.0), ArgValue::Float(0.0)]),
            ]),
        ),
    ]);
    let user = d(vec![
        (
            "__meta__",
            d(vec![(
                "raw_meta",
                list(vec![
                    id(3),
                    d(vec![
                        ("name", s("gender")),
                        ("type", s("embedding")),
                        ("seq", s("no_sequence")),
                        ("dict", strs(&["F", "M"])),
                    ]),
                ]),
            )]),
        ),
        ("1", list(vec![ArgValue::Int(1)])),
        ("3", list(vec![ArgValue::Int(0)])),
    ]);
    d(vec![("movie", movie), ("user", user)])
}

#[test]
fn movielens_joins_ratings_with_the_meta_features() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("ratings.dat.train");
    std::fs::write(&r, "3::1::5::978300760\n1::2::2::978302109\n").unwrap();
    let sp = spec(
        dir.path(),
        &list(dir.path(), &[&r]),
        "movielens",
        &[("meta", movielens_meta())],
        false,
    );
    let mut p = open(&sp, 0).unwrap();
    assert_eq!(
        p.slots(),
        &[
            Slot::new("movie_id", integer_value(2)),
            Slot::new("title", integer_value_sequence(3)),
            Slot::new("genres", dense_vector(2)),
            Slot::new("user_id", integer_value(3)),
            Slot::new("gender", integer_value(2)),
            Slot::new("rating", dense_vector(1)),
        ]
    );
    let b = pass(p.as_mut(), 8);
    assert_eq!(labels(&b, 0), vec![0, 1]);
    assert_eq!(b[0].slots[1].data, SlotData::Index(vec![2, 0, 1]));
    assert_eq!(b[0].slots[1].seq_starts, Some(vec![0, 2, 3]));
    assert_eq!(dense_rows(&b, 2), vec![vec![0.0, 1.0], vec![1.0, 0.0]]);
    assert_eq!(labels(&b, 3), vec![2, 0]);
    assert_eq!(labels(&b, 4), vec![0, 1]);
    assert_eq!(dense_rows(&b, 5), vec![vec![2.0], vec![-1.0]]);

    std::fs::write(&r, "3::1::5::978300760\n2::1::4::978302109\n").unwrap();
    let e = open_err(&sp);
    assert!(
        e.contains("ratings.dat.train:2: user id 2 is not in meta['user']"),
        "{e}"
    );
    std::fs::write(&r, "3::1::five::978300760\n").unwrap();
    let e = open_err(&sp);
    assert!(e.contains("ratings.dat.train:1: score \"five\""), "{e}");
}

fn srl_args() -> Vec<(&'static str, ArgValue)> {
    vec![
        (
            "word_dict",
            dict(&["<unk>", "bos", "eos", "the", "cat", "sat"]),
        ),
        ("predicate_dict", dict(&["sat"])),
        ("label_dict", dict(&["B-A0", "I-A0", "B-V", "O"])),
    ]
}

#[test]
fn conll05_columns_become_nine_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("feature");
    std::fs::write(
        &f,
        "the cat sat\tsat\tthe\tcat\tsat\teos\teos\t1 1 1\tB-A0 I-A0 B-V\n\
         a cat sat\tsat\ta\tcat\tsat\teos\teos\t1 1 1\tB-A0 I-A0 B-V\n",
    )
    .unwrap();
    let sp = spec(
        dir.path(),
        &list(dir.path(), &[&f]),
        "conll05",
        &srl_args(),
        false,
    );
    let mut p = open(&sp, 0).unwrap();
    let names: Vec<&str> = p.slots().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "word_data",
            "ctx_n2_data",
            "ctx_n1_data",
            "ctx_0_data",
            "ctx_p1_data",
            "ctx_p2_data",
            "verb_data",
            "mark_data",
            "target"
        ]
    );
    assert_eq!(p.slots()[8].ty, integer_value_sequence(4));
    let b = pass(p.as_mut(), 8);
    // 'a' is unknown: UNK_IDX 0.
    assert_eq!(b[0].slots[0].data, SlotData::Index(vec![3, 4, 5, 0, 4, 5]));
    assert_eq!(b[0].slots[0].seq_starts, Some(vec![0, 3, 6]));
    assert_eq!(b[0].slots[3].data, SlotData::Index(vec![5; 6]));
    assert_eq!(b[0].slots[6].data, SlotData::Index(vec![0; 6]));
    assert_eq!(b[0].slots[8].data, SlotData::Index(vec![0, 1, 2, 0, 1, 2]));

    for (line, want) in [
        (
            "the cat sat\tsat\tthe\tcat\tsat\teos\teos\t1 1 1\tB-A0 I-A0 B-X",
            "label \"B-X\" is not in label_dict",
        ),
        (
            "the cat sat\tran\tthe\tcat\tsat\teos\teos\t1 1 1\tB-A0 I-A0 B-V",
            "predicate \"ran\" is not in predicate_dict",
        ),
        (
            "the cat sat\tsat\tthe\tcat\tsat\teos\teos\t1 1\tB-A0 I-A0 B-V",
            "2 marks for a sentence of 3 words",
        ),
        (
            "the cat sat\tsat\tthe\tcat\tsat\teos\teos\t1 2 1\tB-A0 I-A0 B-V",
            "mark \"2\" is not 0 or 1",
        ),
        (
            "the cat sat\tsat\tthe",
            "3 tab-separated columns, expected 9",
        ),
    ] {
        std::fs::write(
            &f,
            format!("the cat sat\tsat\tthe\tcat\tsat\teos\teos\t1 1 1\tB-A0 I-A0 B-V\n{line}\n"),
        )
        .unwrap();
        let e = open_err(&sp);
        assert!(e.contains("feature:2: ") && e.contains(want), "{e}");
    }
}
