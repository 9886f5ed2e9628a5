;; A loop dispatching through br_table, with a call in one arm.
(module
  (func $step (param $x i32) (result i32) (i32.add (local.get $x) (i32.const 3)))
  (func (export "run") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (block $c2
          (block $c1
            (block $c0
              (br_table $c0 $c1 $c2 (i32.rem_u (local.get $n) (i32.const 3))))
            (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
            (br $c2))
          (local.set $acc (call $step (local.get $acc))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $acc)))
