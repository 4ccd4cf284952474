//! Print the size of each model struct, and of the syntax tree's, to see what a big
//! plan costs per declaration and per property.
use drplan::model::*;
use drplan::syntax::ast;
use std::mem::size_of;

fn main() {
    macro_rules! show {
        ($($t:ty),*) => {$(println!("{:<14} {:>4} B", stringify!($t), size_of::<$t>());)*};
    }
    show!(
        Plan,
        Settings,
        Tier,
        Role,
        Site,
        Storage,
        Server,
        Vm,
        Service,
        Backup,
        Standby,
        Change,
        Stage,
        Rollout,
        Scenario,
        Failure,
        Failover,
        Spread,
        Schedule,
        Offsite,
        Allow,
        Name,
        Ref<Host>,
        Option<Spread>,
        Option<Failover>,
        Option<Schedule>
    );
    println!("syntax tree:");
    show!(
        ast::Item,
        ast::Property,
        ast::Value,
        ast::Ident,
        ast::Indexed
    );
}
