;; Float to integer truncations that trap (NaN, out of range) at depth, and one that does not.
(module
  (func $at (export "trunc_at_depth") (param $x f64) (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.trunc_f64_s (local.get $x)))
      (else (call $at (local.get $x) (i32.sub (local.get $n) (i32.const 1)))))))
