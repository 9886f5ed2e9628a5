/**
 * Execution figures, as ratios, in CPU time (the machine is shared): per program and target,
 *   - plain (what `run` does: block-metered engine, fuel in Wasm instructions) against V8 running
 *     the same bytes natively, and Wasm instructions per second emulated;
 *   - recorded with the stack profile built (what `check` and `verify` do) against plain.
 * Programs: fib(20) and a loop (issue goal: plain within 150× of V8), and the bench's stand-ins for
 * real C programs (bench/programs/kernels.wat: corpus/real needs a WASI host and sign-extension,
 * which this branch lacks).
 */
import { readFileSync } from "node:fs";
import { CODE_BASE } from "../emulators/runtime/layout.js";
import { type Instance, Runner } from "../emulators/runtime/runner.js";
import { compileModule } from "../src/compiler/compile.js";
import { TARGETS } from "../src/compiler/target.js";
import { recordProfile } from "../src/verify/dynamic.js";
import { decodeModule, validateModule, watToBinary } from "../src/wasm/index.js";
import type { ValidatedModule } from "../src/wasm/ir.js";
import { cpuMeasure, formatDuration, median } from "./stats.js";

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

interface Program {
  readonly source: string;
  readonly name: string;
  readonly arg: number;
  readonly goal?: string;
}

const PROGRAMS: readonly Program[] = [
  { source: "fib", name: "fib", arg: 20, goal: "≤ 150×" },
  { source: "fib", name: "loop", arg: 200_000, goal: "≤ 150×" },
  { source: "kernels", name: "sieve", arg: 200_000 },
  { source: "kernels", name: "kahan", arg: 300_000 },
  { source: "kernels", name: "hanoi", arg: 18 },
  { source: "kernels", name: "factorial", arg: 2_000 },
];
const ROUNDS = 9;

async function load(source: string): Promise<{ bytes: Uint8Array; validated: ValidatedModule }> {
  const text =
    source === "fib" ? FIB_LOOP : readFileSync(new URL("./programs/kernels.wat", import.meta.url), "utf8");
  const bytes = await watToBinary(text, `${source}.wat`);
  return { bytes, validated: validateModule(decodeModule(bytes)) };
}

function instanceOn(runner: Runner, validated: ValidatedModule): Instance {
  const artifact = compileModule(validated, {
    target: runner.target,
    strategy: "intersect",
    layout: { codeBase: BigInt(CODE_BASE) },
  });
  const instantiated = runner.instantiate(artifact);
  if (!instantiated.ok) throw new Error("cannot instantiate a benchmark module");
  return instantiated.instance;
}

export async function executionBench(): Promise<void> {
  const modules = new Map<string, { bytes: Uint8Array; validated: ValidatedModule }>();
  for (const source of new Set(PROGRAMS.map((p) => p.source))) modules.set(source, await load(source));
  const runners = new Map(TARGETS.map((target) => [target, new Runner(target, {}, { metering: "block" })]));
  console.log(`plain (block-metered, intersect) vs V8, CPU time, median of ${ROUNDS}:`);
  for (const program of PROGRAMS) {
    const { bytes, validated } = modules.get(program.source)!;
    const native = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>))
      .exports as Record<string, (n: number) => number>;
    const call = native[program.name]!;
    // V8 is timed over enough calls to be measurable, after its tiers warmed up.
    const calls = Math.max(
      1,
      Math.round(2 / Math.max(0.001, median(cpuMeasure(() => call(program.arg), 5, 5)))),
    );
    const v8Time =
      median(
        cpuMeasure(
          () => {
            for (let i = 0; i < calls; i++) call(program.arg);
          },
          ROUNDS,
          2,
        ),
      ) / calls;
    const parts = [`  ${program.name}(${program.arg}): V8 ${formatDuration(v8Time)}`];
    for (const target of TARGETS) {
      const instance = instanceOn(runners.get(target)!, validated);
      const args = [{ type: "i32" as const, value: String(program.arg) }];
      const time = median(cpuMeasure(() => instance.invoke(program.name, args), ROUNDS, 1));
      const wasm = instance.wasmInstructionsUsed;
      parts.push(
        `${target} ${formatDuration(time)} = ${(time / v8Time).toFixed(1)}× V8, ${(wasm / time / 1000).toFixed(0)} M Wasm instr/s (${wasm.toLocaleString("en")})`,
      );
      instance.close();
    }
    console.log(`${parts.join("; ")}${program.goal ? `  [goal ${program.goal}]` : ""}`);
  }

  const { validated } = modules.get("fib")!;
  console.log(`recorded + stack profile (recordProfile) vs plain, fib(18), CPU time, median of ${ROUNDS}:`);
  for (const target of TARGETS) {
    const runner = runners.get(target)!;
    const args = [{ type: "i32" as const, value: "18" }];
    const plain = instanceOn(runner, validated);
    const recorded = instanceOn(runner, validated);
    const plainTime = median(cpuMeasure(() => plain.invoke("fib", args), ROUNDS, 1));
    const samplesTime = median(cpuMeasure(() => recorded.invokeRecorded("fib", args), ROUNDS, 1));
    const recordedTime = median(
      cpuMeasure(() => recordProfile(recorded, { exportName: "fib", args }), ROUNDS, 1),
    );
    console.log(
      `  ${target}: plain ${formatDuration(plainTime)}; recorded samples alone ${formatDuration(samplesTime)} = ${(samplesTime / plainTime).toFixed(1)}×; recorded + profile ${formatDuration(recordedTime)} = ${(recordedTime / plainTime).toFixed(1)}× plain  [goal ≤ 1.5×]`,
    );
    plain.close();
    recorded.close();
  }
  for (const runner of runners.values()) runner.close();
}
