;; Calls that return several values, across the ABIs' register thresholds. Two results come back in
;; registers on both targets; a third goes through memory. Under `native` each target follows its C
;; ABI for a returned struct: x64 passes the result area's address in rdi, its first argument
;; register, so a call with six arguments and three results passes its sixth argument on the stack;
;; AArch64 passes the address in x8 and all six arguments in registers: the stack use differs at the
;; call. Under `intersect` and `frame` the first two results travel in the two result registers and
;; the rest in an area at a fixed place above the stack arguments, the same bytes on both targets.
(module
  (type $triple (func (param i64) (result i64 i64 i64)))
  (table 2 funcref)
  (elem (i32.const 0) $spread $rotate)
  ;; six arguments, three results
  (func $six (export "six") (param i64 i64 i64 i64 i64 i64) (result i64 i64 i64)
    (i64.add (local.get 0) (local.get 1))
    (i64.add (local.get 2) (local.get 3))
    (i64.add (local.get 4) (local.get 5)))
  (func $spread (type $triple)
    (local.get 0)
    (i64.mul (local.get 0) (i64.const 2))
    (i64.mul (local.get 0) (i64.const 3)))
  (func $rotate (type $triple)
    (i64.rotl (local.get 0) (i64.const 8))
    (i64.rotl (local.get 0) (i64.const 16))
    (i64.rotl (local.get 0) (i64.const 24)))
  ;; Four results from the level below, two more arguments, six for $six; its three results through
  ;; a table of triples; a block with params that may branch out carrying four values.
  (func $walk (export "walk") (param $n i32) (result i64 i64 i64 i64)
    (local $a i64) (local $b i64) (local $c i64)
    (if (result i64 i64 i64 i64) (i32.eqz (local.get $n))
      (then (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4))
      (else
        (call $walk (i32.sub (local.get $n) (i32.const 1)))
        (i64.extend_i32_u (local.get $n))
        (i64.const 7)
        (call $six)
        (local.set $c)
        (local.set $b)
        (local.set $a)
        (call_indirect (type $triple) (i64.add (local.get $a) (local.get $b))
          (i32.and (local.get $n) (i32.const 1)))
        (local.get $c)
        (block $out (param i64 i64 i64 i64) (result i64 i64 i64 i64)
          (br_if $out (i32.and (local.get $n) (i32.const 2)))
          (local.set $a)
          (i64.xor (local.get $a) (i64.const 0x5a5a)))))))
