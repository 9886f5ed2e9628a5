// The code the limiter inserts: every direct call of a function that costs more than 0 becomes a
// guarded call, exactly as the reference writes it (15 instructions around and with the call):
//
//   global.get H  i32.const c  i32.add  global.set H             raise the height by the charge c
//   global.get H  i32.const L  i32.gt_u  if  unreachable  end    trap when it now exceeds the limit L
//   call f
//   global.get H  i32.const c  i32.sub  global.set H             lower it again
//
// Calls of functions that cost 0 (imports) and every call_indirect are left as they are.
import type { FunctionBody, Instr } from "../wasm/ir.js";
import { type BodyOrigins, PARTS, type Part } from "./origins.js";

/** The height global and the limit every guard compares it with. */
export interface Guard {
  readonly heightGlobal: number;
  readonly limit: number;
}

/** Instructions with the part each plays (origins.ts), as a function body is built. */
export class CodeBuilder {
  readonly code: Instr[] = [];
  private readonly parts: number[] = [];
  private readonly sources: number[] = [];

  add(instr: Instr, part: Part, source: number): void {
    this.code.push(instr);
    this.parts.push(PARTS.indexOf(part));
    this.sources.push(source);
  }

  /** The guarded call of `callee`, charging `charge`; `offset` and `source` place it in the original. */
  guardedCall(
    callee: number,
    charge: number,
    guard: Guard,
    offset: number,
    source: number,
    callPart: Part,
  ): void {
    const height = guard.heightGlobal;
    const add = (instr: Instr, part: Part) => this.add(instr, part, source);
    // The constants are i32 immediates: charges and limits above 2^31 wrap as the reference's casts do.
    const adjust = (op: "i32.add" | "i32.sub", part: Part) => {
      add({ op: "global.get", global: height, offset }, part);
      add({ op: "i32.const", value: charge | 0, offset }, part);
      add({ op, offset }, part);
      add({ op: "global.set", global: height, offset }, part);
    };
    adjust("i32.add", "raise");
    add({ op: "global.get", global: height, offset }, "check");
    add({ op: "i32.const", value: guard.limit | 0, offset }, "check");
    add({ op: "i32.gt_u", offset }, "check");
    add({ op: "if", blockType: null, offset }, "check");
    add({ op: "unreachable", offset }, "trap");
    add({ op: "end", offset }, "check");
    add({ op: "call", func: callee, offset }, callPart);
    adjust("i32.sub", "lower");
  }

  origins(): BodyOrigins {
    return { parts: Uint8Array.from(this.parts), sources: Int32Array.from(this.sources) };
  }
}

/**
 * One original body with its calls guarded (`costs` by function index) and each `ref.func` naming
 * what `redirect` says (a thunk, or the function itself).
 */
export function guardBody(
  body: FunctionBody,
  costs: readonly number[],
  guard: Guard,
  redirect: (funcIndex: number) => number,
): { body: FunctionBody; origins: BodyOrigins; guardedCalls: number } {
  const builder = new CodeBuilder();
  let guardedCalls = 0;
  for (const [instrIndex, instr] of body.code.entries()) {
    if (instr.op === "call" && costs[instr.func]! > 0) {
      guardedCalls++;
      builder.guardedCall(instr.func, costs[instr.func]!, guard, instr.offset, instrIndex, "original");
    } else if (instr.op === "ref.func") {
      builder.add({ ...instr, func: redirect(instr.func) }, "original", instrIndex);
    } else builder.add(instr, "original", instrIndex);
  }
  return { body: { ...body, code: builder.code }, origins: builder.origins(), guardedCalls };
}
