/**
 * The host's side of the calling convention (src/compiler/frame.ts, `hostCallLayout`): how the host
 * calls into generated code, and how it serves a call that generated code made to an exit (an
 * imported function or another instance's function: src/compiler/README.md, "Exits").
 *
 * Both sides use the same layout around the callee's *reference* (the caller's SP at the call):
 * argument i < registerArgs in integer argument register i, argument registerArgs + j at
 * [reference + 8·j]; x64's call pushes the return address below the reference, aarch64's leaves
 * it in the link register.
 */
import { hostCallLayout } from "../../src/compiler/frame.js";
import type { Strategy } from "../../src/compiler/target.js";
import type { ValType } from "../../src/wasm/ir.js";
import type { Engine } from "../unicorn/engine.js";

/** Sets up a call to `params`-typed code with `args`, from `reference`, returning to `returnAddress`. */
export function writeEntryCall(
  engine: Engine,
  strategy: Strategy,
  params: readonly ValType[],
  args: readonly bigint[],
  reference: number,
  returnAddress: bigint,
): void {
  const layout = hostCallLayout(engine.target, strategy, params);
  args.forEach((arg, i) => {
    if (i < layout.registerArgs) engine.writeRegister(`arg${i}`, arg);
    else engine.writeU64(reference + 8 * (i - layout.registerArgs), arg);
  });
  const sp = reference - layout.returnAddressBytes;
  engine.writeRegister("sp", sp);
  if (layout.returnAddressBytes > 0) engine.writeU64(sp, returnAddress);
  else engine.writeRegister("lr", returnAddress);
}

/** Bytes above the reference the host reserves for a call's stack arguments. */
export function entryCallAreaBytes(engine: Engine, strategy: Strategy, params: readonly ValType[]): number {
  return hostCallLayout(engine.target, strategy, params).areaBytes;
}

/** A call generated code made to an exit, as the machine holds it when it stops there. */
export interface ExitCall {
  /** The callee's reference: the caller's SP at the call. */
  readonly reference: number;
  /** Where the caller continues. */
  readonly returnAddress: number;
  /** The arguments as raw slots. */
  readonly args: readonly bigint[];
}

export function readExitCall(engine: Engine, strategy: Strategy, params: readonly ValType[]): ExitCall {
  const layout = hostCallLayout(engine.target, strategy, params);
  const sp = Number(engine.readRegister("sp"));
  const reference = sp + layout.returnAddressBytes;
  const returnAddress = Number(
    layout.returnAddressBytes > 0 ? engine.readU64(sp) : engine.readRegister("lr"),
  );
  const args = params.map((_, i) =>
    i < layout.registerArgs
      ? engine.readRegister(`arg${i}`)
      : engine.readU64(reference + 8 * (i - layout.registerArgs)),
  );
  return { reference, returnAddress, args };
}

/**
 * The callee's return, emulated: the result in the result register and SP back at the reference
 * (x64: the return address popped); the caller resumes at `call.returnAddress`.
 */
export function writeExitReturn(engine: Engine, call: ExitCall, result: bigint | undefined): void {
  if (result !== undefined) engine.writeRegister("ret0", result);
  engine.writeRegister("sp", call.reference);
}
