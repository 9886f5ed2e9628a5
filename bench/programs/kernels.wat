;; The bench's stand-ins for real C programs until corpus/real (WASI, sign-extension) can run here:
;; the kinds of loops clang-compiled C spends its time in, written by hand. Every export takes and
;; returns i32, so V8 calls them straight from JS.
(module
  (memory 4)
  ;; Primes below n (n ≤ 262144): a byte sieve in linear memory.
  (func (export "sieve") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $count i32)
    (block $cleared (loop $clear
      (br_if $cleared (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store8 (local.get $i) (i32.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $clear)))
    (local.set $i (i32.const 2))
    (block $done (loop $outer
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (if (i32.eqz (i32.load8_u (local.get $i))) (then
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $j (i32.mul (local.get $i) (local.get $i)))
        (block $marked (loop $mark
          (br_if $marked (i32.ge_u (local.get $j) (local.get $n)))
          (i32.store8 (local.get $j) (i32.const 1))
          (local.set $j (i32.add (local.get $j) (local.get $i)))
          (br $mark)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $outer)))
    (local.get $count))
  ;; Kahan-compensated sum of 1/k² for k = 1..n, scaled to an integer.
  (func (export "kahan") (param $n i32) (result i32)
    (local $k i32) (local $sum f64) (local $c f64) (local $y f64) (local $t f64)
    (local.set $k (i32.const 1))
    (block $done (loop $next
      (br_if $done (i32.gt_u (local.get $k) (local.get $n)))
      (local.set $y (f64.sub
        (f64.div (f64.const 1) (f64.mul (f64.convert_i32_u (local.get $k)) (f64.convert_i32_u (local.get $k))))
        (local.get $c)))
      (local.set $t (f64.add (local.get $sum) (local.get $y)))
      (local.set $c (f64.sub (f64.sub (local.get $t) (local.get $sum)) (local.get $y)))
      (local.set $sum (local.get $t))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $next)))
    (i32.trunc_f64_s (f64.mul (local.get $sum) (f64.const 1e9))))
  ;; Moves of the towers of Hanoi with n discs, by recursion (2^n − 1).
  (func $move (param $n i32) (param $from i32) (param $to i32) (param $via i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 0))
      (else (i32.add (i32.add
        (call $move (i32.sub (local.get $n) (i32.const 1)) (local.get $from) (local.get $via) (local.get $to))
        (i32.const 1))
        (call $move (i32.sub (local.get $n) (i32.const 1)) (local.get $via) (local.get $to) (local.get $from))))))
  (func (export "hanoi") (param $n i32) (result i32)
    (call $move (local.get $n) (i32.const 1) (i32.const 3) (i32.const 2)))
  ;; n! as a bignum of base-10000 limbs at address 0; returns the sum of its decimal digits.
  (func (export "factorial") (param $n i32) (result i32)
    (local $limbs i32) (local $k i32) (local $i i32) (local $carry i32) (local $v i32) (local $sum i32)
    (i32.store (i32.const 0) (i32.const 1))
    (local.set $limbs (i32.const 1))
    (local.set $k (i32.const 2))
    (block $done (loop $factor
      (br_if $done (i32.gt_u (local.get $k) (local.get $n)))
      (local.set $carry (i32.const 0))
      (local.set $i (i32.const 0))
      (block $end (loop $limb
        (br_if $end (i32.ge_u (local.get $i) (local.get $limbs)))
        (local.set $v (i32.add (i32.mul (i32.load (i32.shl (local.get $i) (i32.const 2))) (local.get $k))
                               (local.get $carry)))
        (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.rem_u (local.get $v) (i32.const 10000)))
        (local.set $carry (i32.div_u (local.get $v) (i32.const 10000)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $limb)))
      (block $carried (loop $spill
        (br_if $carried (i32.eqz (local.get $carry)))
        (i32.store (i32.shl (local.get $limbs) (i32.const 2)) (i32.rem_u (local.get $carry) (i32.const 10000)))
        (local.set $carry (i32.div_u (local.get $carry) (i32.const 10000)))
        (local.set $limbs (i32.add (local.get $limbs) (i32.const 1)))
        (br $spill)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $factor)))
    (local.set $i (i32.const 0))
    (block $summed (loop $digits
      (br_if $summed (i32.ge_u (local.get $i) (local.get $limbs)))
      (local.set $v (i32.load (i32.shl (local.get $i) (i32.const 2))))
      (block $limbdone (loop $digit
        (br_if $limbdone (i32.eqz (local.get $v)))
        (local.set $sum (i32.add (local.get $sum) (i32.rem_u (local.get $v) (i32.const 10))))
        (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
        (br $digit)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $digits)))
    (local.get $sum)))
