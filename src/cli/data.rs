//! `paddlers data cifar10 --from SRC --out DIR`.

use super::args::DataArgs;

pub fn run(_args: &DataArgs) -> anyhow::Result<()> {
    anyhow::bail!("data conversion is not wired to the providers crate yet")
}
