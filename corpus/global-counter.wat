;; A mutable global counts the calls of a recursion.
(module
  (global $calls (mut i32) (i32.const 0))
  (func $count (param $n i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (if (i32.gt_s (local.get $n) (i32.const 0))
      (then (call $count (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "calls") (param $n i32) (result i32)
    (global.set $calls (i32.const 0))
    (call $count (local.get $n))
    (global.get $calls)))
