;; Forty values pushed before a call: the operand stack is far deeper than any frame's locals, on a
;; function with an odd number of pending values (16-byte pairs of slots).
(module
  (func $id (param i32) (result i32) (local.get 0))
  (func (export "wide") (param $x i32) (result i32)
    (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x)
    (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x)
    (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x)
    (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x)
    (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x)
    (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x)
    (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x)
    (local.get $x) (local.get $x) (local.get $x) (local.get $x)
    (call $id (local.get $x))
    i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add
    i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add
    i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add
    i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add i32.add))
