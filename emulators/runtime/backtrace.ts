/**
 * Wasm backtraces from a stopped machine, without frame pointers: from a pc and SP, the function's
 * unwind record gives the bytes SP is below the frame's reference (the caller's SP at the call) and
 * where the return address is; the return address is the caller's pc, the reference its SP.
 *
 * Attribution, as everywhere in samestack: a pc inside a prologue belongs to the caller's `call`,
 * so such a frame adds no location of its own; a return address belongs to the call before it.
 */
import { type Artifact, sourceAt, type TrapSite, unwindAt } from "../../src/compiler/artifact.js";
import type { UnwindRecord } from "../../src/compiler/masm.js";
import type { WasmLocation } from "../../src/wasm/outcome.js";

/** What the walk reads from the stopped machine. */
export interface MachineState {
  readonly pc: number;
  readonly sp: number;
  /** The link register (aarch64); never read on x64, whose return addresses are all on the stack. */
  readonly linkRegister: () => number;
  readonly readU64: (address: number) => bigint;
}

export type Backtrace =
  | { readonly ok: true; readonly frames: readonly WasmLocation[] }
  | { readonly ok: false; readonly message: string };

/**
 * The Wasm locations of the active frames, outermost first, for a machine stopped at `state.pc`
 * (or, for a trap, at its site: pass the site's code address as pc and its location as `trapSite`).
 */
export function wasmBacktrace(artifact: Artifact, state: MachineState, trapSite?: TrapSite): Backtrace {
  const codeBase = Number(artifact.codeBase);
  const hostReturn = Number(artifact.exits.hostReturn);
  const frames: WasmLocation[] = [];
  let pc = state.pc;
  let sp = state.sp;
  // The innermost frame is looked up at its pc; callers at their return address − 1 (the call).
  let lookupOffset = pc - codeBase;
  // Every caller's frame is at least its return address or frame record deep, so SP strictly
  // increases and the walk ends: at the host's return address, or at a read outside the stack.
  for (let depth = 0; ; depth++) {
    const source = sourceAt(artifact, lookupOffset);
    if (source === undefined || source.kind === "exit") {
      return { ok: false, message: `pc 0x${pc.toString(16)} is not in a function` };
    }
    const site =
      source.kind === "trap-stub" ? artifact.trapSites[source.site] : depth === 0 ? trapSite : undefined;
    const funcIndex = site?.funcIndex ?? (source.kind === "trap-stub" ? undefined : source.funcIndex);
    if (funcIndex === undefined)
      return { ok: false, message: `unknown trap site at pc 0x${pc.toString(16)}` };
    const location = site ? siteLocation(site) : source.kind === "instr" ? instrLocation(source) : null;
    if (location) frames.push(location);

    const record = unwindAt(artifact, funcIndex, lookupOffset);
    if (record === undefined) return { ok: false, message: `no unwind record for function ${funcIndex}` };
    if (depth > 0 && record.spBelowReference <= 0) {
      return { ok: false, message: `function ${funcIndex} made a call with SP at its reference` };
    }
    const reference = sp + record.spBelowReference;
    const returnAddress = returnAddressOf(record, reference, state, depth);
    if (returnAddress === null) {
      return {
        ok: false,
        message: `function ${funcIndex} has its return address in the link register below the top`,
      };
    }
    if (returnAddress === hostReturn) return { ok: true, frames: frames.reverse() };
    pc = returnAddress;
    sp = reference;
    lookupOffset = pc - 1 - codeBase;
  }
}

/** The return address is in the link register (only in the innermost frame) or at reference − 8:
 *  pushed there by x64's `call`, or saved there as the second word of aarch64's frame record. */
function returnAddressOf(
  record: UnwindRecord,
  reference: number,
  state: MachineState,
  depth: number,
): number | null {
  if (record.returnAddress === "lr") return depth === 0 ? state.linkRegister() : null;
  return Number(state.readU64(reference - 8));
}

function siteLocation(site: TrapSite): WasmLocation | null {
  return site.instrIndex === null
    ? null
    : { funcIndex: site.funcIndex, instrIndex: site.instrIndex, offset: site.wasmOffset };
}

function instrLocation(source: { funcIndex: number; instrIndex: number; wasmOffset: number }): WasmLocation {
  return { funcIndex: source.funcIndex, instrIndex: source.instrIndex, offset: source.wasmOffset };
}
