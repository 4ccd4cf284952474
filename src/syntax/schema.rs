//! The language's declarations and their properties: the one table the parser,
//! the formatter and the book's reference test all read.

/// How a property's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Nothing follows the key (`user-facing`).
    Flag,
    Name,
    Names,
    Int,
    /// A plain number (a budget).
    Number,
    Size,
    Duration,
    /// A duration, or how it varies between incidents: `uniform LOW HIGH`,
    /// `triangular LOW MODE HIGH`, `lognormal MEDIAN P90`.
    Spread,
    Rate,
    Probability,
    Cost,
    Str,
    Date,
    DateRange,
    Time,
    Window,
    /// One keyword from the set.
    Choice(&'static [&'static str]),
    Schedule,
    Tested,
    Rotate,
    Offsite,
    Copy,
    Capacity,
    Quorum,
    Failover,
    Verify,
    Rollback,
    Expect,
    Event,
    Allow,
    RandomOver,
}

/// Every property key of the language, once. A key is known by its place here, so
/// that lowering finds a property by a byte rather than by comparing strings.
pub const KEYS: &[&str] = &[
    "activate",
    "activation",
    "active",
    "allow",
    "at",
    "backup",
    "boot",
    "budget",
    "capacity",
    "change-rate",
    "check",
    "consistent",
    "contact",
    "contract",
    "copy",
    "covers",
    "cpu",
    "criticality",
    "data",
    "deputy",
    "description",
    "detect",
    "differential",
    "disk",
    "downtime-cost",
    "drill",
    "escalation",
    "expect",
    "fail-probability",
    "failover",
    "from",
    "full",
    "go-no-go",
    "holiday",
    "hypervisor",
    "image",
    "incremental",
    "keep",
    "kind",
    "last-tested",
    "location",
    "max-changes-per-stage",
    "media",
    "memory",
    "model",
    "mtbf",
    "mtd",
    "mttr",
    "needs",
    "of",
    "offsite",
    "on",
    "owner",
    "person",
    "precheck",
    "presync",
    "quorum",
    "random",
    "ready-in",
    "reconstitution",
    "rehearsed",
    "restore",
    "restore-parallelism",
    "restore-rate",
    "restore-time",
    "roles",
    "rollback",
    "rotate",
    "rpo",
    "rto",
    "run",
    "runs",
    "site",
    "snapshot",
    "soak",
    "start",
    "starts",
    "storage",
    "takes",
    "test-every",
    "tested",
    "throughput",
    "tier",
    "to",
    "unavailable",
    "user-facing",
    "verify",
    "version",
    "window",
];

/// A property key, as its place in `KEYS`. Write one as `key!("rto")`: the key is
/// found while compiling, and a key the language does not have fails the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(u8);

const _: () = assert!(KEYS.len() <= u8::MAX as usize);

/// The key written `text`; panics (at compile time, where it is meant to run) when
/// the language has no such key.
pub const fn find_key(text: &str) -> Key {
    let mut place = 0;
    while place < KEYS.len() {
        if same_bytes(KEYS[place].as_bytes(), text.as_bytes()) {
            return Key(place as u8);
        }
        place += 1;
    }
    panic!("not a property key of the language (see schema::KEYS)")
}

const fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl Key {
    pub fn text(self) -> &'static str {
        KEYS[self.0 as usize]
    }
}

/// The `schema::Key` written as a string literal, found at compile time.
macro_rules! key {
    ($text:literal) => {
        const { $crate::syntax::schema::find_key($text) }
    };
}
pub(crate) use key;

/// One property a declaration may have.
#[derive(Debug, Clone, Copy)]
pub struct PropertySpec {
    pub key: &'static str,
    /// The same key, as a `Key`.
    pub id: Key,
    pub shape: Shape,
    /// May be written more than once.
    pub is_repeatable: bool,
}

/// One kind of declaration.
#[derive(Debug)]
pub struct ItemSpec {
    pub keyword: &'static str,
    pub properties: &'static [PropertySpec],
    /// Declarations that may nest inside this one.
    pub children: &'static [&'static str],
}

// Duplicate detection keeps one bit per property of a declaration.
const _: () = {
    let mut i = 0;
    while i < TOP_LEVEL.len() {
        assert!(TOP_LEVEL[i].properties.len() <= 64);
        i += 1;
    }
};

impl ItemSpec {
    pub fn property(&self, key: &str) -> Option<&PropertySpec> {
        self.properties.iter().find(|p| same_key(p.key, key))
    }

    /// Where `key` is among the properties.
    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.properties.iter().position(|p| same_key(p.key, key))
    }

    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.properties.iter().map(|p| p.key)
    }
}

const fn one(key: &'static str, shape: Shape) -> PropertySpec {
    PropertySpec {
        key,
        id: find_key(key),
        shape,
        is_repeatable: false,
    }
}

const fn many(key: &'static str, shape: Shape) -> PropertySpec {
    PropertySpec {
        key,
        id: find_key(key),
        shape,
        is_repeatable: true,
    }
}

pub const CRITICALITY: &[&str] = &["critical", "high", "medium", "low"];
pub const HYPERVISORS: &[&str] = &["esxi", "hyper-v", "kvm", "xen", "proxmox", "none"];
pub const VERIFY_KINDS: &[&str] = &["smoke", "load-test", "integrity", "manual"];
pub const ROLLBACK_KINDS: &[&str] = &["restore-snapshot", "restore-backup", "none"];
/// The laws a `Spread` value may name.
/// What a backup's copies are on (`media …`).
pub const MEDIA_KINDS: &[&str] = &["tape", "disk", "cloud", "snapshot", "replica"];
pub const SPREAD_LAWS: &[&str] = &["uniform", "triangular", "lognormal"];
pub const EVENT_ACTIONS: &[&str] = &["fail", "corrupt", "fail-verify"];
pub const DEFAULTS_KINDS: &[&str] = &[
    "service", "server", "vm", "storage", "backup", "standby", "change", "site", "role",
];

use Shape::*;

const ALLOW: PropertySpec = many("allow", Allow);
const DESCRIPTION: PropertySpec = one("description", Str);
const MTBF: PropertySpec = one("mtbf", Duration);
const MTTR: PropertySpec = one("mttr", Duration);
const FAIL_PROBABILITY: PropertySpec = one("fail-probability", Probability);

pub static PLAN: ItemSpec = ItemSpec {
    keyword: "plan",
    properties: &[
        one("rto", Duration),
        one("rpo", Duration),
        one("mtd", Duration),
        one("owner", Name),
        one("escalation", Name),
        one("max-changes-per-stage", Int),
        one("restore-parallelism", Int),
        one("test-every", Duration),
        one("detect", Spread),
        DESCRIPTION,
        ALLOW,
    ],
    children: &[],
};

pub static TIER: ItemSpec = ItemSpec {
    keyword: "tier",
    properties: &[
        one("rto", Duration),
        one("rpo", Duration),
        one("mtd", Duration),
        one("criticality", Choice(CRITICALITY)),
        DESCRIPTION,
    ],
    children: &[],
};

pub static ROLE: ItemSpec = ItemSpec {
    keyword: "role",
    properties: &[
        one(
            "kind",
            Choice(&["owner", "on-call", "escalation", "vendor", "team"]),
        ),
        one("person", Str),
        many("contact", Str),
        one("deputy", Name),
        many("unavailable", Window),
        many("holiday", DateRange),
        DESCRIPTION,
        ALLOW,
    ],
    children: &[],
};

pub static SITE: ItemSpec = ItemSpec {
    keyword: "site",
    properties: &[
        one(
            "kind",
            Choice(&["datacenter", "office", "colo", "cloud", "offsite", "vault"]),
        ),
        one("location", Str),
        DESCRIPTION,
        MTBF,
        MTTR,
        FAIL_PROBABILITY,
        ALLOW,
    ],
    children: &[],
};

pub static STORAGE: ItemSpec = ItemSpec {
    keyword: "storage",
    properties: &[
        one(
            "kind",
            Choice(&["disk", "array", "san", "nas", "tape", "cloud"]),
        ),
        one("site", Name),
        one("capacity", Size),
        one("throughput", Rate),
        DESCRIPTION,
        MTBF,
        MTTR,
        FAIL_PROBABILITY,
        ALLOW,
    ],
    children: &[],
};

pub static SERVER: ItemSpec = ItemSpec {
    keyword: "server",
    properties: &[
        one("site", Name),
        one("cpu", Int),
        one("memory", Size),
        one("disk", Size),
        one("storage", Names),
        one("hypervisor", Choice(HYPERVISORS)),
        one("model", Str),
        one("owner", Name),
        DESCRIPTION,
        MTBF,
        MTTR,
        FAIL_PROBABILITY,
        ALLOW,
    ],
    children: &[],
};

pub static VM: ItemSpec = ItemSpec {
    keyword: "vm",
    properties: &[
        one("on", Name),
        one("cpu", Int),
        one("memory", Size),
        one("image", Size),
        one("storage", Names),
        one("owner", Name),
        DESCRIPTION,
        MTBF,
        MTTR,
        FAIL_PROBABILITY,
        ALLOW,
    ],
    children: &[],
};

pub static SERVICE: ItemSpec = ItemSpec {
    keyword: "service",
    properties: &[
        one("on", Names),
        one("quorum", Quorum),
        one("failover", Failover),
        one("needs", Names),
        one("data", Size),
        one("restore-rate", Rate),
        one("restore-time", Spread),
        one("boot", Spread),
        one("change-rate", Rate),
        one("rto", Duration),
        one("rpo", Duration),
        one("mtd", Duration),
        one("tier", Name),
        one("criticality", Choice(CRITICALITY)),
        one("user-facing", Flag),
        many("active", Window),
        one("downtime-cost", Cost),
        one("owner", Name),
        one("activation", Str),
        one("version", Str),
        one("start", Str),
        one("check", Str),
        DESCRIPTION,
        MTBF,
        MTTR,
        FAIL_PROBABILITY,
        ALLOW,
    ],
    children: &[],
};

pub static BACKUP: ItemSpec = ItemSpec {
    keyword: "backup",
    properties: &[
        one("of", Names),
        one("full", Schedule),
        one("differential", Schedule),
        one("incremental", Schedule),
        one("snapshot", Schedule),
        one("to", Name),
        one("media", Choice(MEDIA_KINDS)),
        one("rotate", Rotate),
        one("offsite", Offsite),
        one("keep", Duration),
        one("tested", Tested),
        one("last-tested", Date),
        one("consistent", Choice(&["app", "crash", "none"])),
        one("restore-rate", Rate),
        FAIL_PROBABILITY,
        one("restore", Str),
        one("drill", Str),
        DESCRIPTION,
        ALLOW,
    ],
    children: &[],
};

pub static STANDBY: ItemSpec = ItemSpec {
    keyword: "standby",
    properties: &[
        one("capacity", Capacity),
        one("ready-in", Spread),
        one("runs", Choice(&["vm-images", "physical", "any"])),
        one("kind", Choice(&["hot", "warm", "cold", "mobile"])),
        one("site", Name),
        one("covers", Names),
        one("hypervisor", Choice(HYPERVISORS)),
        one("model", Str),
        one("contract", Str),
        one("activate", Str),
        DESCRIPTION,
        MTBF,
        ALLOW,
    ],
    children: &[],
};

pub static ROLLOUT: ItemSpec = ItemSpec {
    keyword: "rollout",
    properties: &[
        one("window", Window),
        one("starts", Date),
        one("max-changes-per-stage", Int),
        one("soak", Duration),
        one("budget", Number),
        one("owner", Name),
        DESCRIPTION,
        ALLOW,
    ],
    children: &["stage"],
};

pub static STAGE: ItemSpec = ItemSpec {
    keyword: "stage",
    properties: &[
        one("window", Window),
        one("go-no-go", Time),
        one("soak", Duration),
        one("roles", Names),
        DESCRIPTION,
        ALLOW,
    ],
    children: &["change"],
};

pub static CHANGE: ItemSpec = ItemSpec {
    keyword: "change",
    properties: &[
        one("on", Names),
        one(
            "kind",
            Choice(&[
                "upgrade", "migrate", "clone", "install", "config", "hardware", "move",
            ]),
        ),
        one("from", Str),
        one("to", Str),
        one("takes", Duration),
        one("rehearsed", Duration),
        one("copy", Copy),
        one("presync", Flag),
        one("snapshot", Choice(&["before", "none"])),
        one("backup", Choice(&["before"])),
        many("precheck", Str),
        many("verify", Verify),
        one("rollback", Rollback),
        one("go-no-go", Time),
        one("roles", Names),
        one("drill", Str),
        one("run", Str),
        DESCRIPTION,
        ALLOW,
    ],
    children: &[],
};

pub static SCENARIO: ItemSpec = ItemSpec {
    keyword: "scenario",
    properties: &[
        many("at", Event),
        many("expect", Expect),
        one("random", RandomOver),
        one("detect", Spread),
        one("restore-parallelism", Int),
        one("activation", Str),
        one("reconstitution", Str),
        DESCRIPTION,
        ALLOW,
    ],
    children: &[],
};

/// Every declaration's schema; a property names its declaration by position here.
pub static ITEMS: &[&ItemSpec] = &[
    &PLAN, &TIER, &ROLE, &SITE, &STORAGE, &SERVER, &VM, &SERVICE, &BACKUP, &STANDBY, &ROLLOUT,
    &SCENARIO, &STAGE, &CHANGE,
];

/// The position of a declaration's schema in `ITEMS`.
pub fn position(spec: &ItemSpec) -> u8 {
    ITEMS
        .iter()
        .position(|s| std::ptr::eq(*s, spec))
        .expect("every schema is listed in ITEMS") as u8
}

/// Declarations that stand at the top of a file and have a `{ }` body.
pub static TOP_LEVEL: &[&ItemSpec] = &[
    &PLAN, &TIER, &ROLE, &SITE, &STORAGE, &SERVER, &VM, &SERVICE, &BACKUP, &STANDBY, &ROLLOUT,
    &SCENARIO,
];

/// Top-level keywords without a `{ }` body, plus `defaults`.
pub const OTHER_TOP_LEVEL: &[&str] = &["include", "allow", "defaults"];

/// The spec for a declaration keyword, top-level or nested.
pub fn item(keyword: &str) -> Option<&'static ItemSpec> {
    match keyword {
        "stage" => Some(&STAGE),
        "change" => Some(&CHANGE),
        _ => TOP_LEVEL.iter().copied().find(|s| s.keyword == keyword),
    }
}

/// Whether two keys are the same. Keys mostly differ in length or first letter, which
/// are compared first: parsing and lowering compare keys by the million.
#[inline]
pub fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// Every keyword that may start a top-level item.
pub fn top_level_keywords() -> impl Iterator<Item = &'static str> {
    TOP_LEVEL
        .iter()
        .map(|s| s.keyword)
        .chain(OTHER_TOP_LEVEL.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_a_property_of_some_declaration_and_known_by_its_text() {
        let specs = || {
            top_level_keywords()
                .chain(["stage", "change"])
                .filter_map(item)
        };
        for spec in specs() {
            for property in spec.properties {
                assert_eq!(property.id.text(), property.key);
            }
        }
        for key in KEYS {
            assert!(
                specs().any(|s| s.properties.iter().any(|p| p.key == *key)),
                "`{key}` is in KEYS but no declaration has it"
            );
        }
    }

    #[test]
    fn every_declaration_schema_has_a_position() {
        // A property finds its key through `ITEMS`: a schema missing there would panic.
        for keyword in top_level_keywords().chain(["stage", "change"]) {
            if let Some(spec) = item(keyword) {
                assert_eq!(ITEMS[position(spec) as usize].keyword, keyword);
            }
        }
        for spec in ITEMS {
            for child in spec.children {
                assert!(item(child).is_some_and(|c| ITEMS.iter().any(|s| std::ptr::eq(*s, c))));
            }
        }
    }
}
