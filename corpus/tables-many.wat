;; Several tables at work: a funcref table grown, filled and copied at run time, an externref table
;; holding the host's handles, and a recursion whose every level calls through table 1 (not 0) with
;; 9 arguments — more than either ABI passes in registers, so `native` diverges where the ABIs do.
(module
  (type $nine (func (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (table $spare 1 funcref)
  (table $calls 2 8 funcref)
  (table $handles 4 externref)
  (func $sum (type $nine)
    (i64.add (local.get 0) (i64.add (local.get 4) (local.get 8))))
  (func $last (type $nine) (local.get 8))
  (elem (table $calls) (i32.const 0) func $sum)
  (elem declare func $last)

  ;; Grows $calls by `extra` entries of $last, fills the first `extra` of them with $sum again,
  ;; copies entry 0 over entry 1, and keeps `handle` in $handles: the new size.
  (func $arrange (export "arrange") (param $extra i32) (param $handle externref) (result i32)
    (drop (table.grow $calls (ref.func $last) (local.get $extra)))
    (table.fill $calls (i32.const 2) (ref.func $sum) (i32.div_u (local.get $extra) (i32.const 2)))
    (table.copy $calls $calls (i32.const 1) (i32.const 0) (i32.const 1))
    (table.set $handles (i32.const 3) (local.get $handle))
    (table.copy $handles $handles (i32.const 0) (i32.const 3) (i32.const 1))
    (table.size $calls))

  ;; Recurses `depth` times; every level adds the call through $calls entry `slot` (mod its size).
  (func $walk (export "walk") (param $slot i32) (param $depth i32) (result i64)
    (local $here i64)
    (local.set $here
      (call_indirect $calls (type $nine)
        (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
        (i64.const 6) (i64.const 7) (i64.const 8) (i64.extend_i32_u (local.get $depth))
        (i32.rem_u (local.get $slot) (table.size $calls))))
    (if (result i64) (i32.eqz (local.get $depth))
      (then (local.get $here))
      (else (i64.add (local.get $here)
        (call $walk (i32.add (local.get $slot) (i32.const 1)) (i32.sub (local.get $depth) (i32.const 1)))))))

  ;; arrange, then walk: what the sidecar invokes.
  (func (export "run") (param $extra i32) (param $depth i32) (result i64)
    (drop (call $arrange (local.get $extra) (ref.null extern)))
    (i64.add (call $walk (i32.const 0) (local.get $depth))
      (i64.extend_i32_u (ref.is_null (table.get $handles (i32.const 0)))))))
