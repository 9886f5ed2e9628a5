/**
 * The host's side of the calling convention (src/compiler/frame.ts, `callLayout` and
 * `hostCallLayout`): how the host calls into generated code and reads its results, and how it serves
 * a call that generated code made to an exit (an imported function or another instance's function:
 * src/compiler/README.md, "Exits").
 *
 * Both sides use the same layout around the callee's *reference* (the caller's SP at the call):
 * argument i < registerArgs in integer argument register firstArgRegister + i, argument
 * registerArgs + j at [reference + 8·j]; results 0 and 1 in the result registers, the others in the
 * result area above the stack arguments (under `native`, at the address passed in the ABI's
 * indirect result register); x64's call pushes the return address below the reference, aarch64's
 * leaves it in the link register.
 */

import { type HostCallLayout, hostCallLayout } from "../../src/compiler/frame.js";
import type { Strategy } from "../../src/compiler/target.js";
import { lookup } from "../../src/compiler/targets/index.js";
import type { FuncType } from "../../src/wasm/ir.js";
import type { Engine } from "../unicorn/engine.js";
import { memo } from "./memo.js";

const SLOT_BYTES = 8;

/** Layouts by function type, then target and strategy: every call into or out of an instance needs one. */
const layouts = new WeakMap<FuncType, Map<string, HostCallLayout>>();

function layoutOf(engine: Engine, strategy: Strategy, type: FuncType): HostCallLayout {
  const byTarget = memo(layouts, type, () => new Map<string, HostCallLayout>());
  return memo(byTarget, `${engine.target}/${strategy}`, () =>
    hostCallLayout(engine.target, strategy, type.params, type.results),
  );
}

/** The register of result `index` < registerResults. */
function resultRegister(engine: Engine, index: number): string {
  const { result, secondResult } = lookup(engine.target).isa.registers;
  return index === 0 ? result : secondResult;
}

/** Sets up a call to `type` code with `args`, from `reference`, returning to `returnAddress`. */
export function writeEntryCall(
  engine: Engine,
  strategy: Strategy,
  type: FuncType,
  args: readonly bigint[],
  reference: number,
  returnAddress: bigint,
): void {
  const layout = layoutOf(engine, strategy, type);
  args.forEach((arg, i) => {
    if (i < layout.registerArgs) engine.writeRegister(`arg${layout.firstArgRegister + i}`, arg);
    else engine.writeU64(reference + SLOT_BYTES * (i - layout.registerArgs), arg);
  });
  if (layout.resultPointer) {
    engine.writeRegister(lookup(engine.target).isa.registers.indirectResult, resultArea(layout, reference));
  }
  const sp = reference - layout.returnAddressBytes;
  engine.writeRegister("sp", sp);
  if (layout.returnAddressBytes > 0) engine.writeU64(sp, returnAddress);
  else engine.writeRegister("lr", returnAddress);
}

/** Bytes above the reference the host reserves for a call's stack arguments and result area. */
export function entryCallAreaBytes(engine: Engine, strategy: Strategy, type: FuncType): number {
  return layoutOf(engine, strategy, type).areaBytes;
}

/** The results of a call into `type` code from `reference` that returned, as raw slots. */
export function readEntryResults(
  engine: Engine,
  strategy: Strategy,
  type: FuncType,
  reference: number,
): bigint[] {
  const layout = layoutOf(engine, strategy, type);
  const area = resultArea(layout, reference);
  return type.results.map((_, i) =>
    i < layout.registerResults
      ? engine.readRegister(resultRegister(engine, i))
      : engine.readU64(area + SLOT_BYTES * (i - layout.registerResults)),
  );
}

/** Where the memory results of a call from `reference` are: directly above its stack arguments. */
function resultArea(layout: HostCallLayout, reference: number): number {
  return reference + layout.stackArgsBytes;
}

/** A call generated code made to an exit, as the machine holds it when it stops there. */
export interface ExitCall {
  /** The callee's reference: the caller's SP at the call. */
  readonly reference: number;
  /** Where the caller continues. */
  readonly returnAddress: number;
  /** The arguments as raw slots. */
  readonly args: readonly bigint[];
  readonly layout: HostCallLayout;
  /** Where the memory results go: the caller's result area, or the address it passed. */
  readonly resultArea: number;
}

export function readExitCall(engine: Engine, strategy: Strategy, type: FuncType): ExitCall {
  const layout = layoutOf(engine, strategy, type);
  const sp = Number(engine.readRegister("sp"));
  const reference = sp + layout.returnAddressBytes;
  const returnAddress = Number(
    layout.returnAddressBytes > 0 ? engine.readU64(sp) : engine.readRegister("lr"),
  );
  const args = type.params.map((_, i) =>
    i < layout.registerArgs
      ? engine.readRegister(`arg${layout.firstArgRegister + i}`)
      : engine.readU64(reference + SLOT_BYTES * (i - layout.registerArgs)),
  );
  const resultAreaAt = layout.resultPointer
    ? Number(engine.readRegister(lookup(engine.target).isa.registers.indirectResult))
    : resultArea(layout, reference);
  return { reference, returnAddress, args, layout, resultArea: resultAreaAt };
}

/**
 * The callee's return, emulated: the results where the layout puts them (x64 `native` with results
 * in memory: the area's address in the result register too) and SP back at the reference (x64: the
 * return address popped); the caller resumes at `call.returnAddress`.
 */
export function writeExitReturn(engine: Engine, call: ExitCall, results: readonly bigint[]): void {
  const { layout } = call;
  results.forEach((bits, i) => {
    if (i < layout.registerResults) engine.writeRegister(resultRegister(engine, i), bits);
    else engine.writeU64(call.resultArea + SLOT_BYTES * (i - layout.registerResults), bits);
  });
  if (layout.resultPointer && lookup(engine.target).abi.indirectResultReturned) {
    engine.writeRegister("ret0", call.resultArea);
  }
  engine.writeRegister("sp", call.reference);
}
