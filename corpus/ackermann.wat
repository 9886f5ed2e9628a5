;; Ackermann's function: deep and irregular recursion from tiny arguments.
(module
  (func $ack (export "ack") (param $m i64) (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $m))
      (then (i64.add (local.get $n) (i64.const 1)))
      (else
        (if (result i64) (i64.eqz (local.get $n))
          (then (call $ack (i64.sub (local.get $m) (i64.const 1)) (i64.const 1)))
          (else (call $ack (i64.sub (local.get $m) (i64.const 1))
                           (call $ack (local.get $m) (i64.sub (local.get $n) (i64.const 1))))))))))
