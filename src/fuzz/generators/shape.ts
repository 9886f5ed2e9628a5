// Measures of a generated module, for the teeth property's assertion on what a shrunk
// counterexample contains and for the benchmark's sizes.
import type { Module } from "../../wasm/ir.js";

export interface ModuleShape {
  readonly functions: number;
  /** Instructions over all bodies, without each body's final `end`. */
  readonly instructions: number;
  /** Parameter counts of the callees of every call and call_indirect. */
  readonly callParamCounts: readonly number[];
  /** Defined functions without any call (leaves: AArch64's native frames may omit the record). */
  readonly leaves: number;
}

export function moduleShape(module: Module): ModuleShape {
  const paramsOf = (funcIndex: number) => module.types[funcTypeIndex(module, funcIndex)]!.params.length;
  const callParamCounts: number[] = [];
  let leaves = 0;
  let instructions = 0;
  for (const body of module.bodies) {
    instructions += body.code.length - 1;
    let calls = 0;
    for (const instr of body.code) {
      if (instr.op === "call") callParamCounts.push(paramsOf(instr.func));
      else if (instr.op === "call_indirect")
        callParamCounts.push(module.types[instr.typeIndex]!.params.length);
      else continue;
      calls++;
    }
    if (calls === 0) leaves++;
  }
  return { functions: module.bodies.length, instructions, callParamCounts, leaves };
}

/** The type index of function `funcIndex` (imported functions first, as in the index space). */
export function funcTypeIndex(module: Module, funcIndex: number): number {
  const imported = module.imports.flatMap((i) => (i.desc.kind === "func" ? [i.desc.typeIndex] : []));
  return imported[funcIndex] ?? module.funcTypeIndices[funcIndex - imported.length]!;
}
