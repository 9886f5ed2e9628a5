;; Recursion without a base case: always overflows; the point is where.
(module
  (func $down (export "down") (param $n i32) (result i32)
    (i32.add (i32.const 1) (call $down (i32.add (local.get $n) (i32.const 1))))))
