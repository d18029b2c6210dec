//! Paddle's gflags-style boolean flags, accepted everywhere: `--use_gpu=true`, `--use_gpu true`,
//! `--use_gpu` alone, and `=1/0/false`. clap cannot express "optional value, but only when it
//! looks like a bool" without eating the next positional argument, so the argument vector is
//! normalized to `--flag=value` before clap sees it.

/// Words gflags accepts for a boolean, and what they mean.
pub fn parse_bool_word(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "y" => Some(true),
        "false" | "f" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// clap value parser for boolean flags, with a message that lists what is accepted.
pub fn bool_value(s: &str) -> Result<bool, String> {
    parse_bool_word(s)
        .ok_or_else(|| format!("'{s}' is not a boolean; use true/false, 1/0, yes/no, t/f or y/n"))
}

/// Rewrites `--flag` and `--flag WORD` into `--flag=true` / `--flag=WORD` for every flag named
/// in `bool_flags` (without the leading dashes). Gflags also accepts a single leading dash and
/// `--noflag`; both are rewritten too. Everything after a bare `--` is left alone.
pub fn normalize_bool_flags(args: Vec<String>, bool_flags: &[&str]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut it = args.into_iter().peekable();
    let mut verbatim = false;
    while let Some(arg) = it.next() {
        if verbatim || !arg.starts_with('-') || arg == "-" {
            out.push(arg);
            continue;
        }
        if arg == "--" {
            verbatim = true;
            out.push(arg);
            continue;
        }
        let body = arg.trim_start_matches('-');
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        if bool_flags.contains(&name) {
            let value = match value {
                Some(v) => v.to_string(),
                None => match it.peek().and_then(|next| parse_bool_word(next)) {
                    Some(_) => it.next().expect("peeked"),
                    None => "true".to_string(),
                },
            };
            out.push(format!("--{name}={value}"));
        } else if let Some(neg) = name.strip_prefix("no").filter(|n| bool_flags.contains(n)) {
            if value.is_none() {
                out.push(format!("--{neg}=false"));
            } else {
                out.push(arg);
            }
        } else if !arg.starts_with("--") && body.len() > 1 && body.contains('_') {
            // `-use_gpu=1`: gflags accepts one dash for long names; clap wants two.
            out.push(format!("-{arg}"));
        } else {
            out.push(arg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize_bool_flags(
            args.iter().map(|s| s.to_string()).collect(),
            &["use_gpu", "whole", "local"],
        )
    }

    #[test]
    fn every_paddle_bool_form_becomes_name_equals_value() {
        assert_eq!(norm(&["--use_gpu=true"]), ["--use_gpu=true"]);
        assert_eq!(norm(&["--use_gpu", "true"]), ["--use_gpu=true"]);
        assert_eq!(norm(&["--use_gpu", "0"]), ["--use_gpu=0"]);
        assert_eq!(norm(&["--use_gpu"]), ["--use_gpu=true"]);
        assert_eq!(norm(&["--use_gpu=false"]), ["--use_gpu=false"]);
        assert_eq!(norm(&["--nouse_gpu"]), ["--use_gpu=false"]);
        assert_eq!(norm(&["-use_gpu=1"]), ["--use_gpu=1"]);
    }

    #[test]
    fn a_bare_bool_flag_does_not_eat_a_positional_argument() {
        assert_eq!(
            norm(&["--whole", "a.py", "x=1"]),
            ["--whole=true", "a.py", "x=1"]
        );
        assert_eq!(
            norm(&["--use_gpu", "--whole"]),
            ["--use_gpu=true", "--whole=true"]
        );
    }

    #[test]
    fn non_bool_flags_and_verbatim_args_are_untouched() {
        assert_eq!(norm(&["--config", "x.cfg"]), ["--config", "x.cfg"]);
        assert_eq!(norm(&["--", "--use_gpu"]), ["--", "--use_gpu"]);
        assert_eq!(norm(&["-v"]), ["-v"]);
        assert_eq!(norm(&["-config=x"]), ["-config=x"]);
    }

    #[test]
    fn bool_words() {
        for t in ["true", "True", "1", "yes", "t", "y"] {
            assert_eq!(bool_value(t), Ok(true), "{t}");
        }
        for f in ["false", "FALSE", "0", "no", "f", "n"] {
            assert_eq!(bool_value(f), Ok(false), "{f}");
        }
        assert!(bool_value("maybe")
            .unwrap_err()
            .contains("'maybe' is not a boolean"));
    }
}
