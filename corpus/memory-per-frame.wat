;; Each recursion level stores its depth in linear memory and reads it back after the call.
(module
  (memory 1)
  (func $walk (export "walk") (param $n i32) (result i32)
    (i32.store (i32.mul (local.get $n) (i32.const 4)) (local.get $n))
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add
        (call $walk (i32.sub (local.get $n) (i32.const 1)))
        (i32.load (i32.mul (local.get $n) (i32.const 4))))))))
