//! `drplan lsp` driven by real LSP messages over stdio: diagnostics as you type (with an
//! included file read from disk), definition, references, hover, completion, formatting.

use crate::test_builder::{drplan, unindent};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

const ESTATE: &str = "
    role it { kind owner }
    role manager { kind escalation }
    site main { kind office }
    site vault { kind vault }
    server fileserver { site main  cpu 4  memory 16GiB  disk 2TB }
";

const PLAN: &str = r#"
    include "estate.dr"
    plan clinic { owner it; escalation manager; rto 8h; rpo 24h; test-every 30d }
    server spare { site vault  cpu 4  memory 16GiB  disk 2TB }
    service files { on fileserver  failover spare after 4h  data 1TB  description "the shared drive" }
    backup nightly {
      of files
      full every 7d at 22:00
      incremental every 1d at 22:00
      to vault
      media tape
      rotate 2 media
      tested every 30d
      last-tested 2016-11-28
    }
    scenario server-loss {
      at tue 10:30 fail fileserver
      expect files rto 8h rpo 24h
      activation "the file server is down for more than 15 minutes"
      reconstitution "users open yesterday's files from the restored share"
    }
"#;

/// A client talking to one `drplan lsp` process.
struct Client {
    stdin: ChildStdin,
    messages: Receiver<Value>,
    child: std::process::Child,
    next_id: i64,
}

impl Client {
    fn start() -> Self {
        let mut child = drplan()
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start drplan lsp");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("Content-Length header")];
                reader.read_exact(&mut body).expect("message body");
                let message = serde_json::from_slice(&body).expect("JSON body");
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        Client {
            stdin: child.stdin.take().expect("stdin"),
            messages,
            child,
            next_id: 0,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its response's `result`.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let response = self.wait(|m| m["id"] == id && m.get("method").is_none());
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    }

    /// The next message that matches, skipping others (logs, other files' diagnostics).
    fn wait(&mut self, matches: impl Fn(&Value) -> bool) -> Value {
        loop {
            let message = self
                .messages
                .recv_timeout(Duration::from_secs(30))
                .expect("a message from the server within 30s");
            if matches(&message) {
                return message;
            }
        }
    }

    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        let message = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        message["params"]["diagnostics"]
            .as_array()
            .expect("diagnostics array")
            .clone()
    }
}

/// The LSP position (0-based line, UTF-16 column) of the `nth` occurrence of `needle`.
fn position(text: &str, needle: &str, nth: usize) -> Value {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} in the text"))
        .0;
    let line = text[..offset].matches('\n').count();
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": character})
}

#[test]
fn language_server_session() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let root = std::fs::canonicalize(dir.path()).expect("canonical temp dir");
    std::fs::write(root.join("estate.dr"), unindent(ESTATE)).expect("write estate");
    let plan_path = root.join("plan.dr");
    let uri = format!("file://{}", plan_path.display());
    let estate_uri = format!("file://{}", root.join("estate.dr").display());
    // An unknown reference, and a non-ASCII description before it on the same line.
    let good = unindent(PLAN);
    let bad = good.replace(
        "failover spare after 4h  data 1TB  description \"the shared drive\"",
        "description \"Ünïcode 😀\"  failover spaer after 4h  data 1TB",
    );
    std::fs::write(&plan_path, &bad).expect("write plan");

    let mut client = Client::start();
    let initialized = client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    assert_eq!(initialized["capabilities"]["definitionProvider"], true);
    assert_eq!(initialized["capabilities"]["hoverProvider"], true);
    client.notify("initialized", json!({}));

    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "drplan", "version": 1, "text": bad}}),
    );
    let diagnostics = client.diagnostics_for(&uri);
    let unknown = diagnostics
        .iter()
        .find(|d| d["code"] == "unknown-reference")
        .unwrap_or_else(|| panic!("unknown-reference in {diagnostics:#?}"));
    assert_eq!(unknown["severity"], 1);
    let start = position(&bad, "spaer", 0);
    assert_eq!(unknown["range"]["start"], start, "UTF-16 columns");
    assert_eq!(
        unknown["range"]["end"]["character"],
        start["character"].as_i64().unwrap() + 5
    );
    assert_eq!(client.diagnostics_for(&estate_uri), Vec::<Value>::new());

    // Definition of a name declared in the included file.
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": position(&bad, "fileserver", 0)}),
    );
    assert_eq!(definition[0]["uri"], estate_uri, "{definition}");
    assert_eq!(definition[0]["range"]["start"]["line"], 4);

    // References to `files`: the declaration, `of files`, `expect files`.
    let references = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": position(&bad, "files", 0),
               "context": {"includeDeclaration": true}}),
    );
    assert_eq!(references.as_array().map(Vec::len), Some(3), "{references}");

    // Completion after `media ` offers its values; after `of ` the declared names.
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": position(&bad, "tape", 0)}),
    );
    let labels: Vec<&str> = completion
        .as_array()
        .expect("completion items")
        .iter()
        .filter_map(|c| c["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"tape") && labels.contains(&"replica"),
        "{labels:?}"
    );
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": position(&bad, "files\n", 0)}),
    );
    let labels: Vec<&str> = completion
        .as_array()
        .expect("completion items")
        .iter()
        .filter_map(|c| c["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"fileserver") && labels.contains(&"vault"),
        "{labels:?}"
    );

    // Fixing the reference clears the diagnostics.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": good}]}),
    );
    assert_eq!(client.diagnostics_for(&uri), Vec::<Value>::new());

    // Hover on the service: kind, description and worst-case RTO and RPO.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position(&good, "files", 0)}),
    );
    let text = hover["contents"]["value"].as_str().expect("markdown hover");
    for part in [
        "**service** `files`",
        "the shared drive",
        "server loss",
        "site loss",
        "RTO",
        "RPO",
    ] {
        assert!(text.contains(part), "`{part}` in hover:\n{text}");
    }
    // Hover on a property name.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position(&good, "rotate", 0)}),
    );
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("property of `backup`"));

    // Formatting replaces the document with what `drplan fmt` makes of it (the test
    // plan is written on few lines, so it is not in the canonical layout).
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = drplan::fmt::format_source(&good).expect("the plan parses");
    assert_ne!(formatted, good, "the test plan should need formatting");
    assert_eq!(edits[0]["newText"], json!(formatted), "{edits}");

    // Text that cannot parse at all still gets diagnostics, not a crash.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3},
               "contentChanges": [{"text": "service { on , } } \"\u{0}\u{1f600} 12:99 {{{"}]}),
    );
    assert!(!client.diagnostics_for(&uri).is_empty());

    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("drplan lsp exits");
    assert!(status.success(), "{status}");
}
