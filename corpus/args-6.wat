;; The write-up's example, with 6 parameters: a function with 6 parameters loads them
;; all and calls another function with 6 parameters. x64 passes 6 in registers, AArch64 8; the
;; rest go on the stack, so a naive port uses different amounts of stack at the call.
(module
  (func $other (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $p4 i32) (param $p5 i32) (result i32)
    local.get $p0
    local.get $p5
    i32.add)
  (func $caller (export "caller") (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $p4 i32) (param $p5 i32) (result i32)
    local.get $p0
    local.get $p1
    local.get $p2
    local.get $p3
    local.get $p4
    local.get $p5
    call $other)
  ;; Recursion through the call makes the difference accumulate until the stack runs out.
  (func $deep (export "deep") (param $depth i32) (result i32)
    (if (result i32) (i32.eqz (local.get $depth))
      (then (i32.const 0))
      (else
        (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6)
        (call $other)
        (call $deep (i32.sub (local.get $depth) (i32.const 1)))
        i32.add))))
