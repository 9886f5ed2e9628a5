;; Parameters the logical stack limiter's cost model does not count. $wide takes 60 i64 parameters
;; and has no locals; its body holds at most one operand, so the reference's model charges it 3
;; logical units, while the machine stack holds all 60 parameters in its frame (the naive executor
;; the model describes copies them there, and so does samestack's compiler): some 500 bytes, well
;; over 128 bytes per unit on both targets. It recurses through $narrow, which passes the 60
;; arguments again (those the model does count, as $narrow's operands). With --count-params the
;; parameters are part of $wide's cost and the bytes per unit fall far below 128.
(module
  (func $wide (export "wide") (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (param $depth i32) (result i64)
    (if (result i64) (i32.eqz (local.get $depth))
      (then (local.get 0))
      (else (call $narrow (local.get $depth)))))
  (func $narrow (param $depth i32) (result i64)
    (call $wide (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9) (i64.const 10) (i64.const 11) (i64.const 12) (i64.const 13) (i64.const 14) (i64.const 15) (i64.const 16) (i64.const 17) (i64.const 18) (i64.const 19) (i64.const 20) (i64.const 21) (i64.const 22) (i64.const 23) (i64.const 24) (i64.const 25) (i64.const 26) (i64.const 27) (i64.const 28) (i64.const 29) (i64.const 30) (i64.const 31) (i64.const 32) (i64.const 33) (i64.const 34) (i64.const 35) (i64.const 36) (i64.const 37) (i64.const 38) (i64.const 39) (i64.const 40) (i64.const 41) (i64.const 42) (i64.const 43) (i64.const 44) (i64.const 45) (i64.const 46) (i64.const 47) (i64.const 48) (i64.const 49) (i64.const 50) (i64.const 51) (i64.const 52) (i64.const 53) (i64.const 54) (i64.const 55) (i64.const 56) (i64.const 57) (i64.const 58) (i64.const 59) (i64.const 60) (i32.sub (local.get $depth) (i32.const 1)))))
