;; Bulk memory in a recursion: every level claims a 64-byte frame in linear memory, fills it,
;; copies its caller's frame into it (overlapping when the frames are close), initialises part of
;; it from a passive segment, and calls a leaf that fills a few bytes — so `native`, where an
;; AArch64 leaf keeps no frame record, diverges; the bulk operators themselves use no stack.
(module
  (memory 1 1)
  (data $greeting "samestack: bulk memory, recursively")
  (global $top (mut i32) (i32.const 1024))

  (func $mark (param $at i32) (param $byte i32)
    (memory.fill (local.get $at) (local.get $byte) (i32.const 7)))

  ;; Returns the sum over the levels of each frame's bytes 8…15 (from the segment), wrapping.
  (func $level (export "level") (param $depth i32) (result i64)
    (local $frame i32)
    (local.set $frame (global.get $top))
    (global.set $top (i32.add (local.get $frame) (i32.const 48)))
    (memory.fill (local.get $frame) (local.get $depth) (i32.const 64))
    (memory.copy (local.get $frame) (i32.sub (local.get $frame) (i32.const 48)) (i32.const 40))
    (memory.init $greeting (i32.add (local.get $frame) (i32.const 8)) (i32.rem_u (local.get $depth) (i32.const 9)) (i32.const 24))
    (call $mark (i32.add (local.get $frame) (i32.const 57)) (local.get $depth))
    (i64.add
      (i64.load offset=8 (local.get $frame))
      (if (result i64) (i32.eqz (local.get $depth))
        (then (i64.load offset=56 (local.get $frame)))
        (else (call $level (i32.sub (local.get $depth) (i32.const 1)))))))

  ;; Copies `length` bytes from `from` to `to` in one step, and drops the segment when asked:
  ;; out of bounds traps before anything is written.
  (func (export "move") (param $to i32) (param $from i32) (param $length i32) (param $drop i32) (result i64)
    (memory.copy (local.get $to) (local.get $from) (local.get $length))
    (if (local.get $drop) (then (data.drop $greeting)))
    (i64.load (local.get $to))))
