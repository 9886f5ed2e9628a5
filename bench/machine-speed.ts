/**
 * The machine's speed at the moment, in one figure every section prints beside the load average: V8
 * running fib(20), CPU time per call. This virtual machine's own speed varies by more than half from
 * hour to hour, even idle, and figures in absolute units (cases/s, instructions/s) move with it: this
 * is what to read them against, from run to run and from section to section.
 */
import { watToBinary } from "../src/wasm/index.js";
import { formatDuration, timePerCall } from "./stats.js";

/** fib (recursive calls) and loop (a counted loop), the execution section's programs too. */
const FIB_LOOP = `(module
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2)) (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "loop") (param $n i32) (result i32) (local $acc i32)
    (block $done (loop $top
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $top)))
    (local.get $acc)))`;

/** The binary of FIB_LOOP. */
export async function fibLoopBytes(): Promise<Uint8Array> {
  return watToBinary(FIB_LOOP, "fib.wat");
}

let fib: ((n: number) => number) | null = null;

/** V8's CPU time per fib(20) call now (9 samples of about 2 ms). */
export async function machineSpeed(): Promise<string> {
  if (fib === null) {
    const bytes = (await fibLoopBytes()) as Uint8Array<ArrayBuffer>;
    fib = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.fib as (n: number) => number;
  }
  const call = fib;
  return `V8 fib(20) ${formatDuration(timePerCall(() => call(20), 9))}`;
}
