//! The language server (`drplan lsp`): diagnostics as you type, go to definition, find
//! references, hover with worst-case RTO and RPO, completion and formatting. Reads
//! the pipeline's output only; must never panic on any document text.

mod complete;
mod convert;
mod hover;
mod index;
mod server;

pub use server::serve;
