;; A recursive function with a large locals frame (64 i64 locals), and one with an odd count.
(module
  (func $big (export "big") (param $n i32) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local.set 1 (i64.extend_i32_u (local.get $n)))
    (local.set 64 (i64.const 7))
    (if (result i64) (i32.eqz (local.get $n))
      (then (i64.add (local.get 1) (local.get 64)))
      (else (i64.add (local.get 64) (call $big (i32.sub (local.get $n) (i32.const 1)))))))
  (func $odd (export "odd") (param $n i32) (result i32)
    (local i32 i32 i32)
    (local.set 3 (local.get $n))
    (if (result i32) (i32.eqz (local.get $n))
      (then (local.get 3))
      (else (i32.add (local.get 3) (call $odd (i32.sub (local.get $n) (i32.const 1))))))))
