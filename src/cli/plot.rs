//! `paddlers plot`: Paddle's `python -m paddle.utils.plotcurve -i train.log -o plot.png
//! [keys]`, reading Paddle's own log lines or ours, drawn with axes, legend and title.

use std::io::{IsTerminal, Read, Write};

use anyhow::{bail, Context};
use paddlers_charts::{paddle_log, render_png};

use super::args::PlotArgs;

pub fn run(a: &PlotArgs) -> anyhow::Result<()> {
    let (text, name) = match &a.input {
        Some(p) if p.as_os_str() != "-" => {
            if p.is_dir() {
                bail!(
                    "--input={}: is a directory, not a training log",
                    p.display()
                );
            }
            let bytes = std::fs::read(p).with_context(|| format!("--input={}", p.display()))?;
            (
                String::from_utf8_lossy(&bytes).into_owned(),
                p.display().to_string(),
            )
        }
        _ => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("reading the log from standard input")?;
            (String::from_utf8_lossy(&buf).into_owned(), "stdin".into())
        }
    };
    let chart = paddle_log::read(&text)
        .chart(&a.keys, &format!("Training curves: {name}"))
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let png = render_png(&chart)?;
    match &a.output {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, &png).with_context(|| format!("writing {}", p.display()))?;
            tracing::info!(
                "wrote {} panel(s) ({}) to {}",
                chart.panels.len(),
                chart
                    .panels
                    .iter()
                    .map(|p| p.title.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                p.display()
            );
        }
        _ => {
            let mut out = std::io::stdout();
            if out.is_terminal() {
                bail!("refusing to write a PNG to a terminal: pass -o plot.png, or redirect");
            }
            out.write_all(&png)
                .context("writing the PNG to standard output")?;
        }
    }
    Ok(())
}
