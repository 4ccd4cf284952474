;; Syntax highlighting for drplan plan files.

(comment) @comment

; Declaration kinds and the block-less items.
["plan" "tier" "role" "site" "storage" "server" "vm" "service" "backup" "standby" "rollout" "scenario" "stage" "change" "include" "allow" "defaults"] @keyword

; Words inside values: `every 1d at 01:00`, `quorum 1 of 2`, `rotate 2 media`, ...
["every" "at" "of" "after" "never" "media" "over" "disk" "cpu" "memory" "rto" "rpo"] @keyword

(property_name) @property
(kind) @type.builtin
(action) @keyword

; One of a fixed set: `kind datacenter`, `media tape`, `rollback restore-snapshot`.
(constant) @constant.builtin

; A declared name, and names that refer to a declaration.
(_ name: (name) @type)
(allow code: (name) @constant)
(_ code: (name) @constant)
(name) @variable

(string) @string
(escape_sequence) @string.escape

(number) @number
(unit) @number
(clock) @number
(date) @number
(day) @constant.builtin

["{" "}"] @punctuation.bracket
["," ";"] @punctuation.delimiter
".." @operator
