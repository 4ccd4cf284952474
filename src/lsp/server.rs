//! The LSP session: open documents, each compiled on every change (with the files it
//! includes from disk), and the requests answered from that compile.

use super::complete::candidates;
use super::convert::{self, Files, LineIndex};
use super::hover;
use super::index::Index;
use crate::source::{FileId, SourceMap};
use crate::Compiled;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionOptions, CompletionParams, CompletionResponse,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DocumentFormattingParams, GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents,
    HoverParams, HoverProviderCapability, InitializeParams, InitializeResult, Location,
    MarkupContent, MarkupKind, OneOf, Position, ReferenceParams, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit, Uri,
};
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

/// Serve one client over a byte stream (the CLI passes stdin and stdout) until it exits.
pub async fn serve<I, O>(input: I, output: O)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let (service, socket) = LspService::new(|client| Backend {
        client,
        documents: Mutex::new(HashMap::new()),
    });
    Server::new(input, output, socket).serve(service).await;
}

/// One compile of an open document.
pub(super) struct Analysis {
    /// The document's text is file 0; included files follow.
    pub compiled: Compiled,
    pub index: Index,
    pub uris: Vec<Uri>,
    pub lines: Vec<LineIndex>,
}

impl Analysis {
    /// Compile a document's text; `uri` names it, and when it is a file, includes are
    /// read from disk relative to it.
    fn new(uri: &Uri, text: &str) -> Self {
        let path = uri.to_file_path().map(std::borrow::Cow::into_owned);
        let loaded = match &path {
            Some(path) => crate::load::load_buffer(path, text),
            None => crate::load::load_text(uri.as_str(), text),
        };
        let index = Index::new(&loaded.files);
        // The compiler is tested never to panic; an editor session should not end if it does.
        let compiled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| crate::compile(loaded)))
                .unwrap_or_else(|_| {
                    let mut sources = SourceMap::default();
                    sources.add(path.clone().unwrap_or_default(), text.to_string());
                    Compiled {
                        sources,
                        plan: None,
                        graph: None,
                        diagnostics: Vec::new(),
                        has_io_error: false,
                    }
                });
        let uris = compiled
            .sources
            .files()
            .map(|(id, file)| {
                if id == FileId(0) {
                    uri.clone()
                } else {
                    Uri::from_file_path(&file.path).unwrap_or_else(|| uri.clone())
                }
            })
            .collect();
        let lines = compiled
            .sources
            .files()
            .map(|(_, file)| LineIndex::new(&file.text))
            .collect();
        Analysis {
            compiled,
            index,
            uris,
            lines,
        }
    }

    pub fn files(&self) -> Files<'_> {
        Files {
            sources: &self.compiled.sources,
            uris: &self.uris,
            lines: &self.lines,
        }
    }

    /// The document's own text.
    pub fn text(&self) -> &str {
        &self.compiled.sources.file(FileId(0)).text
    }

    /// The byte offset of a position in the document.
    pub fn offset(&self, position: Position) -> usize {
        self.lines[0].offset(self.text(), position)
    }
}

/// An open document and the files its last compile published diagnostics for.
struct Document {
    analysis: Arc<Analysis>,
    published: Vec<Uri>,
}

struct Backend {
    client: Client,
    documents: Mutex<HashMap<Uri, Document>>,
}

impl Backend {
    fn analysis(&self, uri: &Uri) -> Option<Arc<Analysis>> {
        self.documents
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(uri)
            .map(|d| Arc::clone(&d.analysis))
    }

    /// Compile the new text and publish its diagnostics, per file; files that had
    /// diagnostics from the previous compile and have none now are cleared.
    async fn update(&self, uri: Uri, text: &str, version: Option<i32>) {
        let analysis = Arc::new(Analysis::new(&uri, text));
        let mut by_file: Vec<Vec<tower_lsp_server::ls_types::Diagnostic>> =
            vec![Vec::new(); analysis.uris.len()];
        let files = analysis.files();
        for diagnostic in &analysis.compiled.diagnostics {
            let file = diagnostic.primary_span().map_or(0, |s| s.file.0 as usize);
            by_file[file].push(convert::diagnostic(&files, diagnostic));
        }
        let previous = {
            let mut documents = self
                .documents
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let document = Document {
                analysis: Arc::clone(&analysis),
                published: analysis.uris.clone(),
            };
            documents
                .insert(uri.clone(), document)
                .map(|d| d.published)
                .unwrap_or_default()
        };
        for stale in previous.iter().filter(|u| !analysis.uris.contains(u)) {
            self.client
                .publish_diagnostics(stale.clone(), Vec::new(), None)
                .await;
        }
        for (index, diagnostics) in by_file.into_iter().enumerate() {
            let target = analysis.uris[index].clone();
            // Another file's URI can repeat the document's when it is not a file path.
            if index > 0 && target == uri {
                continue;
            }
            let version = if index == 0 { version } else { None };
            self.client
                .publish_diagnostics(target, diagnostics, version)
                .await;
        }
    }
}

/// Formats a whole document like `drplan fmt`, or `None` to leave it as it is (a
/// document with syntax errors is not formatted; its diagnostics say why).
fn format_document(text: &str) -> Option<String> {
    crate::fmt::format_source(text).ok()
}

impl LanguageServer for Backend {
    async fn initialize(&self, _: InitializeParams) -> Result<InitializeResult> {
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Kind(
                    TextDocumentSyncKind::FULL,
                )),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![" ".to_string(), ",".to_string()]),
                    ..CompletionOptions::default()
                }),
                document_formatting_provider: Some(OneOf::Left(true)),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "drplan".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            ..InitializeResult::default()
        })
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        self.update(document.uri, &document.text, Some(document.version))
            .await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Full sync: the last change holds the whole text.
        if let Some(change) = params.content_changes.into_iter().last() {
            let document = params.text_document;
            self.update(document.uri, &change.text, Some(document.version))
                .await;
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let removed = self
            .documents
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&params.text_document.uri);
        for uri in removed.map(|d| d.published).unwrap_or_default() {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let position = params.text_document_position_params;
        let Some(analysis) = self.analysis(&position.text_document.uri) else {
            return Ok(None);
        };
        let offset = analysis.offset(position.position);
        let Some(occurrence) = analysis.index.at(FileId(0), offset as u32) else {
            return Ok(None);
        };
        let files = analysis.files();
        let locations: Vec<Location> = analysis
            .index
            .declarations_of(&occurrence.name)
            .map(|d| files.location(d.span))
            .collect();
        Ok((!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations)))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let position = params.text_document_position;
        let Some(analysis) = self.analysis(&position.text_document.uri) else {
            return Ok(None);
        };
        let offset = analysis.offset(position.position);
        let Some(occurrence) = analysis.index.at(FileId(0), offset as u32) else {
            return Ok(None);
        };
        let files = analysis.files();
        let include_declaration = params.context.include_declaration;
        Ok(Some(
            analysis
                .index
                .occurrences_of(&occurrence.name)
                .filter(|o| include_declaration || o.declares.is_none())
                .map(|o| files.location(o.span))
                .collect(),
        ))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let Some(analysis) = self.analysis(&position.text_document.uri) else {
            return Ok(None);
        };
        let offset = analysis.offset(position.position);
        Ok(
            hover::hover(&analysis, offset).map(|(markdown, span)| Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: markdown,
                }),
                range: Some(analysis.lines[0].range(analysis.text(), span.0, span.1)),
            }),
        )
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let position = params.text_document_position;
        let Some(analysis) = self.analysis(&position.text_document.uri) else {
            return Ok(None);
        };
        let offset = analysis.offset(position.position);
        let items = candidates(analysis.text(), offset, &analysis.index)
            .into_iter()
            .map(|c| CompletionItem {
                kind: Some(if c.is_name {
                    CompletionItemKind::REFERENCE
                } else {
                    CompletionItemKind::KEYWORD
                }),
                label: c.label,
                detail: (!c.detail.is_empty()).then_some(c.detail),
                ..CompletionItem::default()
            })
            .collect();
        Ok(Some(CompletionResponse::Array(items)))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some(analysis) = self.analysis(&params.text_document.uri) else {
            return Ok(None);
        };
        let text = analysis.text();
        Ok(Some(match format_document(text) {
            Some(formatted) if formatted != text => vec![TextEdit::new(
                analysis.lines[0].range(text, 0, text.len()),
                formatted,
            )],
            _ => Vec::new(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// Every request at every offset of broken or unusual text answers without a panic.
    #[test]
    fn any_text_at_any_offset() {
        let texts = [
            "",
            "service",
            "service { on , } } { \"\u{1f600}",
            "plan p { rto 4h }\nservice s { on s  needs s  data 1TB }\nserver s { site x }",
            "rollout r { stage s { change c { on x  kind upgrade  rollback \"a\\q\" ",
            "\u{feff}site \u{e9}t\u{e9} { kind vault }\r\n# \u{1f600}\r\nscenario x { at sat 25:99 fail ",
            "defaults service { owner }  allow three-two-one \"x\"  include \"no/such/file.dr\"",
        ];
        let uri = Uri::from_str("untitled:plan.dr").unwrap();
        for text in texts {
            let analysis = Analysis::new(&uri, text);
            let files = analysis.files();
            for diagnostic in &analysis.compiled.diagnostics {
                let _ = convert::diagnostic(&files, diagnostic);
            }
            for offset in 0..=text.len() + 1 {
                let _ = hover::hover(&analysis, offset);
                let _ = candidates(text, offset, &analysis.index);
                let _ = analysis.index.at(FileId(0), offset as u32);
            }
        }
    }

    /// Every service of every shipped plan hovers with its worst case.
    #[test]
    fn shipped_plans_hover_with_worst_cases() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
        let mut hovers = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let uri = Uri::from_file_path(&path).unwrap();
            let analysis = Analysis::new(&uri, &text);
            if analysis.compiled.has_errors() {
                continue;
            }
            for declaration in analysis
                .index
                .declarations
                .iter()
                .filter(|d| d.kind == "service")
            {
                let (markdown, _) =
                    hover::hover(&analysis, declaration.span.start as usize).unwrap();
                assert!(
                    markdown.contains("- RTO: "),
                    "{}: {markdown}",
                    path.display()
                );
                if std::env::var_os("SHOW_HOVER").is_some() {
                    eprintln!("{markdown}\n=====");
                }
                hovers += 1;
            }
        }
        assert!(hovers > 0);
    }
}
