//! Exact probability that each service is unavailable, from independent component
//! failure probabilities, with a binary decision diagram. Pure: no I/O, no randomness.
//!
//! A service is down when its own event fails, when any service it `needs` is down,
//! or when so many of its hosts are down that fewer than `quorum` are up (and, with
//! `failover`, its failover target is down too). A vm is down with its server, its
//! storage or its own event; a server with its site, its storage or its own event;
//! storage with its site or its own event; a standby only with its site. Components
//! shared by several services are one variable, so the result is exact.

mod bdd;
mod open_psa;
mod plan_tree;
mod structure;

pub use structure::{Exact, FaultTree, Gate, GateKind, Input, TooLarge};

use crate::diagnostics::Diagnostic;
use crate::graph::Graph;
use crate::model::{limits, Plan, Seconds, ServiceId};
use serde::Serialize;

/// Most nodes of the decision diagram of one analysis, terminals included. A node costs
/// 12 bytes in the node store, 17 per slot of the unique table (up to 2 slots a node,
/// and both tables alive while it doubles) and 8 for its probability, beside a computed
/// cache of at most 256 MiB: a quorum of 3,000 of 6,000 hosts stops at the limit with
/// 0.8 GB resident. The benchmark's plan of 100,000 services needs 1.4 million nodes;
/// a plan whose diagram grows past the limit is estimated by Monte Carlo alone.
pub const MAX_BDD_NODES: usize = 8_000_000;

/// How a component's failure probability was derived.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "seconds")]
pub enum Basis {
    /// Its `fail-probability`, as written.
    Probability,
    /// From `mtbf` over a mission time: 1 − e^(−t/mtbf).
    Mission(Seconds),
    /// From `mtbf` and `mttr`, a repairable component in steady state:
    /// λ/(λ+μ) = mttr/(mtbf+mttr).
    SteadyState,
}

/// Settings of an exact analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Mission time for components with an `mtbf` but no `mttr`.
    pub mission: Seconds,
    /// Most nodes of the diagram; [`MAX_BDD_NODES`] unless a test lowers it.
    pub max_bdd_nodes: usize,
}

impl Options {
    /// The settings for a mission time, within the node limit.
    pub fn new(mission: Seconds) -> Self {
        Options {
            mission,
            max_bdd_nodes: MAX_BDD_NODES,
        }
    }
}

/// How many of the component failures under a service used each basis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BasisCount {
    pub probability: usize,
    pub mission: usize,
    pub steady_state: usize,
}

/// The exact unavailability of one service.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceUnavailability {
    pub name: String,
    /// Probability that the service is down.
    pub probability: f64,
    /// Component failures the service depends on.
    pub components: usize,
    /// How their probabilities were derived.
    pub basis: BasisCount,
}

/// A component's failure probability as used by the analysis.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentProbability {
    pub kind: &'static str,
    pub name: String,
    pub probability: f64,
    pub basis: Basis,
}

/// The result of an exact analysis, services in plan order.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Mission time used for rate-based components without repair.
    pub mission: Seconds,
    pub services: Vec<ServiceUnavailability>,
    /// Every component with failure data; components without it never fail.
    pub components: Vec<ComponentProbability>,
    /// Nodes of the shared diagram of all services, terminals included.
    pub bdd_nodes: usize,
    /// Assumptions the analysis had to make (a `needs` cycle left out).
    pub notes: Vec<String>,
}

/// Stack for the recursive diagram operations: deep plans recurse deeply.
const STACK_BYTES: usize = 256 << 20;

/// Exact probability that each service of the plan is unavailable, or a
/// `limit-exceeded` diagnostic when its diagram would pass `options.max_bdd_nodes`.
pub fn analyse(plan: &Plan, graph: &Graph, options: &Options) -> Result<Report, Diagnostic> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("drplan-exact".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || analyse_here(plan, graph, options))
            .expect("spawn the exact-analysis thread")
            .join()
            .expect("the exact analysis does not panic")
    })
}

fn analyse_here(plan: &Plan, graph: &Graph, options: &Options) -> Result<Report, Diagnostic> {
    let built = plan_tree::build(plan, graph, options);
    let (probabilities, bdd_nodes) = built
        .tree
        .probabilities(&built.services, options.max_bdd_nodes)
        .map_err(|error| too_large(plan, error))?;
    let services = plan
        .services
        .iter()
        .zip(&built.services)
        .zip(probabilities)
        .map(|((service, &top), probability)| {
            let cone = built.tree.cone_events(top);
            let mut basis = BasisCount::default();
            for &e in &cone {
                match built.events[e as usize].basis {
                    Basis::Probability => basis.probability += 1,
                    Basis::Mission(_) => basis.mission += 1,
                    Basis::SteadyState => basis.steady_state += 1,
                }
            }
            ServiceUnavailability {
                name: service.name.to_string(),
                probability,
                components: cone.len(),
                basis,
            }
        })
        .collect();
    let components = built
        .events
        .iter()
        .zip(&built.tree.events)
        .map(|(source, &probability)| ComponentProbability {
            kind: plan_tree::kind_name(source.component),
            name: plan.component_name(source.component).to_string(),
            probability,
            basis: source.basis,
        })
        .collect();
    let notes = built
        .broken_needs
        .iter()
        .map(|&(service, need)| {
            format!(
                "`{}` needs `{}` in a dependency cycle; that `needs` was left out",
                plan.services[service.index()].name,
                plan.services[need.index()].name
            )
        })
        .collect();
    Ok(Report {
        mission: options.mission,
        services,
        components,
        bdd_nodes,
        notes,
    })
}

/// The diagram passed its limit while adding the service at `error.top` (services are
/// built in plan order, so it is the first service whose diagram does not fit).
fn too_large(plan: &Plan, error: TooLarge) -> Diagnostic {
    let mut diagnostic = limits::exceeded(
        "the decision diagram of the exact analysis",
        format!("{} nodes", error.max_nodes),
    )
    .help(
        "the Monte Carlo estimate (`drplan simulate --trials N`) needs no diagram: rely on \
         it, with more trials for a narrower interval",
    )
    .note("the exact unavailability was left out");
    if let Some(service) = plan.services.get(error.top) {
        diagnostic = diagnostic.primary(
            service.span,
            "the diagram passed the limit while adding this service",
        );
    }
    diagnostic
}

/// The structure under one service as an Open-PSA fault tree whose top event, `top`,
/// is "the service is down"; basic events carry the probabilities `analyse` uses.
pub fn to_open_psa(plan: &Plan, options: &Options, service: ServiceId) -> String {
    let (graph, _) = crate::graph::build(plan);
    let built = plan_tree::build(plan, &graph, options);
    open_psa::write(
        &built,
        built.services[service.index()],
        &plan.services[service.index()].name,
    )
}
