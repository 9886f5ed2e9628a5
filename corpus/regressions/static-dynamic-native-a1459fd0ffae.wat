(module
  (type (;0;) (func))
  (func $f0 (type 0))
  (func $f1 (export "run") (type 0)
    call $f0
    i64.const 0
    drop)
  (table (;0;) 3 3 funcref)
  (memory (;0;) 1 2)
  (elem (;0;) (i32.const 0) func $f0 $f1)
  (data (;0;) (i32.const 65528) ""))
