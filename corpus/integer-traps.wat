;; Integer traps at depth: signed overflow of division, and remainder by zero; rem_s of MIN by -1
;; is 0 and must not trap (x86's idiv would fault on it).
(module
  (func $at (export "div_at_depth") (param $a i32) (param $b i32) (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.div_s (local.get $a) (local.get $b)))
      (else (call $at (local.get $a) (local.get $b) (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "rem_min") (result i64) (i64.rem_s (i64.const 0x8000000000000000) (i64.const -1)))
  (func (export "rem_zero") (param $a i64) (result i64) (i64.rem_u (local.get $a) (i64.const 0))))
