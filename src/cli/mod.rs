//! The command-line surface: definitions shared by `paddlers` and `paddlers-runtime`, Paddle's
//! flag forms, logging set-up, and the handing of computing commands to the runtime binary.

pub mod args;
pub mod completions;
pub mod data;
pub mod dump_config;
pub mod flags;
pub mod handoff;
pub mod launch;
pub mod logging;
pub mod panic;
pub mod plot;
pub mod reference;

pub use args::{parse_from, Cli, Command};

/// How a command's error reaches the user: the whole cause chain, each cause on its own line
/// unless it already appears in the message above it (diagnostics carry their own context).
pub fn render_error(err: &anyhow::Error) -> String {
    let mut out = format!("error: {err}");
    let mut shown = err.to_string();
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !shown.contains(&c) {
            out.push_str(&format!("\n  caused by: {c}"));
            shown.push_str(&c);
        }
    }
    out
}
