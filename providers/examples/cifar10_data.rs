//! The converter behind `paddlers data cifar10`, runnable from this crate alone (the sample
//! script uses it so it does not depend on the CLI being built):
//!
//!     cargo run --release -p paddlers-providers --example cifar10_data -- \
//!         --from SRC --out DIR [--per_class N] [--test_per_class M]

use std::path::PathBuf;
use std::process::ExitCode;

use paddlers_providers::cifar_convert::{run, ConvertOptions};

fn parse() -> Result<ConvertOptions, String> {
    let mut o = ConvertOptions {
        from: PathBuf::new(),
        out: PathBuf::new(),
        per_class: None,
        test_per_class: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (k, v) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (a.clone(), args.next().ok_or(format!("{a} needs a value"))?),
        };
        let num = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| format!("{k}: not a number: {v}"))
        };
        match k.as_str() {
            "--from" => o.from = v.into(),
            "--out" => o.out = v.into(),
            "--per_class" => o.per_class = Some(num(&v)?),
            "--test_per_class" => o.test_per_class = Some(num(&v)?),
            _ => return Err(format!("unknown flag {k}")),
        }
    }
    if o.from.as_os_str().is_empty() || o.out.as_os_str().is_empty() {
        return Err(
            "usage: cifar10_data --from SRC --out DIR [--per_class N] [--test_per_class M]".into(),
        );
    }
    Ok(o)
}

fn main() -> ExitCode {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&o) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
