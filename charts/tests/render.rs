//! The charts decode as PNG and carry text: axis values and labels in each panel's label
//! areas (which hold nothing but text), and the title.

use paddlers_charts::chart::{panel_origin, MARGIN, X_LABEL_AREA, Y_LABEL_AREA};
use paddlers_charts::{paddle_log, render_png, Chart, Curve, Panel};

/// Pixels clearly darker than the white background in a rectangle.
pub fn dark_pixels(img: &image::RgbImage, x: u32, y: u32, w: u32, h: u32) -> usize {
    let mut n = 0;
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            let p = img.get_pixel(xx, yy);
            if p.0.iter().map(|&c| c as u32).sum::<u32>() < 3 * 160 {
                n += 1;
            }
        }
    }
    n
}

/// Checks the title and each panel's y-value area (left of the axis) and x-value area
/// (under it) for text. The areas exclude the axis lines: plotters draws them at the inner
/// edge of the label areas, so a strip 4 pixels wide is left out there.
pub fn assert_text_in_axis_areas(png: &[u8], panels: usize) -> image::RgbImage {
    let img = image::load_from_memory(png)
        .expect("the chart decodes")
        .to_rgb8();
    assert!(
        dark_pixels(&img, 0, 0, img.width(), 40) > 50,
        "no title text"
    );
    for i in 0..panels {
        let (_, top) = panel_origin(i);
        let ph = paddlers_charts::chart::PANEL_HEIGHT;
        let y_area = dark_pixels(&img, MARGIN, top + 30, Y_LABEL_AREA - 4, ph - 90);
        let x_area = dark_pixels(
            &img,
            MARGIN + Y_LABEL_AREA + 4,
            top + ph - MARGIN - X_LABEL_AREA + 4,
            img.width() - 2 * MARGIN - Y_LABEL_AREA - 8,
            X_LABEL_AREA - 4,
        );
        // A few digits at 13 px are well over 40 dark pixels; axis lines alone give none here.
        assert!(
            y_area > 40,
            "panel {i}: {y_area} text pixels left of the y axis"
        );
        assert!(
            x_area > 40,
            "panel {i}: {x_area} text pixels under the x axis"
        );
    }
    img
}

fn out_dir() -> std::path::PathBuf {
    let d = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("charts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn training_chart_has_text_in_every_panels_axis_areas() {
    let curve = |label: &str, f: fn(f64) -> f64| Curve {
        label: label.into(),
        points: (0..8).map(|p| (p as f64, f(p as f64))).collect(),
    };
    let chart = Chart {
        title: "Training curves: output".into(),
        x_label: "pass".into(),
        panels: vec![
            Panel {
                title: "cost".into(),
                y_label: "cost".into(),
                curves: vec![
                    curve("train", |p| 2.3 / (1.0 + p)),
                    curve("test", |p| 2.4 / (1.0 + 0.8 * p)),
                ],
            },
            Panel {
                title: "classification_error_evaluator".into(),
                y_label: "classification_error_evaluator".into(),
                curves: vec![
                    curve("train", |p| 0.9 - 0.08 * p),
                    curve("test", |p| 0.9 - 0.06 * p),
                ],
            },
        ],
    };
    let png = render_png(&chart).unwrap();
    std::fs::write(out_dir().join("training.png"), &png).unwrap();
    let img = assert_text_in_axis_areas(&png, 2);
    assert_eq!((img.width(), img.height()), chart.size());
}

#[test]
fn one_pass_still_draws_axes_with_values() {
    let chart = Chart {
        title: "one pass".into(),
        x_label: "pass".into(),
        panels: vec![Panel {
            title: "cost".into(),
            y_label: "cost".into(),
            curves: vec![Curve {
                label: "train".into(),
                points: vec![(0.0, 2.0)],
            }],
        }],
    };
    let png = render_png(&chart).unwrap();
    assert_text_in_axis_areas(&png, 1);
}

#[test]
fn a_log_of_paddles_own_lines_charts_with_text() {
    let log = "\
I0406 21:26:21.325584  3832 TrainerInternal.cpp:165]  Batch=300 samples=38400 AvgCost=2.07708 CurrentCost=1.96158 Eval: classification_error_evaluator=0.81151  CurrentEval: classification_error_evaluator=0.789297
I0406 21:26:25.325584  3832 TrainerInternal.cpp:181]  Pass=0 Batch=391 samples=50000 AvgCost=2.03348 Eval: classification_error_evaluator=0.79958
I0406 21:26:27.325584  3832 Tester.cpp:115]  Test samples=10000 cost=1.99246 Eval: classification_error_evaluator=0.7858
TrainerInternal.cpp:181]  Pass=1 Batch=391 samples=50000 AvgCost=1.71 Eval: classification_error_evaluator=0.61
Tester.cpp:115]  Test samples=10000 cost=1.75 Eval: classification_error_evaluator=0.63
";
    let chart = paddle_log::read(log).chart(&[], "train.log").unwrap();
    let png = render_png(&chart).unwrap();
    std::fs::write(out_dir().join("paddle_log.png"), &png).unwrap();
    assert_text_in_axis_areas(&png, 2);
}
