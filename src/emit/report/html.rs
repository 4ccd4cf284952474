//! The report document: the sections in order, each plan string escaped, the charts
//! inline. The output depends only on its input: no clock, no absolute paths.

use super::histogram::Chart;
use super::svg::escape;
use super::{gantt, graph, histogram, rollout};
use crate::analysis::timing::arithmetic::format_minute;
use crate::analysis::StageTimeline;
use crate::diagnostics::render::{self, HumanStyle};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::graph::Graph;
use crate::model::{Plan, Seconds};
use crate::simulate::monte_carlo::{self, Probability, Quantiles};
use crate::simulate::scripted::{self, DataLossBasis};
use crate::source::SourceMap;
use crate::syntax::units::{format_duration, format_time_of_week};
use std::collections::BTreeMap;
use std::fmt::Write;

const STYLE: &str = include_str!("style.css");
/// Diagnostics of one code shown in full; the rest are counted (as `check` does).
const SHOWN_PER_CODE: usize = 25;
/// Services with their own Monte Carlo histograms.
const SHOWN_SERVICES: usize = 6;

/// What the report shows.
pub struct Input<'a> {
    /// The plan's path as given on the command line.
    pub path: &'a str,
    pub sources: &'a SourceMap,
    pub diagnostics: &'a [Diagnostic],
    pub plan: Option<&'a Plan>,
    pub graph: Option<&'a Graph>,
    /// `None` when errors keep the plan from being simulated.
    pub results: Option<Results<'a>>,
}

/// The simulations and estimates of a plan that compiles.
pub struct Results<'a> {
    pub scenarios: &'a [scripted::Report],
    pub monte_carlo: Option<&'a monte_carlo::Report>,
    /// Per rollout, its stages laid out over their windows.
    pub rollouts: &'a [Vec<StageTimeline>],
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The report as one HTML document.
pub fn html(input: &Input) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let name = input
        .plan
        .map_or_else(|| input.path.to_string(), |p| p.name.to_string());
    let title = format!("drplan report: {name}");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"drplan {}\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&title)
    );
    let _ = writeln!(
        out,
        "<header>\n<h1>Disaster-recovery report: <code>{}</code></h1>",
        escape(&name)
    );
    if let Some(description) = input.plan.and_then(|p| p.settings.description.as_deref()) {
        let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", escape(description));
    }
    let files: Vec<String> = input
        .sources
        .files()
        .filter(|(_, f)| !f.name.starts_with("--set "))
        .map(|(_, f)| format!("<code>{}</code>", escape(&f.name)))
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"muted\">Plan <code>{}</code> ({}: {}), compiled by drplan {}.</p>",
        escape(input.path),
        plural(files.len(), "file"),
        files.join(", "),
        env!("CARGO_PKG_VERSION")
    );
    let errors = input
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = input.diagnostics.len() - errors;
    let (class, status) = match (errors, warnings) {
        (0, 0) => ("ok", "No problems found.".to_string()),
        (0, w) => ("warning", format!("{}.", plural(w, "warning"))),
        (e, w) => (
            "error",
            format!("{}, {}.", plural(e, "error"), plural(w, "warning")),
        ),
    };
    let _ = writeln!(out, "<p class=\"status {class}\">{status}</p>\n</header>");
    out.push_str("<nav aria-label=\"Contents\">\n<h2>Contents</h2>\n<ul>\n<li><a href=\"#check\">Check</a></li>\n");
    if input.plan.is_some() && input.graph.is_some() {
        out.push_str("<li><a href=\"#graph\">Dependency graph</a></li>\n");
    }
    if input.results.is_some() {
        out.push_str("<li><a href=\"#scenarios\">Scenarios</a></li>\n<li><a href=\"#monte-carlo\">Monte Carlo</a></li>\n<li><a href=\"#rollouts\">Rollouts</a></li>\n");
    }
    out.push_str("</ul>\n</nav>\n<main>\n");

    check(&mut out, input, errors, warnings);
    if let (Some(plan), Some(graph)) = (input.plan, input.graph) {
        dependency_graph(&mut out, plan, graph);
    }
    match (input.plan, &input.results) {
        (Some(plan), Some(results)) => {
            scenarios(&mut out, plan, results.scenarios);
            monte_carlo_section(&mut out, plan, results.monte_carlo);
            rollouts(&mut out, plan, results.rollouts);
        }
        _ => out.push_str(
            "<section id=\"simulation\">\n<h2>Simulation</h2>\n<p>Not simulated: the plan has errors that keep it from compiling. Fix them (see above) and run <code>drplan report</code> again.</p>\n</section>\n",
        ),
    }
    out.push_str("</main>\n<footer>\n<p class=\"muted\">Generated by <code>drplan report</code>. Simulated figures are estimates from the plan's declared numbers; see <code>drplan simulate</code> for the full text.</p>\n</footer>\n</body>\n</html>\n");
    out
}

/// The check summary: counts by code, then each diagnostic with its location.
fn check(out: &mut String, input: &Input, errors: usize, warnings: usize) {
    out.push_str("<section id=\"check\">\n<h2>Check</h2>\n");
    if input.diagnostics.is_empty() {
        out.push_str("<p class=\"ok\">No errors and no warnings: every safety rule passes.</p>\n</section>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<p>{} and {}, as <code>drplan check</code> reports them.</p>",
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    let mut by_code: BTreeMap<(std::cmp::Reverse<Severity>, Code), usize> = BTreeMap::new();
    for d in input.diagnostics {
        *by_code
            .entry((std::cmp::Reverse(d.severity), d.code))
            .or_default() += 1;
    }
    out.push_str("<table>\n<caption class=\"muted\">Diagnostics by code</caption>\n<thead><tr><th scope=\"col\">severity</th><th scope=\"col\">code</th><th scope=\"col\">count</th><th scope=\"col\">what it means</th></tr></thead>\n<tbody>\n");
    for ((severity, code), count) in &by_code {
        let severity = severity_name(severity.0);
        let _ = writeln!(
            out,
            "<tr><td class=\"{severity}\">{severity}</td><td><code>{}</code></td><td class=\"num\">{count}</td><td>{}</td></tr>",
            escape(code.name()),
            escape(code.summary())
        );
    }
    out.push_str("</tbody>\n</table>\n");
    let mut shown: BTreeMap<Code, usize> = BTreeMap::new();
    for diagnostic in input.diagnostics {
        let count = shown.entry(diagnostic.code).or_default();
        *count += 1;
        if *count > SHOWN_PER_CODE {
            continue;
        }
        let severity = severity_name(diagnostic.severity);
        let location = diagnostic.primary_span().map(|span| {
            let l = render::location(input.sources, span);
            format!("{}:{}:{}", l.file, l.line, l.column)
        });
        let _ = writeln!(
            out,
            "<article class=\"diagnostic {severity}\">\n<p><strong class=\"{severity}\">{severity}[{}]</strong>: {}</p>",
            escape(diagnostic.code.name()),
            escape(&diagnostic.message)
        );
        if let Some(location) = location {
            let _ = writeln!(
                out,
                "<p class=\"muted\">at <code>{}</code></p>",
                escape(&location)
            );
        }
        if let Some(help) = &diagnostic.help {
            let _ = writeln!(out, "<p>help: {}</p>", escape(help));
        }
        let text = render::human(
            diagnostic,
            input.sources,
            HumanStyle {
                color: false,
                width: 100,
            },
        );
        let _ = writeln!(
            out,
            "<details><summary>as printed by <code>drplan check</code></summary><pre>{}</pre></details>\n</article>",
            escape(text.trim_end())
        );
    }
    for (code, count) in &shown {
        if *count > SHOWN_PER_CODE {
            let _ = writeln!(
                out,
                "<p class=\"muted\">… and {} more <code>{}</code> diagnostics (<code>drplan check --format json</code> lists them all).</p>",
                count - SHOWN_PER_CODE,
                escape(code.name())
            );
        }
    }
    out.push_str("</section>\n");
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn dependency_graph(out: &mut String, plan: &Plan, graph: &Graph) {
    let _ = writeln!(
        out,
        "<section id=\"graph\">\n<h2>Dependency graph</h2>\n<p>{}, {}, {}, {} and {}. Each arrow points from a component to what it depends on; what nothing depends on is at the top. Background bands are sites.</p>\n<figure>\n{}\n<figcaption>Services (rounded, bold when high or critical), vms (dashed), servers and storage (cylinders), by dependency depth and site.</figcaption>\n</figure>\n</section>",
        plural(plan.sites.len(), "site"),
        plural(plan.storage.len(), "storage system"),
        plural(plan.servers.len(), "server"),
        plural(plan.vms.len(), "vm"),
        plural(plan.services.len(), "service"),
        graph::svg(plan, graph)
    );
}

fn scenarios(out: &mut String, plan: &Plan, reports: &[scripted::Report]) {
    out.push_str("<section id=\"scenarios\">\n<h2>Scenarios</h2>\n");
    if reports.is_empty() {
        out.push_str("<p>The plan has no scenario with scripted failures (<code>at TIME fail NAME</code>).</p>\n</section>\n");
        return;
    }
    for (k, report) in reports.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section class=\"scenario\" id=\"scenario-{k}\">\n<h3>Scenario <code>{}</code></h3>",
            escape(&report.scenario)
        );
        if let Some(description) = &report.description {
            let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", escape(description));
        }
        let _ = writeln!(
            out,
            "<p>Clock starts {}; failures noticed after {}; {} at once.</p>",
            escape(&report.start.clock),
            format_duration(report.detect),
            plural(report.restore_parallelism as usize, "restore")
        );
        let _ = writeln!(
            out,
            "<figure>\n{}\n<figcaption>Recovery timeline of <code>{}</code>: one row per service that went down, hours from the first failure.</figcaption>\n</figure>",
            gantt::svg(plan, report),
            escape(&report.scenario)
        );
        if !report.expectations.is_empty() {
            out.push_str("<table>\n<caption class=\"muted\">Expectations</caption>\n<thead><tr><th scope=\"col\">result</th><th scope=\"col\">service</th><th scope=\"col\">RTO</th><th scope=\"col\">RPO</th></tr></thead>\n<tbody>\n");
            for e in &report.expectations {
                let check = |name: &str, c: Option<scripted::Check>| {
                    c.map_or(String::new(), |c| {
                        let actual = match (name, c.actual) {
                            ("rto", None) => "never back".to_string(),
                            (_, None) => "all data".to_string(),
                            (_, Some(a)) => format_duration(a),
                        };
                        format!(
                            "{} of {} ({})",
                            actual,
                            format_duration(c.limit),
                            if c.holds { "within" } else { "over" }
                        )
                    })
                };
                let _ = writeln!(
                    out,
                    "<tr><td class=\"{}\">{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    if e.holds { "ok" } else { "error" },
                    if e.holds { "holds" } else { "FAILS" },
                    escape(&e.service),
                    check("rto", e.rto),
                    check("rpo", e.rpo)
                );
            }
            out.push_str("</tbody>\n</table>\n");
        }
        if !report.services.is_empty() {
            out.push_str("<table class=\"services\">\n<caption class=\"muted\">Services</caption>\n<thead><tr><th scope=\"col\">service</th><th scope=\"col\">down</th><th scope=\"col\">back</th><th scope=\"col\">outage</th><th scope=\"col\">data lost</th><th scope=\"col\">recovery</th></tr></thead>\n<tbody>\n");
            for s in &report.services {
                let lost = match (s.data_lost, s.data_loss_basis) {
                    (None, _) | (_, DataLossBasis::NoRestorePoint) => {
                        "all (no restore point)".to_string()
                    }
                    (Some(0), DataLossBasis::None) => "none".to_string(),
                    (Some(l), DataLossBasis::Exact) => format!("{} (exact)", format_duration(l)),
                    (Some(l), DataLossBasis::WorstCase) => {
                        format!("{} (worst case)", format_duration(l))
                    }
                    (Some(l), DataLossBasis::None) => format_duration(l),
                };
                let _ = writeln!(
                    out,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&s.service),
                    escape(&s.down_at.clock),
                    s.back_at.as_ref().map_or("never".to_string(), |t| escape(&t.clock)),
                    s.outage.map_or("not recovered".to_string(), format_duration),
                    lost,
                    escape(&s.recovery)
                );
            }
            out.push_str("</tbody>\n</table>\n");
        }
        out.push_str("</section>\n");
    }
    out.push_str("</section>\n");
}

fn percent(p: Probability) -> String {
    format!(
        "{:.2}% <span class=\"muted\">(95%: {:.2}–{:.2}%)</span>",
        p.estimate * 100.0,
        p.low * 100.0,
        p.high * 100.0
    )
}

fn quantile(value: Option<u64>, unbounded: &str) -> String {
    value.map_or(unbounded.to_string(), format_duration)
}

fn quantile_row(out: &mut String, label: &str, q: &Quantiles, unbounded: &str) {
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">{label}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
        q.trials,
        quantile(q.p50, unbounded),
        quantile(q.p90, unbounded),
        quantile(q.p99, unbounded),
        quantile(q.max, unbounded)
    );
}

fn monte_carlo_section(out: &mut String, plan: &Plan, report: Option<&monte_carlo::Report>) {
    out.push_str("<section id=\"monte-carlo\">\n<h2>Monte Carlo</h2>\n");
    let Some(report) = report else {
        out.push_str("<p>Not run: no scenario declares <code>random over</code>; run <code>drplan report</code> with <code>--trials N --seed S</code> for one.</p>\n</section>\n");
        return;
    };
    let _ = writeln!(
        out,
        "<p>{} trials over {} (seed {}), {} with failure data; the same seed gives the same report.</p>",
        report.trials,
        format_duration(report.mission),
        report.seed,
        plural(report.components, "component")
    );
    if report.components == 0 {
        out.push_str("<p>No component declares <code>mtbf</code> or <code>fail-probability</code>: nothing can fail at random.</p>\n</section>\n");
        return;
    }
    let p = &report.plan;
    out.push_str(
        "<table>\n<caption class=\"muted\">The plan over the mission</caption>\n<tbody>\n",
    );
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">some service down</th><td>{}</td></tr>",
        percent(p.down)
    );
    if let Some(holds) = p.rto_holds {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">every RTO holds</th><td>{}</td></tr>",
            percent(holds)
        );
    }
    if let Some(holds) = p.rpo_holds {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">every RPO holds</th><td>{}</td></tr>",
            percent(holds)
        );
    }
    out.push_str("</tbody>\n</table>\n<table>\n<caption class=\"muted\">Over the trials where a service was down</caption>\n<thead><tr><th></th><th scope=\"col\">trials</th><th scope=\"col\">p50</th><th scope=\"col\">p90</th><th scope=\"col\">p99</th><th scope=\"col\">max</th></tr></thead>\n<tbody>\n");
    quantile_row(out, "longest outage", &p.outage, "never back");
    quantile_row(out, "largest data loss", &p.data_loss, "all");
    out.push_str("</tbody>\n</table>\n");
    let rto = plan.settings.rto;
    let rpo = plan.settings.rpo;
    out.push_str("<div class=\"charts\">\n");
    figure(
        out,
        &Chart {
            label: "Longest outage of any service per affected trial",
            histogram: &p.outage_histogram,
            objective: rto.map(|r| ("plan RTO", r)),
            zero_label: "0",
            unbounded_label: "never",
        },
    );
    figure(
        out,
        &Chart {
            label: "Largest data loss of any service per affected trial",
            histogram: &p.data_loss_histogram,
            objective: rpo.map(|r| ("plan RPO", r)),
            zero_label: "none",
            unbounded_label: "all",
        },
    );
    out.push_str("</div>\n");
    // The services most likely to miss an objective, then most often down.
    let services = report.services_by_risk();
    if services.is_empty() {
        out.push_str("</section>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<h3>Services</h3>\n<p>{} of {} services were ever down; the {} most likely to miss an objective are charted.</p>",
        services.len(),
        report.services.len(),
        services.len().min(SHOWN_SERVICES)
    );
    out.push_str("<table>\n<thead><tr><th scope=\"col\">service</th><th scope=\"col\">down</th><th scope=\"col\">RTO holds</th><th scope=\"col\">RPO holds</th></tr></thead>\n<tbody>\n");
    for s in &services {
        let holds = |objective: Option<u64>, p: Option<Probability>| match (objective, p) {
            (Some(o), Some(p)) => format!("{}: {}", format_duration(o), percent(p)),
            _ => "<span class=\"muted\">no objective</span>".to_string(),
        };
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.name),
            percent(s.down),
            holds(s.rto, s.rto_holds),
            holds(s.rpo, s.rpo_holds)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    for s in services.iter().take(SHOWN_SERVICES) {
        let _ = writeln!(
            out,
            "<h4><code>{}</code></h4>\n<div class=\"charts\">",
            escape(&s.name)
        );
        figure(
            out,
            &Chart {
                label: &format!("Longest outage of {} per affected trial", s.name),
                histogram: &s.outage_histogram,
                objective: s.rto.map(|r| ("RTO", r)),
                zero_label: "0",
                unbounded_label: "never",
            },
        );
        figure(
            out,
            &Chart {
                label: &format!("Largest data loss of {} per affected trial", s.name),
                histogram: &s.data_loss_histogram,
                objective: s.rpo.map(|r| ("RPO", r)),
                zero_label: "none",
                unbounded_label: "all",
            },
        );
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
}

fn figure(out: &mut String, chart: &Chart) {
    let _ = writeln!(
        out,
        "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
        histogram::svg(chart),
        escape(chart.label)
    );
}

fn rollouts(out: &mut String, plan: &Plan, timelines: &[Vec<StageTimeline>]) {
    out.push_str("<section id=\"rollouts\">\n<h2>Rollouts</h2>\n");
    if plan.rollouts.is_empty() {
        out.push_str("<p>The plan has no rollout.</p>\n</section>\n");
        return;
    }
    for (rollout, stages) in plan.rollouts.iter().zip(timelines) {
        let _ = writeln!(
            out,
            "<section class=\"rollout\">\n<h3>Rollout <code>{}</code></h3>",
            escape(&rollout.name)
        );
        if let Some(description) = &rollout.description {
            let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", escape(description));
        }
        let _ = writeln!(
            out,
            "<figure>\n{}\n<figcaption>Stages of <code>{}</code> against their windows; each stage is drawn from the start of its own window.</figcaption>\n</figure>",
            rollout::svg(rollout, stages),
            escape(&rollout.name)
        );
        out.push_str("<table>\n<thead><tr><th scope=\"col\">stage</th><th scope=\"col\">window</th><th scope=\"col\">changes</th><th scope=\"col\">estimated</th><th scope=\"col\">go/no-go</th><th scope=\"col\">starts</th></tr></thead>\n<tbody>\n");
        let first = stages.first().and_then(|t| t.start);
        for (stage, timeline) in rollout.stages.iter().zip(stages) {
            // A date when the rollout `starts` on one, else how long after the first stage.
            let starts = match (timeline.start, first) {
                (Some(start), _) if timeline.is_dated => format_minute(start),
                (Some(start), Some(first)) if start > first => format!(
                    "{} after the first stage",
                    format_duration(Seconds::try_from(start - first).unwrap_or(0) * 60)
                ),
                (Some(_), _) => "in the first window".to_string(),
                (None, _) => "not dated (no window)".to_string(),
            };
            let window = timeline.window.map_or("none".to_string(), |w| {
                format!(
                    "{w} ({}){}",
                    format_duration(u64::from(w.minutes) * 60),
                    if timeline.is_window_inherited {
                        ", the rollout's"
                    } else {
                        ""
                    }
                )
            });
            let fits = match timeline.window {
                Some(w) if timeline.duration > u64::from(w.minutes) * 60 => {
                    " <span class=\"error\">(past the window)</span>"
                }
                _ => "",
            };
            let unknown = timeline.changes.iter().filter(|c| !c.is_known).count();
            let unknown = if unknown > 0 {
                format!(
                    " <span class=\"warning\">({} without a duration)</span>",
                    unknown
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td>{}{fits}{unknown}</td><td>{}</td><td>{}</td></tr>",
                escape(&stage.name),
                escape(&window),
                stage.changes.len(),
                format_duration(timeline.duration),
                stage.go_no_go.map_or("none".to_string(), format_time_of_week),
                escape(&starts)
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    out.push_str("</section>\n");
}
