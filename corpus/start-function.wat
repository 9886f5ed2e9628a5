;; A start function that recurses before any export runs, leaving state in memory and a global.
(module
  (memory 1)
  (global $depth (mut i32) (i32.const 0))
  (func $fill (param $n i32)
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (i32.store8 (local.get $n) (local.get $n))
    (if (local.get $n) (then (call $fill (i32.sub (local.get $n) (i32.const 1))))))
  (func $init (call $fill (i32.const 50)))
  (start $init)
  (func (export "check") (result i32)
    (i32.add (global.get $depth) (i32.load8_u (i32.const 49)))))
