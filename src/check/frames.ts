// Drawings of a function's stack frame on every target at one Wasm instruction — its deepest call
// (or, in a function without calls, its highest operand stack) — like the write-up's figures: every
// region from the reference down, in bytes below the reference, with what it holds. The layout is
// the frame planner's (src/compiler/frame.ts); the stack map at that instruction is carried along
// so a reader can see the drawing agree with the compiled code.
import type { Artifact } from "../compiler/artifact.js";
import {
  type CallLayout,
  calledType,
  callHeight,
  type FramePlan,
  functionShape,
  HOST_CALLEE,
  planFrame,
  SLOT_BYTES,
} from "../compiler/frame.js";
import type { Strategy, Target } from "../compiler/target.js";
import { lookup } from "../compiler/targets/index.js";
import { instructionText, localName } from "../wasm/instruction-text.js";
import type { Instr, ValidatedModule } from "../wasm/ir.js";
import type { FrameDrawing, FrameDrawingSet, FrameRegion } from "./model.js";

/** What the frame record holds: the frame pointer, and the link register where the ISA has one. */
function frameRecordLabel(target: Target): string {
  const { fp, lr } = lookup(target).isa.registers;
  return lr === null ? `saved ${fp}` : `frame record ${fp}, ${lr}`;
}

/** Runs of more slots than this are drawn as their first and last slots around one summary region. */
const MAX_SLOTS_DRAWN = 10;

export function frameDrawings(
  validated: ValidatedModule,
  definedIndex: number,
  artifacts: readonly Artifact[],
  strategy: Strategy,
): FrameDrawingSet | null {
  const funcIndex = validated.funcTypes.length - validated.module.bodies.length + definedIndex;
  const reference = artifacts[0];
  const chosen = reference && chooseInstruction(validated, definedIndex, reference.stackMap[funcIndex] ?? []);
  if (!chosen) return null;
  const instr = validated.module.bodies[definedIndex]!.code[chosen.instrIndex]!;
  return {
    instrIndex: chosen.instrIndex,
    instruction: instructionText(validated, funcIndex, instr),
    why: chosen.why,
    frames: artifacts.map((artifact) =>
      drawFrame(validated, definedIndex, chosen.instrIndex, artifact, strategy),
    ),
  };
}

/** The reachable call with the deepest stack map entry, else the reachable instruction with the highest operand stack. */
function chooseInstruction(
  validated: ValidatedModule,
  definedIndex: number,
  stackMap: readonly ({ deepestOwn: number } | null)[],
): { instrIndex: number; why: FrameDrawingSet["why"] } | null {
  const code = validated.module.bodies[definedIndex]!.code;
  const info = validated.functions[definedIndex]!;
  let best: { instrIndex: number; why: FrameDrawingSet["why"]; key: number } | null = null;
  code.forEach((instr, instrIndex) => {
    const entry = stackMap[instrIndex];
    if (!entry) return;
    const isCall = calledType(validated, instr) !== null;
    // Calls rank above everything else; among equals the first wins.
    const key = isCall ? 1e12 + entry.deepestOwn : info.heightBefore[instrIndex]!;
    if (best === null || key > best.key) {
      best = { instrIndex, why: isCall ? "deepest call" : "deepest operand stack", key };
    }
  });
  return best;
}

function drawFrame(
  validated: ValidatedModule,
  definedIndex: number,
  instrIndex: number,
  artifact: Artifact,
  strategy: Strategy,
): FrameDrawing {
  const target = artifact.target;
  const funcIndex = validated.funcTypes.length - validated.module.bodies.length + definedIndex;
  const plan = planFrame(target, strategy, functionShape(validated, definedIndex));
  const instr = validated.module.bodies[definedIndex]!.code[instrIndex]!;
  const height = validated.functions[definedIndex]!.heightBefore[instrIndex]!;
  const callee = calledType(validated, instr);
  const arity = callee?.params.length ?? 0;
  const layout = plan.callLayout(arity, callee?.results.length ?? 0);
  const registers = lookup(target).isa.registers;
  const regions: FrameRegion[] = [];
  const add = (from: number, to: number, kind: FrameRegion["kind"], label: string) => {
    if (to > from) regions.push({ from, to, kind, label });
  };

  entryRegions(plan, target, "", add);
  const localCount = plan.shape.params + plan.shape.declaredLocals;
  const localKind = (i: number) => (i < plan.shape.params ? "param" : "local");
  slotRun(
    localCount,
    plan.entryBytes,
    "local",
    add,
    (i) => {
      const name = localName(validated, funcIndex, i);
      return `${localKind(i)} ${i}${name === null ? "" : ` $${name}`}`;
    },
    (first, last) =>
      localKind(first) === localKind(last)
        ? `${localKind(first)}s ${first}–${last}`
        : `locals ${first}–${last}`,
  );
  let localsEnd = plan.entryBytes + localCount * SLOT_BYTES;
  if (plan.resultPointerSlot !== null) {
    add(localsEnd, plan.resultPointerSlot, "local", `result area address (from ${registers.indirectResult})`);
    localsEnd = plan.resultPointerSlot;
  }
  add(localsEnd, plan.bodyBase, "padding", "padding to 16");

  // A call_indirect's table index is above its arguments.
  const argsEnd = instr.op === "call_indirect" ? height - 1 : height;
  const firstArgument = argsEnd - arity;
  const { firstArgRegister, registerArgs, stackArgs: ownStackArgs } = layout;
  // With several results, the call's area lies below the slots of all of them (callHeight).
  const reservedHeight = callee === null ? height : callHeight(layout, height, argsEnd);
  slotRun(
    height,
    plan.bodyBase,
    "operand",
    add,
    (k) => {
      const j = k - firstArgument;
      if (j < 0 || j >= arity) return `operand ${k}`;
      const where =
        j < registerArgs
          ? registers.intArgs[firstArgRegister + j]
          : `[sp+${SLOT_BYTES * (j - registerArgs)}]`;
      return `operand ${k}: argument ${j} → ${where}`;
    },
    (first, last) =>
      first >= firstArgument && last < argsEnd
        ? `operands ${first}–${last}: arguments ${first - firstArgument}–${last - firstArgument}`
        : `operands ${first}–${last}`,
  );
  slotRun(
    reservedHeight - height,
    plan.bodyBase + height * SLOT_BYTES,
    "operand",
    add,
    (k) => `operand ${height + k}: result ${height + k - firstArgument} (after the call)`,
    (first, last) => `operands ${height + first}–${height + last}: results (after the call)`,
  );
  const operandsEnd = plan.bodyBase + Math.max(height, reservedHeight) * SLOT_BYTES;
  if (strategy === "frame") {
    add(operandsEnd, plan.bodyBase + plan.operandAreaBytes, "unused", "operand area, unused here");
  } else {
    add(operandsEnd, plan.spAtHeight(reservedHeight), "padding", "padding to 16");
  }

  const sp = callee === null ? plan.spAtHeight(height) : plan.spAtCall(reservedHeight, arity, layout.results);
  const areaTop =
    strategy === "frame" ? plan.bodyBase + plan.operandAreaBytes : plan.spAtHeight(reservedHeight);
  if (callee !== null) {
    // Stack argument m is at [SP + 8·m]: the area fills from SP upwards.
    for (let m = 0; m < ownStackArgs; m++) {
      add(
        sp - SLOT_BYTES * (m + 1),
        sp - SLOT_BYTES * m,
        "argument",
        `stack argument ${m} (argument ${registerArgs + m})`,
      );
    }
    const outgoingKind = strategy === "frame" ? "unused" : "padding";
    const ownArgsTop = sp - ownStackArgs * SLOT_BYTES;
    if (layout.memoryResults === 0) {
      add(areaTop, ownArgsTop, outgoingKind, "outgoing area padding");
    } else {
      const resultsTop = sp - layout.stackArgsBytes - layout.memoryResults * SLOT_BYTES;
      resultAreaRegions(layout, sp, registers.indirectResult, (from, to, label) =>
        add(from, to, "argument", label),
      );
      add(areaTop, resultsTop, outgoingKind, "outgoing area padding");
      add(sp - layout.stackArgsBytes, ownArgsTop, "padding", "stack argument padding");
    }
    const calleeEntry = calleeEntryBytes(validated, instr, target, strategy, (from, to, label) =>
      add(sp + from, sp + to, "callee-entry", label),
    );
    return finish(target, regions, sp + calleeEntry, artifact.stackMap[funcIndex]?.[instrIndex]);
  }
  add(areaTop, sp, "unused", "outgoing area, unused here");
  return finish(target, regions, sp, artifact.stackMap[funcIndex]?.[instrIndex]);
}

/**
 * The result area of a call whose callee's reference is `sp` bytes below the caller's: result slot i
 * at [SP + stackArgsBytes + 8·i] (frame.ts, the results diagram).
 */
function resultAreaRegions(
  layout: CallLayout,
  sp: number,
  indirectResult: string,
  add: (from: number, to: number, label: string) => void,
): void {
  const base = sp - layout.stackArgsBytes;
  const via = layout.resultPointer ? `, address in ${indirectResult}` : "";
  for (let i = 0; i < layout.memoryResults; i++) {
    const result = layout.registerResults + i;
    add(base - SLOT_BYTES * (i + 1), base - SLOT_BYTES * i, `result ${result} (result area${via})`);
  }
}

function finish(
  target: Target,
  regions: FrameRegion[],
  bottom: number,
  entry: { deepestOwn: number } | null | undefined,
): FrameDrawing {
  regions.sort((a, b) => a.from - b.from);
  return { target, bottom, stackMapDeepest: entry?.deepestOwn ?? null, regions };
}

/** Return address, frame record and entry padding of a frame, at its own offsets. */
function entryRegions(
  plan: FramePlan,
  target: Target,
  whose: string,
  add: (from: number, to: number, kind: FrameRegion["kind"], label: string) => void,
): void {
  const record = plan.returnAddressBytes + plan.frameRecordBytes;
  add(0, plan.returnAddressBytes, "return-address", `${whose}return address`);
  add(plan.returnAddressBytes, record, "frame-record", `${whose}${frameRecordLabel(target)}`);
  add(record, plan.entryBytes, "padding", `${whose}entry padding`);
}

/** `count` slots from `base` down; long runs keep their first and last slots and summarise the middle. */
function slotRun(
  count: number,
  base: number,
  kind: FrameRegion["kind"],
  add: (from: number, to: number, kind: FrameRegion["kind"], label: string) => void,
  label: (index: number) => string,
  runLabel: (first: number, last: number) => string,
): void {
  const slot = (i: number) => add(base + SLOT_BYTES * i, base + SLOT_BYTES * (i + 1), kind, label(i));
  if (count <= MAX_SLOTS_DRAWN) {
    for (let i = 0; i < count; i++) slot(i);
    return;
  }
  const kept = MAX_SLOTS_DRAWN / 2;
  for (let i = 0; i < kept - 1; i++) slot(i);
  const middleEnd = count - kept + 1;
  add(base + SLOT_BYTES * (kept - 1), base + SLOT_BYTES * middleEnd, kind, runLabel(kept - 1, middleEnd - 1));
  for (let i = middleEnd; i < count; i++) slot(i);
}

/**
 * Draws the callee's entry (return address, frame record, padding) and returns its bytes. A defined
 * callee's own plan decides it; an indirect callee is drawn as a non-leaf; an import is an exit,
 * deemed to use an empty leaf function's entry (HOST_CALLEE), as the runner checks and records it.
 */
function calleeEntryBytes(
  validated: ValidatedModule,
  instr: Instr,
  target: Target,
  strategy: Strategy,
  add: (from: number, to: number, label: string) => void,
): number {
  const imported = validated.funcTypes.length - validated.module.bodies.length;
  const type = calledType(validated, instr);
  const anyCallee = {
    params: type?.params.length ?? 0,
    results: type?.results.length ?? 0,
    declaredLocals: 0,
    maxHeight: 0,
    makesCalls: true,
    callArities: [],
  };
  const isImport = instr.op === "call" && instr.func < imported;
  const shape =
    instr.op !== "call"
      ? anyCallee
      : isImport
        ? HOST_CALLEE
        : functionShape(validated, instr.func - imported);
  const plan = planFrame(target, strategy, shape);
  const owner = isImport ? "host call's " : "callee's ";
  entryRegions(plan, target, owner, (from, to, _kind, label) => add(from, to, label));
  return plan.entryBytes;
}
