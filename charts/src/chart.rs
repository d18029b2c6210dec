//! Drawing a [`Chart`] to PNG bytes. Panels are stacked top to bottom under the title; each
//! has its own caption, axes with values, axis labels and a legend.

use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

/// Width of the image, and height of one panel (the title adds [`TITLE_HEIGHT`]).
pub const WIDTH: u32 = 900;
pub const PANEL_HEIGHT: u32 = 320;
pub const TITLE_HEIGHT: u32 = 40;
/// Margins of each panel that hold the axis values and labels (text only, no lines).
pub const Y_LABEL_AREA: u32 = 70;
pub const X_LABEL_AREA: u32 = 45;
/// Space around each panel's plot (plotters' `margin`) and its caption's height.
pub const MARGIN: u32 = 10;

/// The family every text is drawn in; registered once with the embedded DejaVu Sans.
const FONT: &str = "sans-serif";

#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// The legend's entry, e.g. `train` or `test`.
    pub label: String,
    /// (x, y) points in x order; non-finite values are left out when drawing.
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// The caption over the panel, e.g. `cost` or `classification_error_evaluator`.
    pub title: String,
    /// The y axis label.
    pub y_label: String,
    pub curves: Vec<Curve>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub panels: Vec<Panel>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("nothing to draw: {0}")]
    Empty(String),
    #[error("drawing the chart: {0}")]
    Draw(String),
    #[error("encoding the chart as PNG: {0}")]
    Encode(String),
}

impl Chart {
    /// The image's size for this many panels.
    pub fn size(&self) -> (u32, u32) {
        (
            WIDTH,
            TITLE_HEIGHT + PANEL_HEIGHT * self.panels.len().max(1) as u32,
        )
    }
}

/// The top-left corner of panel `i`'s drawing area (its caption, plot and label areas).
pub fn panel_origin(i: usize) -> (u32, u32) {
    (0, TITLE_HEIGHT + PANEL_HEIGHT * i as u32)
}

fn font_registered() -> Result<(), ChartError> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .map_err(|_| "the embedded DejaVu Sans font is unreadable".to_string())
    })
    .clone()
    .map_err(ChartError::Draw)
}

/// Line colours: blue for the first curve (train), red for the second (test), as the
/// tutorial's figure draws them.
const COLOURS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

fn draw_err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::Draw(format!("{e:?}"))
}

/// min..max of the finite values, widened when empty or flat so the axis has a span.
fn range(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        let w = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - w, hi + w);
    }
    let p = (hi - lo) * pad;
    (lo - p, hi + p)
}

/// Axis values without noise digits: integers print as integers, others with as few
/// decimals as the axis span needs.
fn tick(v: f64, span: f64) -> String {
    if (v - v.round()).abs() < 1e-9 * span.max(1.0) {
        return format!("{}", v.round() as i64);
    }
    let decimals = (-(span / 5.0).log10().floor()).clamp(0.0, 6.0) as usize;
    format!("{v:.decimals$}")
}

/// The y axis label and a font size at which it fits along the plot's height (`room`
/// pixels): 14 px when it fits, smaller down to 10 px, and past that shortened with an
/// ellipsis. plotters centres the rotated label on the plot and draws whatever overflows
/// outside the panel, where it is cut off.
fn fit_rotated<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    label: &str,
    room: u32,
) -> (String, u32) {
    let fits = |text: &str, size: u32| {
        area.estimate_text_size(text, &TextStyle::from((FONT, size).into_font()))
            .map_or(true, |(w, _)| w + 8 <= room)
    };
    for size in (10..=14).rev() {
        if fits(label, size) {
            return (label.to_string(), size);
        }
    }
    let chars: Vec<char> = label.chars().collect();
    for keep in (1..chars.len()).rev() {
        let short: String = chars[..keep].iter().collect::<String>() + "…";
        if fits(&short, 10) {
            return (short, 10);
        }
    }
    (label.to_string(), 10)
}

/// The chart as a PNG file's bytes.
pub fn render_png(chart: &Chart) -> Result<Vec<u8>, ChartError> {
    if chart.panels.is_empty() {
        return Err(ChartError::Empty(
            "no panel (no cost or evaluator values)".into(),
        ));
    }
    font_registered()?;
    let (w, h) = chart.size();
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (title_area, body) = root.split_vertically(TITLE_HEIGHT);
        title_area
            .draw(&Text::new(
                chart.title.clone(),
                (MARGIN as i32, 8),
                (FONT, 22).into_font().color(&BLACK),
            ))
            .map_err(draw_err)?;
        let areas = body.split_evenly((chart.panels.len(), 1));
        for (area, panel) in areas.iter().zip(&chart.panels) {
            draw_panel(area, panel, &chart.x_label)?;
        }
        root.present().map_err(draw_err)?;
    }
    encode(&rgb, w, h)
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    panel: &Panel,
    x_label: &str,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let points = || panel.curves.iter().flat_map(|c| c.points.iter());
    let (x0, x1) = range(points().map(|p| p.0), 0.0);
    let (y0, y1) = range(points().map(|p| p.1), 0.05);
    let (xs, ys) = (x1 - x0, y1 - y0);
    let mut c = ChartBuilder::on(area)
        .caption(&panel.title, (FONT, 16))
        .margin(MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    let whole_x = points().all(|p| p.0.fract() == 0.0);
    // Integral x (passes): no more ticks than there are integers in the span.
    let x_ticks = if whole_x {
        (xs.round() as usize + 1).clamp(2, 10)
    } else {
        10
    };
    let (y_label, y_label_size) =
        fit_rotated(area, &panel.y_label, c.plotting_area().dim_in_pixel().1);
    c.configure_mesh()
        .x_desc(x_label)
        .y_desc(&y_label)
        .x_labels(x_ticks)
        .y_labels(6)
        .x_label_formatter(&|v| tick(*v, xs))
        .y_label_formatter(&|v| tick(*v, ys))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, y_label_size))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(draw_err)?;
    for (i, curve) in panel.curves.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let finite: Vec<(f64, f64)> = curve
            .points
            .iter()
            .copied()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect();
        c.draw_series(LineSeries::new(finite.clone(), colour.stroke_width(2)))
            .map_err(draw_err)?
            .label(curve.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
        c.draw_series(finite.iter().map(|&p| Circle::new(p, 3, colour.filled())))
            .map_err(draw_err)?;
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .label_font((FONT, 13))
        .draw()
        .map_err(draw_err)?;
    Ok(())
}

fn encode(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()
        .and_then(|mut wr| wr.write_image_data(rgb))
        .map_err(|e| ChartError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_print_as_few_digits_as_the_span_needs() {
        assert_eq!(tick(3.0, 10.0), "3");
        assert_eq!(tick(0.25, 0.1), "0.25");
        assert_eq!(tick(2.5, 4.0), "2.5");
    }

    #[test]
    fn flat_and_empty_ranges_get_a_span() {
        assert_eq!(range([2.0, 2.0].into_iter(), 0.05), (1.8, 2.2));
        assert_eq!(range([f64::NAN].into_iter(), 0.05), (0.0, 1.0));
        assert_eq!(range([0.0, 0.0].into_iter(), 0.0), (-1.0, 1.0));
    }

    /// The y label must fit along the plot's height, or plotters draws it past the panel's
    /// edges where it is cut off: "classification_error_evaluator" was, at 14 px.
    #[test]
    fn a_long_y_label_shrinks_then_shortens_to_fit_the_plot() {
        font_registered().unwrap();
        let mut rgb = vec![255u8; 300 * 300 * 3];
        let area = BitMapBackend::with_buffer(&mut rgb, (300, 300)).into_drawing_area();
        let width = |s: &str, size: u32| {
            area.estimate_text_size(s, &TextStyle::from((FONT, size).into_font()))
                .unwrap()
                .0
        };
        assert_eq!(fit_rotated(&area, "cost", 200), ("cost".to_string(), 14));
        let long = "classification_error_evaluator";
        // Room for the label at 12 px but not at 14 px.
        let room = width(long, 12) + 8;
        assert!(width(long, 14) + 8 > room);
        assert_eq!(fit_rotated(&area, long, room), (long.to_string(), 12));
        let (text, size) = fit_rotated(&area, long, 80);
        assert!(text.ends_with('…') && text.len() < long.len(), "{text}");
        assert!(width(&text, size) + 8 <= 80, "{text}");
    }

    #[test]
    fn a_chart_without_panels_is_refused() {
        let c = Chart {
            title: "t".into(),
            x_label: "pass".into(),
            panels: vec![],
        };
        assert!(matches!(render_png(&c), Err(ChartError::Empty(_))));
    }
}
