;; The three table traps, raised deep in a recursion: index past the table, an empty slot, and a
;; signature mismatch. Location and backtrace must agree on both targets.
(module
  (type $unary (func (param i32) (result i32)))
  (type $binary (func (param i32 i32) (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $inc $add)
  (func $inc (type $unary) (i32.add (local.get 0) (i32.const 1)))
  (func $add (type $binary) (i32.add (local.get 0) (local.get 1)))
  (func $through (export "through") (param $slot i32) (param $depth i32) (result i32)
    (if (result i32) (i32.eqz (local.get $depth))
      (then (call_indirect (type $unary) (i32.const 41) (local.get $slot)))
      (else (call $through (local.get $slot) (i32.sub (local.get $depth) (i32.const 1)))))))
