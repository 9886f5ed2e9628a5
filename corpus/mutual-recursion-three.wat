;; Three functions with 5, 7 and 9 parameters calling each other in a cycle: every call crosses a
;; different register threshold.
(module
  (func $a (export "a") (param $n i32) (param i64 i64 i64 i64) (result i64)
    (if (result i64) (i32.eqz (local.get $n)) (then (local.get 1))
      (else (call $b (i32.sub (local.get $n) (i32.const 1))
        (local.get 1) (local.get 2) (local.get 3) (local.get 4) (i64.const 5) (i64.const 6)))))
  (func $b (param $n i32) (param i64 i64 i64 i64 i64 i64) (result i64)
    (if (result i64) (i32.eqz (local.get $n)) (then (local.get 6))
      (else (call $c (i32.sub (local.get $n) (i32.const 1))
        (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (i64.const 7) (i64.const 8)))))
  (func $c (param $n i32) (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (if (result i64) (i32.eqz (local.get $n)) (then (local.get 8))
      (else (i64.add (local.get 8) (call $a (i32.sub (local.get $n) (i32.const 1))
        (local.get 1) (local.get 2) (local.get 3) (local.get 4)))))))
