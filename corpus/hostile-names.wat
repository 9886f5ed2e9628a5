;; Names from the name section and export names are untrusted text: every report must show them
;; as text, never as markup. The identifiers below are valid WAT (idchars include < > / = `), and
;; `<script>alert`1`</script>` would run if a report pasted it into HTML unescaped.
(module $<b>hostile</b>
  (func $<script>alert`1`</script> (param $<img/src=x/onerror=alert`2`> i32) (param $a&amp i32)
    (param $p2 i32) (param $p3 i32) (param $p4 i32) (param $p5 i32) (param $p6 i32) (result i32)
    (i32.add (local.get 0) (local.get 6)))
  (func $it's&amp (export "<script>alert(3)</script>") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else
        (i32.add
          (call $<script>alert`1`</script>
            (local.get $n) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
            (i32.const 5) (i32.const 6))
          (call $it's&amp (i32.sub (local.get $n) (i32.const 1))))))))
