;; Floats live across recursive calls: a Taylor-like series summed at depth, with f64 and f32 mixed.
(module
  (func $series (export "series") (param $x f64) (param $n i32) (result f64)
    (if (result f64) (i32.eqz (local.get $n))
      (then (f64.const 1))
      (else (f64.add (f64.const 1)
        (f64.mul (f64.div (local.get $x) (f64.convert_i32_u (local.get $n)))
                 (call $series (local.get $x) (i32.sub (local.get $n) (i32.const 1))))))))
  (func $half (export "halve") (param $x f32) (param $n i32) (result f32)
    (if (result f32) (i32.eqz (local.get $n))
      (then (local.get $x))
      (else (call $half (f32.mul (local.get $x) (f32.const 0.5)) (i32.sub (local.get $n) (i32.const 1)))))))
