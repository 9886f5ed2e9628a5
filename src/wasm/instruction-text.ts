// Wasm instructions as text for reports, one line per instruction so that a line is exactly one
// Wasm location (funcIndex, instrIndex). Names come from the name section and are shown as written:
// escaping them is the renderers' job.
import type { Instr, ValidatedModule } from "./ir.js";

export interface WasmListing {
  readonly funcIndex: number;
  readonly name: string | null;
  readonly lines: readonly { readonly instrIndex: number; readonly text: string }[];
  readonly highlight: number;
}

export function functionName(validated: ValidatedModule, funcIndex: number): string | null {
  return validated.module.names.functions.get(funcIndex) ?? null;
}

/** `$name` when the name section has one, else the index. */
function funcRef(validated: ValidatedModule, funcIndex: number): string {
  const name = functionName(validated, funcIndex);
  return name === null ? String(funcIndex) : `$${name}`;
}

function localRef(validated: ValidatedModule, funcIndex: number, local: number): string {
  const name = validated.module.names.locals.get(funcIndex)?.get(local);
  return name === undefined ? String(local) : `$${name}`;
}

export function localName(validated: ValidatedModule, funcIndex: number, local: number): string | null {
  return validated.module.names.locals.get(funcIndex)?.get(local) ?? null;
}

export function instructionText(validated: ValidatedModule, funcIndex: number, instr: Instr): string {
  switch (instr.op) {
    case "block":
    case "loop":
    case "if":
      if (instr.blockType === null) return instr.op;
      return typeof instr.blockType === "object"
        ? `${instr.op} (type ${instr.blockType.typeIndex})`
        : `${instr.op} (result ${instr.blockType})`;
    case "br":
    case "br_if":
      return `${instr.op} ${instr.depth}`;
    case "br_table":
      return `br_table ${[...instr.depths, instr.defaultDepth].join(" ")}`;
    case "call":
      return `call ${funcRef(validated, instr.func)}`;
    case "call_indirect":
      return instr.table === 0
        ? `call_indirect (type ${instr.typeIndex})`
        : `call_indirect ${instr.table} (type ${instr.typeIndex})`;
    case "select_t":
      return `select (result ${instr.types.join(" ")})`;
    case "ref.null":
      return `ref.null ${instr.type === "funcref" ? "func" : "extern"}`;
    case "ref.func":
      return `ref.func ${funcRef(validated, instr.func)}`;
    case "table.get":
    case "table.set":
    case "table.size":
    case "table.grow":
    case "table.fill":
      return `${instr.op} ${instr.table}`;
    case "table.copy":
      return `table.copy ${instr.dstTable} ${instr.srcTable}`;
    case "table.init":
      return `table.init ${instr.table} ${instr.elem}`;
    case "elem.drop":
      return `elem.drop ${instr.elem}`;
    case "memory.init":
    case "data.drop":
      return `${instr.op} ${instr.data}`;
    case "local.get":
    case "local.set":
    case "local.tee":
      return `${instr.op} ${localRef(validated, funcIndex, instr.local)}`;
    case "global.get":
    case "global.set":
      return `${instr.op} ${instr.global}`;
    case "i32.const":
    case "i64.const":
      return `${instr.op} ${instr.value}`;
    case "f32.const": {
      const view = new DataView(new ArrayBuffer(4));
      view.setUint32(0, instr.bits);
      return `f32.const ${view.getFloat32(0)}`;
    }
    case "f64.const": {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, instr.bits);
      return `f64.const ${view.getFloat64(0)}`;
    }
    default:
      if ("memOffset" in instr) {
        const offset = instr.memOffset === 0 ? "" : ` offset=${instr.memOffset}`;
        return `${instr.op}${offset} align=${2 ** instr.align}`;
      }
      return instr.op;
  }
}

/** The body of defined function `funcIndex`, indented by block nesting, with `highlight` marked. */
export function functionListing(
  validated: ValidatedModule,
  funcIndex: number,
  highlight: number,
): WasmListing {
  const definedIndex = funcIndex - (validated.funcTypes.length - validated.module.bodies.length);
  const body = validated.module.bodies[definedIndex];
  const info = validated.functions[definedIndex];
  const lines = (body?.code ?? []).map((instr, instrIndex) => {
    const nesting = (info?.controlDepth[instrIndex] ?? 1) - 1;
    const closes = instr.op === "end" || instr.op === "else" ? 1 : 0;
    const indent = "  ".repeat(Math.max(0, nesting - closes));
    return { instrIndex, text: indent + instructionText(validated, funcIndex, instr) };
  });
  return { funcIndex, name: functionName(validated, funcIndex), lines, highlight };
}
