//! The `image_list` provider: JPEG/PNG files with labels, crops, flips, padding and means.

mod common;

use std::path::Path;

use common::*;
use paddlers_providers::{open, ArgValue};

/// A w x h RGB PNG whose pixel (x, y) is (x, y, 100).
fn png(path: &Path, w: u32, h: u32) {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 100]));
    img.save(path).unwrap();
}

fn setup(lines: &[(&str, u32, u32, i64)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut txt = String::new();
    for (name, w, h, label) in lines {
        let p = dir.path().join(name);
        png(&p, *w, *h);
        txt.push_str(&format!("{} {label}\n", p.display()));
    }
    let listed = dir.path().join("images.txt");
    std::fs::write(&listed, txt).unwrap();
    let list = dir.path().join("train.list");
    std::fs::write(&list, format!("{}\n", listed.display())).unwrap();
    (dir, list)
}

#[test]
fn centre_crop_is_chw_minus_mean_for_testing() {
    let (dir, list) = setup(&[("a.png", 6, 6, 1)]);
    let args = [
        ("num_classes", ArgValue::Int(3)),
        ("crop_size", ArgValue::Int(4)),
        (
            "mean_value",
            ArgValue::List(vec![ArgValue::Int(1), ArgValue::Int(2), ArgValue::Int(3)]),
        ),
    ];
    let sp = spec(dir.path(), &list, "image_list", &args, false);
    let mut p = open(&sp, 0).unwrap();
    assert_eq!(p.slots()[0].ty.dim, 48);
    let row = &dense_rows(&pass(p.as_mut(), 2), 0)[0];
    // Centre crop of 6x6 to 4x4 starts at (1, 1): R plane is x, G plane is y.
    assert_eq!(&row[0..4], &[0.0, 1.0, 2.0, 3.0]); // x = 1..4 minus 1
    assert_eq!(row[16], 1.0 - 2.0); // G at y = 1
    assert_eq!(row[32], 100.0 - 3.0);
}

#[test]
fn training_crops_with_padding_and_flips_stay_in_bounds_and_are_seeded() {
    let (dir, list) = setup(&[("a.png", 8, 8, 0), ("b.png", 8, 8, 1)]);
    let args = [
        ("num_classes", ArgValue::Int(2)),
        ("crop_size", ArgValue::Int(8)),
        ("padding", ArgValue::Int(2)),
    ];
    let sp = spec(dir.path(), &list, "image_list", &args, true);
    let a = pass(open(&sp, 4).unwrap().as_mut(), 2);
    let b = pass(open(&sp, 4).unwrap().as_mut(), 2);
    assert_eq!(a, b);
    let mut padded = 0;
    let mut passes = Vec::new();
    let mut p = open(&sp, 4).unwrap();
    for _ in 0..5 {
        passes.push(dense_rows(&pass(p.as_mut(), 2), 0));
    }
    for rows in &passes {
        for r in rows {
            assert_eq!(r.len(), 192);
            padded += r[128..].iter().filter(|&&v| v == 0.0).count(); // B plane: 100 or pad
        }
    }
    assert!(padded > 0, "padding shows up as zeros somewhere");
    assert!(
        passes.windows(2).any(|w| w[0] != w[1]),
        "crops change between passes"
    );
}

#[test]
fn resize_makes_the_shorter_side_resize_size() {
    let (dir, list) = setup(&[("wide.png", 40, 20, 0)]);
    let args = [
        ("num_classes", ArgValue::Int(1)),
        ("crop_size", ArgValue::Int(10)),
        ("resize_size", ArgValue::Int(10)),
    ];
    let sp = spec(dir.path(), &list, "image_list", &args, false);
    let rows = dense_rows(&pass(open(&sp, 0).unwrap().as_mut(), 1), 0);
    assert_eq!(rows[0].len(), 300);
}

#[test]
fn unreadable_image_small_image_and_label_range_are_errors() {
    let (dir, list) = setup(&[("a.png", 8, 8, 0), ("b.png", 8, 8, 1)]);
    std::fs::write(dir.path().join("b.png"), b"not a png at all").unwrap();
    let sp = spec(
        dir.path(),
        &list,
        "image_list",
        &[
            ("num_classes", ArgValue::Int(2)),
            ("crop_size", ArgValue::Int(8)),
        ],
        false,
    );
    let e = pass_error(open(&sp, 0).unwrap().as_mut(), 4);
    assert!(
        e.contains("images.txt:2: unreadable image") && e.contains("b.png"),
        "{e}"
    );

    let sp = spec(
        dir.path(),
        &list,
        "image_list",
        &[
            ("num_classes", ArgValue::Int(2)),
            ("crop_size", ArgValue::Int(16)),
        ],
        false,
    );
    let e = pass_error(open(&sp, 0).unwrap().as_mut(), 4);
    assert!(
        e.contains("images.txt:1") && e.contains("smaller than crop_size 16"),
        "{e}"
    );

    let (dir, list) = setup(&[("a.png", 8, 8, 7)]);
    let sp = spec(
        dir.path(),
        &list,
        "image_list",
        &[
            ("num_classes", ArgValue::Int(2)),
            ("crop_size", ArgValue::Int(8)),
        ],
        false,
    );
    let e = pass_error(open(&sp, 0).unwrap().as_mut(), 4);
    assert!(
        e.contains("images.txt:1: label 7 out of range [0, 2)"),
        "{e}"
    );
}

#[test]
fn list_lines_may_name_images_directly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.png");
    png(&p, 4, 4);
    let list = dir.path().join("test.list");
    std::fs::write(&list, format!("{} 1\n{} 0\n", p.display(), p.display())).unwrap();
    let sp = spec(
        dir.path(),
        &list,
        "image_list",
        &[
            ("num_classes", ArgValue::Int(2)),
            ("crop_size", ArgValue::Int(4)),
        ],
        false,
    );
    let b = pass(open(&sp, 0).unwrap().as_mut(), 4);
    assert_eq!(labels(&b, 1), vec![1, 0]);
}

// `paddlers data images`: class folders to the lists this provider reads.
mod image_folders {
    use super::*;
    use paddlers_providers::image_folders::{run, ImageFoldersOptions};

    fn opts(from: &Path, out: &Path, test_ratio: Option<f64>, seed: u64) -> ImageFoldersOptions {
        ImageFoldersOptions {
            from: from.to_path_buf(),
            out: out.to_path_buf(),
            test_ratio,
            seed,
        }
    }

    /// `root/<class>/NN.png` for each (class, count); class c's images are 4x4 with red = c.
    fn tree(root: &Path, classes: &[(&str, usize)]) {
        for (c, (name, n)) in classes.iter().enumerate() {
            let d = root.join(name);
            std::fs::create_dir_all(&d).unwrap();
            for k in 0..*n {
                let px = image::Rgb([c as u8, k as u8, 0]);
                image::RgbImage::from_pixel(4, 4, px)
                    .save(d.join(format!("{k:02}.png")))
                    .unwrap();
            }
        }
    }

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap()
    }

    #[test]
    fn train_test_tree_lists_read_back_through_the_provider() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        tree(&src.join("train"), &[("cat", 2), ("dog", 3)]);
        tree(&src.join("test"), &[("cat", 1), ("dog", 1)]);
        std::fs::write(src.join("train/dog/notes.txt"), "not an image").unwrap();
        let out = dir.path().join("lists");
        let report = run(&opts(&src, &out, None, 1)).unwrap();
        assert_eq!(report.layout, "train/test tree");
        assert_eq!((report.train, report.test, report.skipped), (5, 2, 1));
        assert_eq!(read(&out.join("labels.txt")), "cat\ndog\n");
        let s = src.display();
        assert_eq!(
            read(&out.join("train.list")),
            format!(
                "{s}/train/cat/00.png 0\n{s}/train/cat/01.png 0\n{s}/train/dog/00.png 1\n\
                 {s}/train/dog/01.png 1\n{s}/train/dog/02.png 1\n"
            )
        );
        assert_eq!(
            read(&out.join("test.list")),
            format!("{s}/test/cat/00.png 0\n{s}/test/dog/00.png 1\n")
        );
        // The provider reads the lists as written: labels and pixels in list order.
        let args = [
            ("num_classes", ArgValue::Int(2)),
            ("crop_size", ArgValue::Int(4)),
        ];
        let sp = spec(
            dir.path(),
            &out.join("test.list"),
            "image_list",
            &args,
            false,
        );
        let mut p = open(&sp, 0).unwrap();
        let batches = pass(p.as_mut(), 2);
        assert_eq!(labels(&batches, 1), vec![0, 1]);
        assert_eq!(dense_rows(&batches, 0)[1][0], 1.0); // red plane of a dog
    }

    #[test]
    fn a_single_tree_splits_each_class_by_the_ratio_with_a_seeded_shuffle() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        tree(&src, &[("a", 10), ("b", 5)]);
        let out = dir.path().join("lists");
        let report = run(&opts(&src, &out, Some(0.2), 7)).unwrap();
        assert_eq!(report.layout, "single tree");
        // round(10 * 0.2) = 2 and round(5 * 0.2) = 1 held out.
        assert_eq!((report.train, report.test), (12, 3));
        let train = read(&out.join("train.list"));
        let test = read(&out.join("test.list"));
        let mut all: Vec<&str> = train.lines().chain(test.lines()).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 15, "every image once:\n{train}{test}");
        assert_eq!(test.lines().filter(|l| l.ends_with(" 0")).count(), 2);
        assert_eq!(test.lines().filter(|l| l.ends_with(" 1")).count(), 1);
        // The same seed gives the same lists; another seed another split.
        let again = dir.path().join("again");
        run(&opts(&src, &again, Some(0.2), 7)).unwrap();
        assert_eq!(read(&again.join("test.list")), test);
        let splits: std::collections::BTreeSet<String> = (1..6)
            .map(|seed| {
                let o = dir.path().join(format!("seed{seed}"));
                run(&opts(&src, &o, Some(0.2), seed)).unwrap();
                read(&o.join("test.list"))
            })
            .collect();
        assert!(splits.len() > 1, "the seed changes the split");
        // A ratio of 0 keeps everything for training.
        let none = dir.path().join("none");
        let r = run(&opts(&src, &none, Some(0.0), 1)).unwrap();
        assert_eq!((r.train, r.test), (15, 0));
    }

    #[test]
    fn bad_trees_and_ratios_are_errors_that_name_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("lists");
        let err = |from: &Path, ratio: Option<f64>| {
            run(&opts(from, &out, ratio, 1)).unwrap_err().to_string()
        };

        let missing = dir.path().join("missing");
        let e = err(&missing, None);
        assert!(
            e.contains("missing: not a directory of class folders"),
            "{e}"
        );

        let empty = dir.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let e = err(&empty, None);
        assert!(e.contains("empty") && e.contains("no class folders"), "{e}");

        let no_test = dir.path().join("no_test");
        tree(&no_test.join("train"), &[("cat", 1)]);
        let e = err(&no_test, None);
        assert!(e.contains("has train/ but no test/"), "{e}");

        let both = dir.path().join("both");
        tree(&both.join("train"), &[("cat", 1)]);
        tree(&both.join("test"), &[("cat", 1), ("cow", 1)]);
        let e = err(&both, None);
        assert!(
            e.contains("test/cow") && e.contains("a test class with no training folder"),
            "{e}"
        );
        let e = err(&both, Some(0.5));
        assert!(
            e.contains("--test_ratio=0.5") && e.contains("already has train/ and test/"),
            "{e}"
        );

        let single = dir.path().join("single");
        tree(&single, &[("cat", 2)]);
        std::fs::create_dir_all(single.join("dog")).unwrap();
        std::fs::write(single.join("dog/readme.md"), "x").unwrap();
        let e = err(&single, None);
        assert!(
            e.contains("single/dog") && e.contains("no .jpg, .jpeg or .png images"),
            "{e}"
        );
        std::fs::remove_dir_all(single.join("dog")).unwrap();
        for bad in [1.0, -0.1, f64::NAN] {
            let e = err(&single, Some(bad));
            assert!(
                e.contains("--test_ratio=") && e.contains("at least 0 and below 1"),
                "{e}"
            );
        }
        assert!(
            !out.exists(),
            "nothing is written when the source is refused"
        );
    }
}
