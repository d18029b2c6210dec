//! `paddlers completions SHELL`: completion scripts from the same clap definitions as `--help`.

use clap::CommandFactory;

use super::args::{Cli, CompletionsArgs};

pub fn run(a: &CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "paddlers", &mut std::io::stdout());
    Ok(())
}
