//! docs/cli.md, generated from the clap definitions so the reference cannot drift from
//! `--help` (tests/cli_front_end.rs compares them; `PADDLERS_REGENERATE=1` rewrites it).

use clap::CommandFactory;

use super::args::Cli;

/// Help is rendered at this width whatever the terminal, so the file is the same everywhere.
const WIDTH: usize = 100;

/// The whole reference: the top-level help, then every subcommand's, depth first.
pub fn markdown() -> String {
    let mut out = String::from(
        "# paddlers command-line reference\n\n\
         Generated from the command definitions (`src/cli/args.rs`) by \
         `PADDLERS_REGENERATE=1 cargo test -p paddlers --test cli_front_end`; do not edit. \
         Each section is what `--help` prints.\n",
    );
    let mut cmd = Cli::command().term_width(WIDTH).max_term_width(WIDTH);
    cmd.build();
    section(&mut out, &mut cmd, "paddlers");
    out
}

fn section(out: &mut String, cmd: &mut clap::Command, path: &str) {
    out.push_str(&format!("\n## `{path}`\n\n```text\n"));
    let help = cmd.render_long_help().to_string();
    for line in help.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str("```\n");
    for sub in cmd.get_subcommands_mut() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("{path} {}", sub.get_name());
        section(out, sub, &name);
    }
}
