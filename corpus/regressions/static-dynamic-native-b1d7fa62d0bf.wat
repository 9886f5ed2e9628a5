(module
  (type (;0;) (func))
  (type (;1;) (func (param i32)))
  (import "env" "h0" (func $h0 (type 0)))
  (func $rec1 (type 1) (param i32)
    local.get 0
    i32.eqz
    if  ;; label = @1
      return
    end)
  (func $rec2 (type 1) (param i32)
    local.get 0
    i32.eqz
    if  ;; label = @1
      return
    end
    call $h0
    i64.const 0
    drop)
  (func $f3 (type 0))
  (func $f4 (type 0))
  (func $f5 (export "run") (type 0)
    block  ;; label = @1
      block  ;; label = @2
        global.get 0
        i32.const 63
        i32.and
        call $rec2
        i32.const 0
        br_table 0 (;@2;) 1 (;@1;)
      end
    end)
  (table (;0;) 7 7 funcref)
  (memory (;0;) 1 2)
  (global (;0;) (export "g0") i32 (i32.const 1))
  (elem (;0;) (i32.const 0) func $h0 $rec1 $rec2 $f3 $f4 $f5)
  (data (;0;) (i32.const 0) ""))
