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
