(module
  (type (;0;) (func (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (type (;1;) (func))
  (func $rec0 (export "run") (type 0) (param i32 i32 i32 i32 i32 i32 i32) (result i32)
    local.get 0
    i32.eqz
    if  ;; label = @1
      i32.const 0
      return
    end
    local.get 0
    i32.const 1
    i32.sub
    i32.const 0
    i32.const 0
    i32.const 0
    i32.const 0
    i32.const 0
    i32.const 0
    call $rec0)
  (func $f1 (type 1))
  (table (;0;) 3 3 funcref)
  (memory (;0;) 1 2)
  (elem (;0;) (i32.const 0) func $rec0 $f1)
  (data (;0;) (i32.const 65528) ""))
