;; memory.grow and memory.size inside a recursion; the grow fails past the declared maximum.
(module
  (memory 1 4)
  (func $grow (export "grow") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (memory.size))
      (else
        (drop (memory.grow (i32.const 1)))
        (i32.store (i32.mul (memory.size) (i32.const 1024)) (local.get $n))
        (call $grow (i32.sub (local.get $n) (i32.const 1)))))))
