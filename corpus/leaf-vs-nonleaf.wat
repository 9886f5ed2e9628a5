;; A leaf callee (no calls: AArch64 may skip its frame record) next to a non-leaf one with the same
;; signature. Under `native` the leaf uses 16 bytes less on AArch64 than on x64.
(module
  (func $leaf (param i32 i32) (result i32)
    (i32.mul (local.get 0) (local.get 1)))
  (func $nonleaf (param i32 i32) (result i32)
    (call $leaf (local.get 0) (local.get 1)))
  (func (export "via_leaf") (param $n i32) (result i32)
    (call $leaf (local.get $n) (i32.const 3)))
  (func (export "via_nonleaf") (param $n i32) (result i32)
    (call $nonleaf (local.get $n) (i32.const 3)))
  (func $chain (export "chain") (param $depth i32) (result i32)
    (if (result i32) (i32.le_s (local.get $depth) (i32.const 0))
      (then (call $leaf (i32.const 2) (i32.const 21)))
      (else (i32.add (i32.const 1) (call $chain (i32.sub (local.get $depth) (i32.const 1))))))))
