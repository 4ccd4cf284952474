/**
 * Tree-sitter grammar for drplan plan files (.dr). Mirrors grammar/drplan.ebnf; the
 * declaration table below mirrors src/syntax/schema.rs, and a test in the Rust crate
 * (tests/main/editors.rs) checks that they list the same properties and values.
 * @file drplan grammar for tree-sitter
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// Each declaration's properties: 'key': 'Shape' (as schema.rs names it), or a list of
// the keywords a one-of property takes. One property per line.
const DECLARATIONS = {
  plan: {
    'rto': 'Duration',
    'rpo': 'Duration',
    'mtd': 'Duration',
    'owner': 'Name',
    'escalation': 'Name',
    'max-changes-per-stage': 'Int',
    'restore-parallelism': 'Int',
    'test-every': 'Duration',
    'detect': 'Spread',
    'description': 'Str',
    'allow': 'Allow',
  },
  tier: {
    'rto': 'Duration',
    'rpo': 'Duration',
    'mtd': 'Duration',
    'criticality': ['critical', 'high', 'medium', 'low'],
    'description': 'Str',
  },
  role: {
    'kind': ['owner', 'on-call', 'escalation', 'vendor', 'team'],
    'person': 'Str',
    'contact': 'Str',
    'deputy': 'Name',
    'unavailable': 'Window',
    'holiday': 'DateRange',
    'description': 'Str',
    'allow': 'Allow',
  },
  site: {
    'kind': ['datacenter', 'office', 'colo', 'cloud', 'offsite', 'vault'],
    'location': 'Str',
    'description': 'Str',
    'mtbf': 'Duration',
    'mttr': 'Duration',
    'fail-probability': 'Probability',
    'allow': 'Allow',
  },
  storage: {
    'kind': ['disk', 'array', 'san', 'nas', 'tape', 'cloud'],
    'site': 'Name',
    'capacity': 'Size',
    'throughput': 'Rate',
    'description': 'Str',
    'mtbf': 'Duration',
    'mttr': 'Duration',
    'fail-probability': 'Probability',
    'allow': 'Allow',
  },
  server: {
    'site': 'Name',
    'cpu': 'Int',
    'memory': 'Size',
    'disk': 'Size',
    'storage': 'Names',
    'hypervisor': ['esxi', 'hyper-v', 'kvm', 'xen', 'proxmox', 'none'],
    'model': 'Str',
    'owner': 'Name',
    'description': 'Str',
    'mtbf': 'Duration',
    'mttr': 'Duration',
    'fail-probability': 'Probability',
    'allow': 'Allow',
  },
  vm: {
    'on': 'Name',
    'cpu': 'Int',
    'memory': 'Size',
    'image': 'Size',
    'storage': 'Names',
    'owner': 'Name',
    'description': 'Str',
    'mtbf': 'Duration',
    'mttr': 'Duration',
    'fail-probability': 'Probability',
    'allow': 'Allow',
  },
  service: {
    'on': 'Names',
    'quorum': 'Quorum',
    'failover': 'Failover',
    'needs': 'Names',
    'data': 'Size',
    'restore-rate': 'Rate',
    'restore-time': 'Spread',
    'boot': 'Spread',
    'change-rate': 'Rate',
    'rto': 'Duration',
    'rpo': 'Duration',
    'mtd': 'Duration',
    'tier': 'Name',
    'criticality': ['critical', 'high', 'medium', 'low'],
    'user-facing': 'Flag',
    'active': 'Window',
    'downtime-cost': 'Cost',
    'owner': 'Name',
    'activation': 'Str',
    'version': 'Str',
    'start': 'Str',
    'check': 'Str',
    'description': 'Str',
    'mtbf': 'Duration',
    'mttr': 'Duration',
    'fail-probability': 'Probability',
    'allow': 'Allow',
  },
  backup: {
    'of': 'Names',
    'full': 'Schedule',
    'differential': 'Schedule',
    'incremental': 'Schedule',
    'snapshot': 'Schedule',
    'to': 'Name',
    'media': ['tape', 'disk', 'cloud', 'snapshot', 'replica'],
    'rotate': 'Rotate',
    'offsite': 'Offsite',
    'keep': 'Duration',
    'tested': 'Tested',
    'last-tested': 'Date',
    'consistent': ['app', 'crash', 'none'],
    'restore-rate': 'Rate',
    'restore': 'Str',
    'drill': 'Str',
    'fail-probability': 'Probability',
    'description': 'Str',
    'allow': 'Allow',
  },
  standby: {
    'capacity': 'Capacity',
    'ready-in': 'Spread',
    'runs': ['vm-images', 'physical', 'any'],
    'kind': ['hot', 'warm', 'cold', 'mobile'],
    'site': 'Name',
    'covers': 'Names',
    'hypervisor': ['esxi', 'hyper-v', 'kvm', 'xen', 'proxmox', 'none'],
    'model': 'Str',
    'contract': 'Str',
    'activate': 'Str',
    'description': 'Str',
    'mtbf': 'Duration',
    'allow': 'Allow',
  },
  rollout: {
    'window': 'Window',
    'starts': 'Date',
    'max-changes-per-stage': 'Int',
    'soak': 'Duration',
    'budget': 'Number',
    'owner': 'Name',
    'description': 'Str',
    'allow': 'Allow',
  },
  stage: {
    'window': 'Window',
    'go-no-go': 'Time',
    'soak': 'Duration',
    'roles': 'Names',
    'description': 'Str',
    'allow': 'Allow',
  },
  change: {
    'on': 'Names',
    'kind': ['upgrade', 'migrate', 'clone', 'install', 'config', 'hardware', 'move'],
    'from': 'Str',
    'to': 'Str',
    'takes': 'Duration',
    'rehearsed': 'Duration',
    'copy': 'Copy',
    'presync': 'Flag',
    'snapshot': ['before', 'none'],
    'backup': ['before'],
    'precheck': 'Str',
    'verify': 'Verify',
    'rollback': 'Rollback',
    'go-no-go': 'Time',
    'roles': 'Names',
    'drill': 'Str',
    'run': 'Str',
    'description': 'Str',
    'allow': 'Allow',
  },
  scenario: {
    'at': 'Event',
    'expect': 'Expect',
    'random': 'RandomOver',
    'detect': 'Spread',
    'restore-parallelism': 'Int',
    'activation': 'Str',
    'reconstitution': 'Str',
    'description': 'Str',
    'allow': 'Allow',
  },
};

// Declarations that may nest inside another's block.
const CHILDREN = { rollout: ['stage'], stage: ['change'] };

// Kinds a `defaults` block may set properties for.
const DEFAULTS_KINDS = ['service', 'server', 'vm', 'storage', 'backup', 'standby', 'change', 'site', 'role'];

const EVENT_ACTIONS = ['fail', 'corrupt', 'fail-verify'];
const VERIFY_KINDS = ['smoke', 'load-test', 'integrity', 'manual'];
const SPREAD_LAWS = ['uniform', 'triangular', 'lognormal'];
const ROLLBACK_KINDS = ['restore-snapshot', 'restore-backup', 'none'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const TOP_LEVEL = ['plan', 'tier', 'role', 'site', 'storage', 'server', 'vm', 'service', 'backup', 'standby', 'rollout', 'scenario'];

/** A value of one of a fixed set of keywords. */
function oneOf($, words) {
  return choice(...words.map((w) => alias(w, $.constant)));
}

/** The value rule of a shape. */
function shape($, name) {
  if (Array.isArray(name)) return oneOf($, name);
  switch (name) {
    case 'Flag': return null;
    case 'Name': return $.name;
    case 'Names': return $.names;
    case 'Int':
    case 'Number': return $.number;
    case 'Size':
    case 'Duration':
    case 'Rate':
    case 'Probability':
    case 'Cost': return $._measure;
    case 'Str': return $.string;
    case 'Date': return $.date;
    case 'DateRange': return $.date_range;
    case 'Time': return $.time_of_week;
    case 'Window': return $.window;
    case 'Schedule': return $.schedule;
    case 'Tested': return choice(seq('every', $._measure), 'never');
    // `rotate 2 media`, but `rotate 2` then `media tape` is two properties: the word
    // after `media` decides, so both readings are kept until it comes (a declared
    // conflict, below).
    case 'Rotate': return seq($.number, optional('media'));
    case 'Offsite': return seq($.name, 'every', $._measure);
    case 'Copy': return seq($._measure, 'at', $._measure);
    case 'Capacity': return repeat1(seq(choice('cpu', 'memory', 'disk'), $._measure));
    case 'Quorum': return seq($.number, optional(seq('of', $.number)));
    case 'Failover': return seq($.name, optional(seq('after', $._measure)));
    case 'Verify': return seq(oneOf($, VERIFY_KINDS), optional($.string));
    case 'Rollback': return choice(oneOf($, ROLLBACK_KINDS), $.string);
    case 'Expect': return seq($.name, repeat1(seq(choice('rto', 'rpo'), $._measure)));
    case 'Event': return seq($.time_of_week, $.event);
    case 'Allow': return seq(field('code', $.name), $.string);
    case 'RandomOver': return seq('over', $._measure);
    case 'Spread': return choice($._measure, seq(oneOf($, SPREAD_LAWS), repeat1($._measure)));
    default: throw new Error(`unknown shape ${name}`);
  }
}

/** `KEYWORD_property`: one property of a declaration, `key value`. */
function propertyRule(kind) {
  return ($) => choice(
    ...Object.entries(DECLARATIONS[kind]).map(([key, value]) => {
      const rule = shape($, value);
      const keyRule = field('key', alias(key, $.property_name));
      return rule === null ? keyRule : seq(keyRule, field('value', rule));
    }),
  );
}

/** The `{ ... }` body of a declaration of `kind`. */
function body($, kind) {
  const children = (CHILDREN[kind] || []).map((child) => $[child]);
  return seq('{', repeat(choice($[`${kind}_property`], ...children, ';')), '}');
}

const rules = {
  source_file: ($) => repeat($._item),

  _item: ($) => choice($.include, $.allow, $.defaults, ...TOP_LEVEL.map((kind) => $[kind])),

  comment: (_) => token(seq('#', /[^\n]*/)),

  // NAME and keywords: a WORD; names are kebab-case, keywords are extracted from it.
  identifier: (_) => /[A-Za-z_][A-Za-z0-9_-]*/,
  name: ($) => $.identifier,
  names: ($) => seq($.name, repeat(seq(',', $.name))),

  string: ($) => seq('"', repeat(choice($.string_content, $.escape_sequence)), token.immediate('"')),
  string_content: (_) => token.immediate(prec(1, /[^"\\\n]+/)),
  escape_sequence: (_) => token.immediate(/\\(["\\ntr]|u\{[0-9a-fA-F]+\})/),

  // NUMBER with a unit written right after the digits: 16, 0.5, 64GiB, 150MB/s, 2%, 5000/h.
  number: (_) => /[0-9][0-9_]*(\.[0-9]+)?[A-Za-z%\/]*/,
  // A unit may also follow as a separate word: `64 GiB`.
  unit: ($) => $.identifier,
  _measure: ($) => seq($.number, optional($.unit)),

  clock: (_) => /[0-9][0-9]:[0-9][0-9]/,
  date: (_) => /[0-9]{4}-[0-9]{2}-[0-9]{2}/,
  day: (_) => choice(...DAYS),
  time_of_week: ($) => seq($.day, $.clock),
  window: ($) => seq($.time_of_week, '..', $.time_of_week),
  date_range: ($) => seq($.date, optional(seq('..', $.date))),
  schedule: ($) => seq('every', $._measure, optional(seq('at', $.clock))),
  event: ($) => choice(
    seq(alias('fail', $.action), optional(seq('disk', 'of')), field('target', $.name)),
    seq(alias('corrupt', $.action), field('target', $.name)),
    seq(alias('fail-verify', $.action), field('target', $.name)),
  ),

  include: ($) => seq('include', field('path', $.string)),
  allow: ($) => seq('allow', field('code', $.name), field('reason', $.string)),
  defaults: ($) => choice(
    ...DEFAULTS_KINDS.map((kind) => seq('defaults', field('kind', alias(kind, $.kind)), body($, kind))),
  ),
};

for (const kind of Object.keys(DECLARATIONS)) {
  rules[kind] = ($) => seq(kind, field('name', $.name), body($, kind));
  rules[`${kind}_property`] = propertyRule(kind);
}

module.exports = grammar({
  name: 'drplan',
  word: ($) => $.identifier,
  extras: ($) => [/\s/, $.comment],
  // `rotate 2 media`: see the Rotate shape.
  conflicts: ($) => [[$.backup_property]],
  rules,
});
