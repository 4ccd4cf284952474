//! `drplan explain`: print a diagnostic code's page.

use super::args::ExplainArgs;
use super::output::print_stdout;
use super::{EXIT_OK, EXIT_USAGE};
use drplan::diagnostics::{did_you_mean, Code};
use std::fmt::Write;

pub fn run(args: &ExplainArgs) -> i32 {
    if args.list {
        let width = Code::ALL.iter().map(|c| c.name().len()).max().unwrap_or(0);
        let mut list = String::new();
        for code in Code::ALL {
            let severity = format!("{:?}", code.default_severity()).to_lowercase();
            let _ = writeln!(
                list,
                "{:<width$}  {severity:<7}  {}",
                code.name(),
                code.summary()
            );
        }
        print_stdout(&list);
        return EXIT_OK;
    }
    let wanted = args.code.as_deref().unwrap_or_default();
    match wanted.parse::<Code>() {
        Ok(code) => {
            print_stdout(code.explanation());
            EXIT_OK
        }
        Err(()) => {
            let name = wanted.strip_prefix("drplan::").unwrap_or(wanted);
            eprintln!("error: `{wanted}` is not a drplan diagnostic code");
            match did_you_mean(name, Code::ALL.iter().map(|c| c.name())) {
                Some(help) => eprintln!("help: {help}"),
                None => eprintln!("help: `drplan explain --list` prints every code"),
            }
            EXIT_USAGE
        }
    }
}
