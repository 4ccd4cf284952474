//! `drplan lsp`: the language server on standard input and output.

use super::{EXIT_OK, EXIT_USAGE};

/// Serve until the client exits.
pub fn run() -> i32 {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => {
            runtime.block_on(drplan::lsp::serve(tokio::io::stdin(), tokio::io::stdout()));
            EXIT_OK
        }
        Err(error) => {
            eprintln!("error: cannot start the language server: {error}");
            EXIT_USAGE
        }
    }
}
