(module
  (type (;0;) (func))
  (func $f0 (export "run") (type 0))
  (table (;0;) 2 2 funcref)
  (memory (;0;) 1 2)
  (elem (;0;) (i32.const 0) func $f0)
  (data (;0;) (i32.const 0) ""))
