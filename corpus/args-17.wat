;; The write-up's example, with 17 parameters: a function with 17 parameters loads them
;; all and calls another function with 17 parameters. x64 passes 6 in registers, AArch64 8; the
;; rest go on the stack, so a naive port uses different amounts of stack at the call.
(module
  (func $other (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $p4 i32) (param $p5 i32) (param $p6 i32) (param $p7 i32) (param $p8 i32) (param $p9 i32) (param $p10 i32) (param $p11 i32) (param $p12 i32) (param $p13 i32) (param $p14 i32) (param $p15 i32) (param $p16 i32) (result i32)
    local.get $p0
    local.get $p16
    i32.add)
  (func $caller (export "caller") (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $p4 i32) (param $p5 i32) (param $p6 i32) (param $p7 i32) (param $p8 i32) (param $p9 i32) (param $p10 i32) (param $p11 i32) (param $p12 i32) (param $p13 i32) (param $p14 i32) (param $p15 i32) (param $p16 i32) (result i32)
    local.get $p0
    local.get $p1
    local.get $p2
    local.get $p3
    local.get $p4
    local.get $p5
    local.get $p6
    local.get $p7
    local.get $p8
    local.get $p9
    local.get $p10
    local.get $p11
    local.get $p12
    local.get $p13
    local.get $p14
    local.get $p15
    local.get $p16
    call $other)
  ;; Recursion through the call makes the difference accumulate until the stack runs out.
  (func $deep (export "deep") (param $depth i32) (result i32)
    (if (result i32) (i32.eqz (local.get $depth))
      (then (i32.const 0))
      (else
        (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9) (i32.const 10) (i32.const 11) (i32.const 12) (i32.const 13) (i32.const 14) (i32.const 15) (i32.const 16) (i32.const 17)
        (call $other)
        (call $deep (i32.sub (local.get $depth) (i32.const 1)))
        i32.add))))
