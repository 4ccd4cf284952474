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

pub use structure::{Exact, FaultTree, Gate, GateKind, Input};

use crate::graph::Graph;
use crate::model::{Plan, Seconds, ServiceId};
use serde::Serialize;

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

/// Exact probability that each service of the plan is unavailable.
pub fn analyse(plan: &Plan, graph: &Graph, options: &Options) -> Report {
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

fn analyse_here(plan: &Plan, graph: &Graph, options: &Options) -> Report {
    let built = plan_tree::build(plan, graph, options);
    let (probabilities, bdd_nodes) = built.tree.probabilities(&built.services);
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
    Report {
        mission: options.mission,
        services,
        components,
        bdd_nodes,
        notes,
    }
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
