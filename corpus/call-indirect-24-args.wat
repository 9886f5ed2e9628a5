;; 24 arguments of all four types through call_indirect: far past both ABIs' register counts.
(module
  (type $many (func (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64
                           i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64) (result i64)))
  (table 1 funcref)
  (elem (i32.const 0) $mix)
  (func $mix (type $many)
    (i64.add (i64.extend_i32_u (local.get 20))
      (i64.add (local.get 21) (i64.trunc_f64_s (local.get 23)))))
  (func (export "call24") (param $x i32) (result i64)
    (call_indirect (type $many)
      (local.get $x) (i64.const 2) (f32.const 3) (f64.const 4)
      (i32.const 5) (i64.const 6) (f32.const 7) (f64.const 8)
      (i32.const 9) (i64.const 10) (f32.const 11) (f64.const 12)
      (i32.const 13) (i64.const 14) (f32.const 15) (f64.const 16)
      (i32.const 17) (i64.const 18) (f32.const 19) (f64.const 20)
      (local.get $x) (i64.const 22) (f32.const 23) (f64.const 24.5)
      (i32.const 0))))
