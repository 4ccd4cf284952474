//! The registry of diagnostic codes: one place lists them all, with their explain pages.

use super::Severity;
use serde::{Serialize, Serializer};

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $summary:literal;)*) => {
        /// A stable diagnostic code; the text form is `drplan::<code>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The kebab-case name, without the `drplan::` prefix.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// One line saying what the code is about.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            /// The explain page (the same Markdown the book shows).
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Code::$variant => include_str!(concat!("../../book/src/diagnostics/", $code, ".md")),)*
                }
            }
        }
    };
}

codes! {
    // Input and loading.
    IoError = "io-error", Error, "a plan file or directory could not be read";
    InvalidUtf8 = "invalid-utf8", Error, "a plan file is not valid UTF-8";
    FileTooLarge = "file-too-large", Error, "a plan file exceeds the size limit";
    NoPlanFiles = "no-plan-files", Error, "a directory holds no `.dr` files";
    IncludeNotFound = "include-not-found", Error, "an included file does not exist";
    IncludeCycle = "include-cycle", Error, "files include each other in a cycle";
    EmptyPlan = "empty-plan", Error, "the plan declares nothing";
    LimitExceeded = "limit-exceeded", Error, "a plan exceeds one of drplan's resource limits";
    // Syntax.
    UnexpectedToken = "unexpected-token", Error, "the parser met a token it did not expect";
    UnexpectedCharacter = "unexpected-character", Error, "a character that cannot start any token";
    UnterminatedString = "unterminated-string", Error, "a string is missing its closing quote";
    InvalidEscape = "invalid-escape", Error, "a string holds an unknown escape sequence";
    UnclosedBlock = "unclosed-block", Error, "a `{` has no matching `}`";
    UnknownItem = "unknown-item", Error, "a top-level keyword that declares nothing";
    UnknownProperty = "unknown-property", Error, "a property this kind of declaration does not have";
    InvalidValue = "invalid-value", Error, "a keyword value outside the allowed set";
    InvalidName = "invalid-name", Error, "a name that is not kebab-case";
    InvalidNumber = "invalid-number", Error, "a number is malformed or of the wrong kind";
    InvalidUnit = "invalid-unit", Error, "a number has a missing or wrong unit";
    NumberOutOfRange = "number-out-of-range", Error, "a number too large or otherwise absurd";
    InvalidTime = "invalid-time", Error, "a clock time, day or date that does not exist";
    TooManyErrors = "too-many-errors", Error, "reporting stopped after too many errors in one file";
    NestingTooDeep = "nesting-too-deep", Error, "blocks nested deeper than the limit";
    // Names and references.
    DuplicateName = "duplicate-name", Error, "two declarations share a name";
    DuplicateProperty = "duplicate-property", Error, "a property set twice in one declaration";
    DuplicatePlan = "duplicate-plan", Error, "more than one `plan` block";
    MissingPlan = "missing-plan", Warning, "no `plan` block: plan-wide objectives and roles are unset";
    UnknownReference = "unknown-reference", Error, "a name that is not declared";
    WrongKindReference = "wrong-kind-reference", Error, "a name that refers to the wrong kind of declaration";
    MissingProperty = "missing-property", Error, "a declaration lacks a property it needs";
    DependencyCycle = "dependency-cycle", Error, "services depend on each other in a cycle";
    InvalidQuorum = "invalid-quorum", Error, "a quorum that its hosts cannot meet";
    NotAHypervisor = "not-a-hypervisor", Error, "a vm placed on a server with no hypervisor";
    InvalidWindow = "invalid-window", Error, "a window that starts and ends at the same time";
    UnknownAllow = "unknown-allow", Warning, "an `allow` names a code that does not exist or cannot be allowed";
    SelfReference = "self-reference", Error, "a declaration refers to itself";
    // Safety analysis: the big bang (story 001).
    BigBang = "big-bang", Error, "coupled changes share one stage";
    StageTooLarge = "stage-too-large", Error, "a stage holds more changes than the plan allows";
    SingleStageRollout = "single-stage-rollout", Error, "every change of a rollout lands in one stage";
    // Change safety (stories 000, 002).
    NoSnapshotBeforeChange = "no-snapshot-before-change", Error, "a change with no snapshot or backup just before it";
    MissingRollback = "missing-rollback", Error, "a change with no way back";
    MissingVerification = "missing-verification", Error, "a change nobody verifies";
    NoLoadTest = "no-load-test", Warning, "a change to a user-facing service verified without a load test";
    MissingPrecheck = "missing-precheck", Warning, "a change with no pre-checks";
    MissingGoNoGo = "missing-go-no-go", Error, "a change with no go/no-go deadline inside its window";
    // Time (stories 002, 003).
    StageExceedsWindow = "stage-exceeds-window", Error, "a stage's work does not fit its window";
    MissingDuration = "missing-duration", Warning, "a change whose duration cannot be estimated";
    RoleUnavailable = "role-unavailable", Error, "a stage scheduled while a role it needs is away";
    // Backups and RPO (stories 002, 004).
    NoBackup = "no-backup", Error, "a service with data and no backup";
    UntestedBackup = "untested-backup", Error, "a backup that was never restore-tested";
    RestoreTestOverdue = "restore-test-overdue", Warning, "restore tests rarer than the plan requires";
    NoOffsiteCopy = "no-offsite-copy", Error, "no backup copy leaves the service's site";
    InconsistentBackup = "inconsistent-backup", Warning, "a backup taken while users are active is not application-consistent";
    RpoUnmet = "rpo-unmet", Error, "backups too rare for the RPO when a server is lost";
    RpoUnmetSiteLoss = "rpo-unmet-site-loss", Error, "off-site copies too rare for the RPO when the site is lost";
    DifferentialWithoutFull = "differential-without-full", Error, "differential or incremental backups with no full backup";
    RetentionTooShort = "retention-too-short", Warning, "retention shorter than the RPO window or the restore-test interval";
    ThreeTwoOne = "three-two-one", Warning, "a critical service without three copies, two media, one off site";
    // Recovery time and standby (story 004).
    RtoUnmet = "rto-unmet", Error, "recovery after losing a server takes longer than the RTO";
    RtoUnmetSiteLoss = "rto-unmet-site-loss", Error, "recovery after losing the site takes longer than the RTO";
    StandbyTooSmall = "standby-too-small", Error, "standby capacity cannot hold what it must take over";
    SinglePointOfFailure = "single-point-of-failure", Warning, "a service with no standby and no redundancy";
    UnlikeHardware = "unlike-hardware", Warning, "a physical server whose standby is different hardware";
    // Completeness (NIST SP 800-34).
    MissingObjective = "missing-objective", Error, "a service with no RTO or RPO";
    RtoExceedsMtd = "rto-exceeds-mtd", Error, "an RTO longer than the maximum tolerable downtime";
    MissingOwner = "missing-owner", Warning, "the plan names no owner";
    MissingEscalation = "missing-escalation", Warning, "the plan names no escalation contact";
    MissingActivation = "missing-activation", Warning, "a scenario without activation criteria";
    MissingReconstitution = "missing-reconstitution", Warning, "a scenario without a reconstitution check";

}

impl Code {
    /// Whether `allow` can accept this finding: only the safety rules, which judge a
    /// plan that compiles; syntax and name errors must be fixed.
    pub fn is_allowable(self) -> bool {
        self >= Code::BigBang
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("drplan::{}", self.name()))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "drplan::{}", self.name())
    }
}

impl std::str::FromStr for Code {
    type Err = ();

    /// Accepts `unknown-reference` or `drplan::unknown-reference`.
    fn from_str(s: &str) -> Result<Self, ()> {
        let name = s.strip_prefix("drplan::").unwrap_or(s);
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.name() == name)
            .ok_or(())
    }
}
