;; Host functions called with many arguments: the call leaves through an exit, the host reads the
;; arguments per ABI, and the stack used by the call must be the same on both targets. `env`
;; functions are samestack's deterministic host (they fold their arguments' bits); `spectest` is the
;; spec tests' host.
(module
  (import "env" "fold9" (func $fold9 (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "fold17" (func $fold17 (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32) (result i32)))
  (import "spectest" "print_i32" (func $print (param i32)))
  (func $deep (export "deep") (param $n i32) (result i64)
    (call $print (local.get $n))
    (if (result i64) (i32.eqz (local.get $n))
      (then (call $fold9 (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
                         (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9)))
      (else (i64.add
        (call $fold9 (i64.extend_i32_u (local.get $n)) (i64.const 2) (i64.const 3) (i64.const 4)
                     (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9))
        (call $deep (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "mixed") (param $x i32) (result i32)
    (call $fold17 (local.get $x) (i64.const 2) (f32.const 3.5) (f64.const 4.25)
      (i32.const 5) (i64.const 6) (f32.const 7) (f64.const 8) (i32.const 9) (i64.const 10)
      (f32.const 11) (f64.const 12) (i32.const 13) (i64.const 14) (f32.const 15) (f64.const 16)
      (local.get $x))))
