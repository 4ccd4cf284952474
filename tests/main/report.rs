//! `drplan report` through the real binary: the document (snapshots), escaping, exit
//! codes, the atomic write, determinism, and a render in headless Chromium.

use crate::test_builder::{drplan, unindent, Output};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A small plan with a scenario, a rollout and failure data for Monte Carlo.
const SMALL_PLAN: &str = "
    plan clinic { owner it  escalation manager  rto 4h  rpo 24h }
    role it { kind owner }
    role manager { kind escalation }
    site main { kind office }
    site vault { kind vault }
    server fileserver { site main  cpu 4  memory 16GiB  disk 2TB  mtbf 5y }
    server spare { site vault  cpu 4  memory 16GiB  disk 2TB }
    service files { on fileserver  failover spare after 1h  data 1TB  rto 4h  rpo 24h }
    service intranet { on fileserver  needs files  rto 8h }
    backup nightly {
      of files
      full every 7d at 22:00
      incremental every 1d at 22:00
      to vault
      media tape
      offsite vault every 1d
      tested every 30d
      last-tested 2016-11-28
      allow three-two-one \"one copy by design\"
    }
    rollout upgrade {
      window sat 08:00 .. sat 20:00
      stage patch {
        go-no-go sat 16:00
        change patch-files {
          on fileserver
          kind upgrade
          takes 3h
          snapshot before
          precheck \"backup of last night restored\"
          verify smoke \"open a file\"
          verify load-test \"50 users\"
          rollback restore-snapshot
        }
      }
    }
    scenario server-loss {
      at tue 10:30 fail fileserver
      expect files rto 4h rpo 24h
      activation \"the file server is down for more than 15 minutes\"
      reconstitution \"users open yesterday's files from the restored share\"
    }
";

/// Write `files` (unindented) into a fresh temp dir and run `drplan` there; the dir
/// lives as long as the returned handle.
fn run_in(files: &[(&str, &str)], args: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("create dir");
        std::fs::write(&full, unindent(text)).expect("write file");
    }
    let output = drplan()
        .args(args)
        .current_dir(dir.path())
        .output()
        .expect("run drplan");
    let output = Output {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        status: output.status.code().unwrap_or(-1),
    };
    assert!(!output.stderr.contains("panicked"), "{output:#?}");
    (dir, output)
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The outline a reader navigates by: headings, charts with their labels, tables.
fn outline(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = &rest[..end];
        for (open, close) in [
            ("<title>", "</title>"),
            ("<h1>", "</h1>"),
            ("<h2>", "</h2>"),
            ("<h3>", "</h3>"),
            ("<h4>", "</h4>"),
            ("<caption class=\"muted\">", "</caption>"),
        ] {
            if tag == open && !out.ends_with("svg\n") {
                let text = &rest[open.len()..rest.find(close).unwrap_or(rest.len())];
                out.push_str(&format!(
                    "{} {}\n",
                    &open[1..3],
                    text.replace("<code>", "`").replace("</code>", "`")
                ));
            }
        }
        if tag.starts_with("<svg") {
            let class = tag
                .split("class=\"")
                .nth(1)
                .and_then(|s| s.split('"').next());
            let label = tag
                .split("aria-label=\"")
                .nth(1)
                .and_then(|s| s.split('"').next());
            let body = &rest[..rest.find("</svg>").unwrap_or(rest.len())];
            out.push_str(&format!(
                "  svg {} \"{}\" ({} shapes)\n",
                class.unwrap_or(""),
                label.unwrap_or(""),
                body.matches("<rect").count() + body.matches("<path").count()
            ));
            rest = &rest[body.len()..];
            continue;
        }
        rest = &rest[end..];
    }
    out
}

#[test]
fn report_of_a_small_plan() {
    let (dir, output) = run_in(
        &[("plan.dr", SMALL_PLAN)],
        &[
            "report",
            "plan.dr",
            "-o",
            "report.html",
            "--trials",
            "300",
            "--seed",
            "3",
        ],
    );
    assert_eq!(output.status, 0, "{output:#?}");
    insta::assert_snapshot!(read(&dir.path().join("report.html")));
}

#[test]
fn report_outline_of_the_ehr_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dir.path().join("ehr.html");
    let status = drplan()
        .args(["report", "plans/ehr-weekend-upgrade.dr", "-o"])
        .arg(&output)
        .current_dir(manifest())
        .status()
        .expect("run drplan");
    assert_eq!(status.code(), Some(0));
    insta::assert_snapshot!(outline(&read(&output)));
}

#[test]
fn plan_strings_and_paths_are_escaped() {
    let plan = r#"
        plan clinic {
          owner it  escalation it  rto 4h  rpo 1h
          description "<script>alert('x')</script> & \"quoted\""
        }
        role it { kind owner  person "<b>Pat</b> & Co" }
        site main { kind office  location "R&D <lab>" }
        server s1 { site main  cpu 2  memory 4GiB }
        service web {
          on s1
          description "web </svg><script>alert(1)</script>"
          allow no-backup "it's \"stateless\" & <fine>"
        }
        scenario loss {
          at mon 09:00 fail s1
          description "<img src=x onerror=alert(1)>"
          activation "\"now\" & <then>"
          reconstitution "it's back"
        }
        "#;
    let name = "a<b>&\"c\".dr";
    let (dir, output) = run_in(&[(name, plan)], &["report", name, "-o", "out.html"]);
    assert!(output.status <= 1, "{output:#?}");
    let html = read(&dir.path().join("out.html"));
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"),
        "{html}"
    );
    assert!(html.contains("web &lt;/svg&gt;&lt;script&gt;"), "{html}");
    assert!(html.contains("a&lt;b&gt;&amp;&quot;c&quot;.dr"), "{html}");
    // Every `&` starts an entity.
    for (k, _) in html.match_indices('&') {
        let entity = &html[k..html.len().min(k + 8)];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| entity.starts_with(e)),
            "bare & at {k}: {entity}"
        );
    }
}

#[test]
fn a_plan_with_errors_is_reported_and_exits_1() {
    let plan = "
        plan clinic { owner it  escalation it  rto 4h  rpo 1h }
        role it { kind owner }
        server s1 { site nowhere }
        ";
    let (dir, output) = run_in(
        &[("plan.dr", plan)],
        &["report", "plan.dr", "-o", "report.html"],
    );
    assert_eq!(output.status, 1, "{output:#?}");
    assert!(output.stderr.contains("the report shows"), "{output:#?}");
    let html = read(&dir.path().join("report.html"));
    assert!(html.contains("unknown-reference"), "{html}");
    assert!(html.contains("plan.dr:3:"), "{html}");
    assert!(html.contains("Not simulated"), "{html}");
}

#[test]
fn unreadable_plans_and_unwritable_outputs_exit_2_without_a_report() {
    let (dir, output) = run_in(&[], &["report", "missing.dr", "-o", "report.html"]);
    assert_eq!(output.status, 2, "{output:#?}");
    assert!(output.stderr.contains("no report written"), "{output:#?}");
    assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));

    let (_dir, output) = run_in(
        &[("plan.dr", SMALL_PLAN)],
        &["report", "plan.dr", "-o", "no-such-dir/report.html"],
    );
    assert_eq!(output.status, 2, "{output:#?}");
    assert!(
        output.stderr.contains("cannot write the report"),
        "{output:#?}"
    );

    // A directory in the way: the rename fails and the temp file is removed.
    let (dir, output) = run_in(
        &[("plan.dr", SMALL_PLAN), ("report.html/keep", "")],
        &["report", "plan.dr", "-o", "report.html"],
    );
    assert_eq!(output.status, 2, "{output:#?}");
    assert_eq!(listing(dir.path()), ["plan.dr", "report.html"]);

    // No output path.
    let (_dir, output) = run_in(&[("plan.dr", SMALL_PLAN)], &["report", "plan.dr"]);
    assert_eq!(output.status, 2, "{output:#?}");
}

#[test]
fn the_report_replaces_the_output_atomically_and_leaves_no_temp_file() {
    let (dir, output) = run_in(
        &[("plan.dr", SMALL_PLAN), ("out/report.html", "old")],
        &["report", "plan.dr", "-o", "out/report.html"],
    );
    assert_eq!(output.status, 0, "{output:#?}");
    assert_eq!(listing(&dir.path().join("out")), ["report.html"]);
    assert!(read(&dir.path().join("out/report.html")).starts_with("<!DOCTYPE html>"));
}

#[test]
fn the_same_seed_gives_the_same_report_whatever_the_threads() {
    let run = |threads: &str| {
        let output = drplan()
            .args([
                "report",
                "plans/virtual-dr-standby.dr",
                "-o",
                "-",
                "--trials",
                "2000",
                "--seed",
                "5",
                "--threads",
                threads,
            ])
            .current_dir(manifest())
            .output()
            .expect("run drplan");
        assert_eq!(output.status.code(), Some(0));
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let one = run("1");
    assert!(one.contains("2000 trials"), "{one}");
    assert_eq!(one, run("2"));
}

/// The Chromium binary, if one is installed.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
}

#[test]
fn the_report_renders_in_headless_chromium_without_console_errors() {
    let Some(browser) = chromium() else {
        eprintln!("note: chromium is not installed; the browser test is skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.html");
    let status = drplan()
        .args(["report", "plans/drive-array-clone.dr", "-o"])
        .arg(&report)
        .args(["--trials", "2000"])
        .current_dir(manifest())
        .status()
        .expect("run drplan");
    assert_eq!(status.code(), Some(0));
    let mut child = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", report.display()))
        // Files, not pipes: a DOM larger than a pipe's buffer would block the browser.
        .stdout(std::fs::File::create(dir.path().join("dom.html")).expect("dom file"))
        .stderr(std::fs::File::create(dir.path().join("log.txt")).expect("log file"))
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let dom = read(&dir.path().join("dom.html"));
    let log = read(&dir.path().join("log.txt"));
    assert!(dom.contains("<title>drplan report: "), "{dom}");
    for class in [
        "chart graph",
        "chart gantt",
        "chart histogram",
        "chart rollout",
    ] {
        assert!(
            dom.contains(&format!("class=\"{class}\"")),
            "no {class} in the DOM"
        );
    }
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
}

#[test]
fn the_rollout_table_dates_each_stage() {
    // Dated as the book's "How stages are dated": the first Saturday window on or after
    // Monday 4 March, then the first one after that stage and its 1d soak.
    let plan = SMALL_PLAN
        .replace(
            "window sat 08:00 .. sat 20:00",
            "window sat 08:00 .. sat 20:00  starts 2024-03-04  soak 1d",
        )
        .replace(
            "rollback restore-snapshot\n        }\n      }",
            "rollback restore-snapshot\n        }\n      }\n      stage second { }",
        );
    let (dir, output) = run_in(
        &[("plan.dr", &plan)],
        &["report", "plan.dr", "-o", "report.html", "--trials", "10"],
    );
    assert_eq!(output.status, 0, "{output:#?}");
    let html = read(&dir.path().join("report.html"));
    assert!(html.contains("<th scope=\"col\">starts</th>"), "{html}");
    assert!(
        html.contains("<td>Saturday 2024-03-09 08:00</td></tr>"),
        "{html}"
    );
    assert!(
        html.contains("<td>Saturday 2024-03-16 08:00</td></tr>"),
        "{html}"
    );
}
