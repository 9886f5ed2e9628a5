/**
 * Emulator harness figures, per target:
 *   - loop cost per emulated instruction, CPU time: fuel only (Unicorn's instruction counter, itself a
 *     code hook), block-metered (what plain runs use: a block hook alone), instrumented (the code hook:
 *     exact pcs, step count), the per-instruction (pc, sp) recorder watching the loop head (one record
 *     per iteration, read back after the run; what full sequences use), and the native stack profiler
 *     (what profiles use: per block on the block-metered engine, the loop head a record point, one
 *     step per iteration); on a loop that leaves sp alone and on one that pushes and pops (so push/pop
 *     vs ALU cost per instruction);
 *   - one 10-instruction run: reused engine, reused engine with new code (write + invalidate +
 *     retranslate), fresh engine (create, map, exits, write, run, close).
 * Targets to meet: the recorder of profiles ≤ 3× fuel-only on the AArch64 counted loop; reused-engine
 * run ≤ 20 µs.
 */
import { availableParallelism, loadavg } from "node:os";
import { createEngine, type Engine, type EngineOptions } from "../emulators/unicorn/index.js";
import { PROFILE_POINT, type ProfileCode } from "../emulators/unicorn/stack-profile.js";
import { TARGETS, type Target } from "../src/compiler/target.js";
import { PROGRAMS } from "../test/emulators/unicorn/programs.js";
import { cpuMeasure, formatDuration, median } from "./stats.js";

const CODE = 0x10000;
const CODE_SIZE = 0x2000;
const EXIT = CODE + 0x1000; // the test programs branch to their label `exit` at offset 0x1000
const STACK_BASE = 0x100000;
const STACK_TOP = 0x110000;
const LOOP_ITERATIONS = 1_000_000;
const LOOP_ROUNDS = 15;

function prepared(target: Target, options: EngineOptions): Engine {
  const engine = createEngine(target, options);
  engine.map(CODE, CODE_SIZE, "rwx");
  engine.map(STACK_BASE, STACK_TOP - STACK_BASE, "rw");
  engine.setExits([EXIT]);
  engine.writeRegister("sp", STACK_TOP);
  return engine;
}

const INSTRUMENTED: EngineOptions = { instrument: { address: CODE, size: CODE_SIZE } };
const BLOCK_METERED: EngineOptions = { ...INSTRUMENTED, metering: "block" };

/** Profiler tables over the test program: SP at its reference throughout, the loop head a Wasm instruction start. */
function loopHeadProfileCode(loopHead: number): ProfileCode {
  const kinds = new Uint8Array(CODE_SIZE);
  const locs = new Int32Array(CODE_SIZE).fill(-1);
  kinds[loopHead] = PROFILE_POINT.instr;
  locs[loopHead] = 0;
  return {
    rel: new Int32Array(CODE_SIZE),
    kinds,
    locs,
    checks: new Int32Array(CODE_SIZE).fill(-1),
    keys: new BigUint64Array(1),
    returnAddressBytes: 0,
  };
}

/** Nine `add ret0, ret0, 1` and a branch to EXIT: ten instructions. `variant` changes the first immediate. */
function tenInstructions(target: Target, variant: number): Uint8Array {
  const bytes = new Uint8Array(44);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 9; i++) {
    const immediate = i === 0 ? 1 + (variant & 0x3f) : 1;
    if (target === "x64") {
      view.setUint32(i * 4, 0x00c0_8348 | (immediate << 24), true); // 48 83 c0 ii: add rax, ii
    } else {
      view.setUint32(i * 4, 0x9100_0000 | (immediate << 10), true); // add x0, x0, #ii
    }
  }
  if (target === "x64") {
    view.setUint8(36, 0xe9); // jmp rel32 (to EXIT, from the end of the jmp)
    view.setInt32(37, EXIT - (CODE + 41), true);
    return bytes.subarray(0, 41);
  }
  view.setUint32(36, 0x1400_0000 | ((EXIT - (CODE + 36)) >> 2), true); // b EXIT
  return bytes.subarray(0, 40);
}

/** ns per emulated instruction of each loop configuration, run in turns (so load hits them alike). */
function loopThroughput(target: Target, loop: "countedLoop" | "pushPopLoop"): Record<string, number> {
  const { code, at } = PROGRAMS[target][loop];
  const instructions = 2 + (loop === "countedLoop" ? 3 : 5) * LOOP_ITERATIONS + 1;
  const setUp = (options: EngineOptions, sampling: "none" | "recorder" | "profiler") => {
    const engine = prepared(target, options);
    engine.writeMemory(CODE, code);
    if (sampling === "recorder") engine.setWatchPoints([CODE + at.loop!]);
    if (sampling === "profiler") engine.setProfileCode(loopHeadProfileCode(at.loop!));
    const run = () => {
      engine.writeRegister("arg0", LOOP_ITERATIONS);
      if (sampling === "profiler") engine.startProfile(STACK_TOP);
      const result = engine.run({ begin: CODE, fuel: 2 * instructions });
      if (result.stop.kind !== "exit") throw new Error(`loop stopped by ${result.stop.kind}`);
      if (sampling === "recorder" && result.records.length !== LOOP_ITERATIONS)
        throw new Error("missing records");
      if (sampling === "profiler" && engine.finishProfile().steps !== LOOP_ITERATIONS) {
        throw new Error("missing profile steps");
      }
    };
    return { engine, run, times: [] as number[] };
  };
  const variants = {
    "fuel only (Unicorn count)": setUp({}, "none"),
    "block-metered (plain runs)": setUp(BLOCK_METERED, "none"),
    "instrumented (code hook)": setUp(INSTRUMENTED, "none"),
    "recorder (records + sp)": setUp(INSTRUMENTED, "recorder"),
    "stack profiler (per block)": setUp(BLOCK_METERED, "profiler"),
  };
  for (let round = 0; round < LOOP_ROUNDS; round++) {
    for (const variant of Object.values(variants)) {
      variant.times.push(...cpuMeasure(variant.run, 1, round === 0 ? 1 : 0));
    }
  }
  const nsPerInstruction = Object.fromEntries(
    Object.entries(variants).map(([name, variant]) => {
      variant.engine.close();
      return [name, (median(variant.times) * 1e6) / instructions];
    }),
  );
  const fuelOnly = nsPerInstruction["fuel only (Unicorn count)"]!;
  console.log(
    `  ${target} ${loop}: ${instructions.toLocaleString("en")} instructions, CPU time, median of ${LOOP_ROUNDS}:`,
  );
  for (const [name, ns] of Object.entries(nsPerInstruction)) {
    console.log(
      `    ${name.padEnd(28)} ${ns.toFixed(2)} ns/instr = ${(ns / fuelOnly).toFixed(2)}× fuel only`,
    );
  }
  return nsPerInstruction;
}

function tinyRuns(target: Target): void {
  const program = tenInstructions(target, 0);
  const expectTen = (engine: Engine) => {
    const result = engine.run({ begin: CODE, fuel: 100 });
    if (result.stop.kind !== "exit" || result.steps !== 10)
      throw new Error("the 10-instruction run went wrong");
  };

  const engine = prepared(target, INSTRUMENTED);
  engine.writeMemory(CODE, program);
  const reused = median(
    cpuMeasure(() => {
      engine.writeRegister("sp", STACK_TOP);
      expectTen(engine);
    }, 20_000),
  );
  let variant = 0;
  const newCode = median(
    cpuMeasure(() => {
      engine.writeMemory(CODE, tenInstructions(target, ++variant));
      engine.writeRegister("sp", STACK_TOP);
      expectTen(engine);
    }, 5_000),
  );
  engine.close();

  const fresh = median(
    cpuMeasure(() => {
      const once = prepared(target, INSTRUMENTED);
      once.writeMemory(CODE, program);
      once.writeRegister("sp", STACK_TOP);
      expectTen(once);
      once.close();
    }, 200),
  );
  console.log(`  ${target} one 10-instruction run, median:`);
  console.log(`    reused engine            ${formatDuration(reused)}`);
  console.log(`    reused engine, new code  ${formatDuration(newCode)}`);
  console.log(
    `    fresh engine             ${formatDuration(fresh)}   fresh / reused = ${(fresh / reused).toFixed(0)}×`,
  );
}

export async function harnessBench(): Promise<void> {
  const [load] = loadavg();
  console.log(
    `  (load average ${load?.toFixed(1)} on ${availableParallelism()} CPUs: figures scale with it)`,
  );
  for (const target of TARGETS) {
    const alu = loopThroughput(target, "countedLoop");
    const stack = loopThroughput(target, "pushPopLoop");
    for (const name of ["fuel only (Unicorn count)", "block-metered (plain runs)"]) {
      console.log(
        `    push/pop loop vs ALU loop, ${name}: ${(stack[name]! / alu[name]!).toFixed(2)}× per instruction`,
      );
    }
    const fuelOnly = alu["fuel only (Unicorn count)"]!;
    const recorder = alu["recorder (records + sp)"]! / fuelOnly;
    const profiler = alu["stack profiler (per block)"]! / fuelOnly;
    console.log(
      `    counted loop vs fuel only: stack profiler ${profiler.toFixed(2)}×  [goal on AArch64 ≤ 3×]; per-instruction recorder ${recorder.toFixed(2)}× (full sequences only)`,
    );
    tinyRuns(target);
  }
}
