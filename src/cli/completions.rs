//! Shell completion scripts and manual pages, generated from the clap definition so
//! that they never drift from the real arguments.

use super::args::{Cli, CompletionsArgs, ManArgs};
use super::{EXIT_OK, EXIT_USAGE};
use clap::CommandFactory;

/// `drplan completions SHELL`: print the script to stdout.
pub fn run_completions(args: &CompletionsArgs) -> i32 {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "drplan", &mut std::io::stdout());
    EXIT_OK
}

/// `drplan man`: print `drplan.1` to stdout, or with `-o DIR` write it and one page per
/// subcommand (`drplan-check.1`, ...) into DIR.
pub fn run_man(args: &ManArgs) -> i32 {
    let command = Cli::command();
    let result = match &args.out_dir {
        None => clap_mangen::Man::new(command).render(&mut std::io::stdout()),
        Some(dir) => std::fs::create_dir_all(dir).and_then(|()| write_pages(command, dir)),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(error) => {
            eprintln!("error: cannot write the manual: {error}");
            EXIT_USAGE
        }
    }
}

/// Write the main page and one per visible subcommand, named `drplan-NAME.1`.
fn write_pages(command: clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
    let mut command = command.disable_help_subcommand(true);
    command.build();
    // `build` names each subcommand `drplan-NAME` for display, so its page is `drplan-NAME.1`.
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        clap_mangen::Man::new(sub.clone()).generate_to(dir)?;
    }
    clap_mangen::Man::new(command).generate_to(dir)?;
    Ok(())
}
