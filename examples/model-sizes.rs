//! Print the size of each model struct, to see what a big plan's model costs per declaration.
use drplan::model::*;
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
}
