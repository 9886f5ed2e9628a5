;; Nested blocks with results, br_if out of several levels with a value, and loops that carry
;; values across a call in their body.
(module
  (func $twice (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "nest") (param $n i32) (result i32)
    (local $acc i32)
    (block $out (result i32)
      (loop $again
        (local.set $acc
          (block $inner (result i32)
            (drop (br_if $inner (call $twice (local.get $acc)) (i32.gt_u (local.get $acc) (i32.const 1000))))
            (i32.add (call $twice (local.get $acc)) (i32.const 1))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $again (local.get $n)))
      (local.get $acc))))
