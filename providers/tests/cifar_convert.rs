//! `paddlers data cifar10`: each kind of source, the files written, and reading them back with
//! the tutorial's provider settings.

mod common;

use std::path::Path;

use common::*;
use paddlers_providers::cifar_convert::{run, ConvertOptions};
use paddlers_providers::numpy::load_array;
use paddlers_providers::open;
use paddlers_providers::pickle::{Pickler, WriteValue};

const CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// train/<class>/NNNN.png and test/<class>/NNNN.png; image (class c, index k) is flat colour
/// (c * 20 + k, 50 + k, 200).
fn image_tree(root: &Path, train: usize, test: usize) {
    for (split, n) in [("train", train), ("test", test)] {
        for (c, name) in CLASSES.iter().enumerate() {
            let d = root.join(split).join(name);
            std::fs::create_dir_all(&d).unwrap();
            for k in 0..n {
                let px = image::Rgb([(c * 20 + k) as u8, (50 + k) as u8, 200]);
                image::RgbImage::from_pixel(32, 32, px)
                    .save(d.join(format!("{k:04}.png")))
                    .unwrap();
            }
        }
    }
}

fn opts(
    from: &Path,
    out: &Path,
    per_class: Option<usize>,
    test_per_class: Option<usize>,
) -> ConvertOptions {
    ConvertOptions {
        from: from.to_path_buf(),
        out: out.to_path_buf(),
        per_class,
        test_per_class,
    }
}

#[test]
fn image_tree_converts_to_the_tutorial_layout_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    image_tree(&src, 3, 2);
    let out = dir.path().join("data");
    let report = run(&opts(&src, &out, Some(2), Some(1))).unwrap();
    assert_eq!((report.train, report.test), (20, 10));
    assert_eq!(report.classes, CLASSES.map(String::from).to_vec());
    for f in [
        "cifar-10-batches-py/data_batch_1",
        "cifar-10-batches-py/test_batch",
        "cifar-10-batches-py/batches.meta",
        "mean.meta",
        "train.list",
        "test.list",
        "train.txt",
        "test.txt",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let train_list = std::fs::read_to_string(out.join("train.list")).unwrap();
    assert_eq!(
        train_list.trim(),
        out.join("train.txt").display().to_string()
    );

    // Mean: per pixel; R plane is the average of c*20+k over c in 0..10, k in 0..2.
    let (mean, shape) = load_array(&out.join("mean.meta"), "mean").unwrap();
    assert_eq!(shape, vec![3072]);
    assert!((mean[0] - 90.5).abs() < 1e-4, "{}", mean[0]);
    assert!((mean[1024] - 50.5).abs() < 1e-4);
    assert_eq!(mean[2048], 200.0);

    let sp = spec(dir.path(), &out.join("train.list"), "cifar", &[], false);
    let b = pass(open(&sp, 0).unwrap().as_mut(), 64);
    let rows = dense_rows(&b, 0);
    let labels = labels(&b, 1);
    assert_eq!(rows.len(), 20);
    let mut per_class = [0; 10];
    for (row, &l) in rows.iter().zip(&labels) {
        per_class[l as usize] += 1;
        let k = row[1024] as usize - 50; // G plane encodes the index within the class
        assert_eq!(
            row[0] as usize,
            l as usize * 20 + k,
            "R plane comes from the R channel"
        );
        assert_eq!(row[2048], 200.0);
    }
    assert_eq!(per_class, [2; 10]);
    assert_ne!(
        labels,
        {
            let mut s = labels.clone();
            s.sort();
            s
        },
        "classes are shuffled together"
    );
}

fn batches_files(n_per_batch: usize) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for b in 0..5 {
        let labels: Vec<i64> = (0..n_per_batch as i64).map(|i| i % 10).collect();
        files.push((
            format!("data_batch_{}", b + 1),
            batch_bytes(b * n_per_batch, &labels),
        ));
    }
    let labels: Vec<i64> = (0..n_per_batch as i64).map(|i| i % 10).collect();
    files.push(("test_batch".into(), batch_bytes(1000, &labels)));
    let names: Vec<WriteValue> = CLASSES
        .iter()
        .map(|c| WriteValue::Bytes(c.as_bytes()))
        .collect();
    files.push((
        "batches.meta".into(),
        Pickler::dumps(&WriteValue::Dict(vec![(
            "label_names",
            WriteValue::List(names),
        )])),
    ));
    files
}

#[test]
fn official_tar_gz_and_unpacked_batches_give_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let files = batches_files(20);
    let tgz = dir.path().join("cifar-10-python.tar.gz");
    {
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&tgz).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        for (name, bytes) in &files {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            tar.append_data(&mut h, format!("cifar-10-batches-py/{name}"), &bytes[..])
                .unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
    }
    let unpacked = dir.path().join("cifar-10-batches-py");
    std::fs::create_dir_all(&unpacked).unwrap();
    for (name, bytes) in &files {
        std::fs::write(unpacked.join(name), bytes).unwrap();
    }
    let a = run(&opts(&tgz, &dir.path().join("a"), None, None)).unwrap();
    let b = run(&opts(&unpacked, &dir.path().join("b"), None, None)).unwrap();
    assert_eq!((a.train, a.test), (100, 20));
    assert_eq!((b.train, b.test), (100, 20));
    let read = |out: &str| {
        let sp = spec(
            dir.path(),
            &dir.path().join(out).join("train.list"),
            "cifar",
            &[],
            false,
        );
        pass(open(&sp, 0).unwrap().as_mut(), 100)
    };
    let (ba, bb) = (read("a"), read("b"));
    // The same samples; only their origins (the two output folders) differ.
    let data = |bs: &[paddlers_providers::Batch]| {
        bs.iter()
            .map(|b| (b.size, b.slots.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(data(&ba), data(&bb));
    assert!(ba[0].origin(0).unwrap().file.contains("/a/"));
    // Batches keep their order: row i is source image i.
    let rows = dense_rows(&ba, 0);
    for (i, r) in rows.iter().enumerate().step_by(17) {
        assert_eq!(r.iter().map(|&v| v as u8).collect::<Vec<_>>(), pixels(i));
    }
    // --per_class on batches keeps the first images of each class, in order.
    let c = run(&opts(&unpacked, &dir.path().join("c"), Some(3), None)).unwrap();
    assert_eq!((c.train, c.test), (30, 10));
}

#[test]
fn conversion_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    image_tree(&src, 2, 1);
    let e = run(&opts(&src, &dir.path().join("o"), Some(5), Some(1)))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("airplane") && e.contains("fewer than the 5"),
        "{e}"
    );

    image::RgbImage::new(16, 16)
        .save(src.join("train/cat/0001.png"))
        .unwrap();
    let e = run(&opts(&src, &dir.path().join("o"), None, None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cat/0001.png") && e.contains("16x16"), "{e}");

    std::fs::write(src.join("train/cat/0001.png"), b"garbage").unwrap();
    let e = run(&opts(&src, &dir.path().join("o"), None, None))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cat/0001.png") && e.contains("unreadable image"),
        "{e}"
    );

    let unpacked = dir.path().join("batches");
    std::fs::create_dir_all(&unpacked).unwrap();
    for (name, bytes) in batches_files(10) {
        if name != "data_batch_3" {
            std::fs::write(unpacked.join(name), bytes).unwrap();
        }
    }
    std::fs::write(unpacked.join("data_batch_1"), b"\x80\x02}q").unwrap();
    let e = run(&opts(&unpacked, &dir.path().join("o"), None, None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("data_batch_1") && e.contains("pickle"), "{e}");

    let e = run(&opts(dir.path(), &dir.path().join("o"), None, None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a cifar-10-python.tar.gz"), "{e}");
}

/// A conversion over an existing data directory swaps in a whole new one: the files of the
/// earlier conversion are all replaced (none left from it, such as a data_batch_2 the new
/// data does not have), the user's own files stay, and what a killed conversion left beside
/// it is removed.
#[test]
fn converting_over_old_data_swaps_in_a_whole_directory() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    image_tree(&src, 2, 1);
    let out = dir.path().join("data");
    std::fs::create_dir_all(out.join("cifar-10-batches-py")).unwrap();
    std::fs::write(out.join("cifar-10-batches-py/data_batch_2"), "stale").unwrap();
    std::fs::write(out.join("mean.meta"), "stale").unwrap();
    std::fs::write(out.join("README.md"), "mine").unwrap();
    std::fs::create_dir(out.join("notes")).unwrap();
    std::fs::write(out.join("notes/a.txt"), "mine too").unwrap();
    // A killed conversion's new directory (a PID above any pid_max: its process is gone).
    let leftover = dir.path().join(".data.tmp-2147483000");
    std::fs::create_dir(&leftover).unwrap();
    std::fs::write(leftover.join("mean.meta"), "half").unwrap();

    run(&opts(&src, &out, None, None)).unwrap();
    assert!(!out.join("cifar-10-batches-py/data_batch_2").exists());
    assert!(out.join("cifar-10-batches-py/data_batch_1").is_file());
    assert_ne!(std::fs::read(out.join("mean.meta")).unwrap(), b"stale");
    assert_eq!(
        std::fs::read_to_string(out.join("README.md")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes/a.txt")).unwrap(),
        "mine too"
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["data", "src"], "no temporaries remain");
    // The lists name the final directory, not the one it was built in.
    let train_txt = std::fs::read_to_string(out.join("train.txt")).unwrap();
    assert!(
        train_txt.starts_with(&out.join("cifar-10-batches-py").display().to_string()),
        "{train_txt}"
    );
}
