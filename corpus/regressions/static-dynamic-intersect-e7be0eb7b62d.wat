(module
  (type (;0;) (func (result f64)))
  (type (;1;) (func))
  (func $f0 (type 0) (result f64)
    i32.const 0
    i32.const 1
    i32.and
    memory.grow
    i32.const 65535
    i32.and
    f64.load)
  (func $f1 (export "run") (type 1)
    call $f0
    f64.const 0x0p+0 (;=0;)
    f64.ge
    if  ;; label = @1
    end)
  (func $f2 (type 1))
  (table (;0;) 4 4 funcref)
  (memory (;0;) 1 2)
  (elem (;0;) (i32.const 0) func $f0 $f1 $f2)
  (data (;0;) (i32.const 65528) ""))
