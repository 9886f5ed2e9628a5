;; Values stay live on the operand stack across calls: every level keeps eight values pending
;; while it recurses, so the operand stack and the call frames interleave.
(module
  (func $id (param i64) (result i64) (local.get 0))
  (func $deep (export "deep") (param $n i64) (result i64)
    (i64.add (local.get $n)
     (i64.add (i64.const 1)
      (i64.add (call $id (local.get $n))
       (i64.add (i64.const 3)
        (i64.add (call $id (i64.const 4))
         (i64.add (i64.const 5)
          (i64.add (i64.const 6)
           (if (result i64) (i64.eqz (local.get $n))
             (then (i64.const 0))
             (else (call $deep (i64.sub (local.get $n) (i64.const 1))))))))))))))
