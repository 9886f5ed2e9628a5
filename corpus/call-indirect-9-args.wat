;; The write-up's 9-argument call made through a table: the call sequence is the same as a direct
;; call's, so the stack must behave the same; the callee is chosen at run time.
(module
  (type $nine (func (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (table 2 funcref)
  (elem (i32.const 0) $sum $last)
  (func $sum (type $nine)
    (i64.add (local.get 0) (i64.add (local.get 4) (local.get 8))))
  (func $last (type $nine) (local.get 8))
  (func $pick (export "pick") (param $which i32) (param $depth i32) (result i64)
    (if (result i64) (i32.eqz (local.get $depth))
      (then
        (call_indirect (type $nine)
          (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
          (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9)
          (local.get $which)))
      (else (i64.add (i64.const 1)
        (call $pick (local.get $which) (i32.sub (local.get $depth) (i32.const 1))))))))
