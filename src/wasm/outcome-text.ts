// How outcomes, values and Wasm locations read, in one way for every command (run, verify, check,
// spec), every report (JSON text fields, HTML, Markdown, JUnit) and every runtime message.
//
// One location format: `f2 #5`, function index then instruction index in the function's body. It
// says which number is which (a bare `2:5` reads as line:column), is short enough for backtraces of
// many frames joined by arrows, and the reports' code listings already name instructions this way.
// Code outside any instruction of a body reads `prologue of f2`; where one location is the subject,
// the module byte offset follows it: `f2 #5 (offset 0x4f)`.
import { type Finished, type Outcome, outputBytes, type WasmLocation, type WasmValue } from "./outcome.js";

/** A backtrace, outermost first, whose `elidedFrames` frames after the outermost OUTER_FRAMES_KEPT are left out. */
export interface BacktraceView {
  readonly backtrace: readonly WasmLocation[];
  readonly elidedFrames: number;
}

export const OUTER_FRAMES_KEPT = 3;
export const INNER_FRAMES_KEPT = 8;

/** A deep backtrace without its middle frames (a reader needs the ends, not every recursion). */
export function shortBacktrace(frames: readonly WasmLocation[]): BacktraceView {
  const elidedFrames = Math.max(0, frames.length - OUTER_FRAMES_KEPT - INNER_FRAMES_KEPT);
  if (elidedFrames === 0) return { backtrace: frames, elidedFrames };
  return {
    backtrace: [...frames.slice(0, OUTER_FRAMES_KEPT), ...frames.slice(frames.length - INNER_FRAMES_KEPT)],
    elidedFrames,
  };
}

/** Where code belongs: an instruction of a function's body, or its prologue. */
export interface CodePlace {
  readonly funcIndex: number;
  readonly instrIndex: number | "prologue";
}

/** `f2 #5`, `prologue of f2`; null is the host's call into the entry function. */
export function locationText(place: CodePlace | null): string {
  if (place === null) return "the entry call";
  return place.instrIndex === "prologue"
    ? `prologue of f${place.funcIndex}`
    : `f${place.funcIndex} #${place.instrIndex}`;
}

/** `f2 #5 (offset 0x4f)`: one location as the subject of a message. */
export function locationWithOffsetText(location: WasmLocation): string {
  return `${locationText(location)} (${offsetText(location)})`;
}

function offsetText({ offset }: WasmLocation): string {
  return `offset 0x${offset.toString(16)}`;
}

/** `f0 #3 → … 12 frames … → f2 #5`, outermost first. */
export function backtraceText({ backtrace, elidedFrames }: BacktraceView): string {
  const frames = backtrace.map(locationText);
  if (elidedFrames > 0) frames.splice(OUTER_FRAMES_KEPT, 0, `… ${elidedFrames} frames …`);
  return frames.join(" → ") || "(none)";
}

/**
 * One outcome: `return i32:7`, `trap unreachable at f2 #5 (offset 0x4f, step 9)` (a stack overflow
 * under `logical` says which limit: `trap stack_overflow (logical) at …`), `exit 3`, `exhausted
 * (fuel 1000)`, `error: …`, then what the program wrote and the instructions executed when the
 * outcome carries them: `exit 0 · stdout 291 bytes · 5857402 instructions executed`. With
 * `backtrace`, a trap deeper than one frame adds its backtrace on a second line.
 */
export function outcomeText(outcome: Outcome, { backtrace = false } = {}): string {
  if (outcome.outcome === "error") return `error: ${outcome.message}`;
  const line = [kindText(outcome), ...finishedText(outcome)].join(" · ");
  const frames = outcome.outcome === "trap" ? (outcome.backtrace ?? []) : [];
  return backtrace && frames.length > 1
    ? `${line}\n  backtrace: ${backtraceText(shortBacktrace(frames))}`
    : line;
}

function kindText(outcome: Exclude<Outcome, { outcome: "error" }>): string {
  switch (outcome.outcome) {
    case "return":
      return outcome.values.length === 0
        ? "return (no values)"
        : `return ${outcome.values.map(formatValue).join(", ")}`;
    case "trap": {
      const { location, step } = outcome;
      const details = [
        ...(location ? [offsetText(location)] : []),
        ...(step === undefined ? [] : [`step ${step}`]),
      ];
      const at = `${location ? ` at ${locationText(location)}` : ""}${details.length > 0 ? ` (${details.join(", ")})` : ""}`;
      const kind = outcome.overflow === undefined ? "" : ` (${outcome.overflow})`;
      return `trap ${outcome.trap}${kind}${at}`;
    }
    case "exit":
      return `exit ${outcome.code}`;
    case "exhausted":
      return `exhausted${outcome.fuel === undefined ? "" : ` (fuel ${outcome.fuel})`}`;
  }
}

/** `stdout 291 bytes, stderr 12 bytes`, `5857402 instructions executed`: what an outcome carries besides its kind. */
function finishedText({ stdout, stderr, executed }: Finished): string[] {
  const streams = [
    ...(stdout === undefined ? [] : [`stdout ${outputBytes(stdout).length} bytes`]),
    ...(stderr === undefined ? [] : [`stderr ${outputBytes(stderr).length} bytes`]),
  ];
  return [
    ...(streams.length > 0 ? [streams.join(", ")] : []),
    ...(executed === undefined ? [] : [`${executed} instructions executed`]),
  ];
}

/**
 * A program's output as a reader sees it: its text, each byte that is not UTF-8 (outputText's
 * escapes) and each control character but newline and tab written `\xNN`.
 */
export function outputDisplayText(text: string): string {
  let shown = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    const escaped = code >= 0xdc80 && code <= 0xdcff ? code - 0xdc00 : isControl(code) ? code : null;
    shown += escaped === null ? char : `\\x${escaped.toString(16).padStart(2, "0")}`;
  }
  return shown;
}

function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x0a && code !== 0x09) || code === 0x7f;
}

/** How two outcomes' outputs differ: `stdout differs from byte 120`, or null when they are the same. */
export function outputDifferenceText(a: Outcome, b: Outcome): string | null {
  const differences = (["stdout", "stderr"] as const).flatMap((stream) => {
    const x = outputBytes((a.outcome === "error" ? undefined : a[stream]) ?? "");
    const y = outputBytes((b.outcome === "error" ? undefined : b[stream]) ?? "");
    let i = 0;
    while (i < x.length && i < y.length && x[i] === y[i]) i++;
    return i === x.length && i === y.length ? [] : [`${stream} differs from byte ${i}`];
  });
  return differences.length > 0 ? differences.join(", ") : null;
}

/** `i32:4294967295 (-1)`, `f64:1.5 (bits 4609434218613702656)`: the type, the bits, and what they mean. */
export function formatValue(value: WasmValue): string {
  if (value.type === "i32" || value.type === "i64") {
    const signed = signedOf(value);
    return signed < 0n ? `${value.type}:${value.value} (${signed})` : `${value.type}:${value.value}`;
  }
  return `${value.type}:${floatOfBits(value)} (bits ${value.value})`;
}

/** A value as a reader writes it: integers signed, floats as numbers (a NaN with its bits). */
export function valueText(value: WasmValue): string {
  if (value.type === "funcref" || value.type === "externref") return `${value.type}:${value.value}`;
  if (value.type === "i32" || value.type === "i64") return String(signedOf(value));
  const number = floatOfBits(value);
  return Number.isNaN(number) ? `nan(0x${BigInt(value.value).toString(16)})` : String(number);
}

/** The exact bit patterns, `i32:4294967295`, as in the spec tests' JSON (NaN patterns included). */
export function valuesText(values: readonly { readonly type: string; readonly value: string }[]): string {
  return values.map((v) => `${v.type}:${v.value}`).join(", ");
}

function signedOf(value: WasmValue): bigint {
  return BigInt.asIntN(value.type === "i32" ? 32 : 64, BigInt(value.value));
}

/** The number a float's bit pattern stands for. */
function floatOfBits(value: WasmValue): number {
  const view = new DataView(new ArrayBuffer(8));
  if (value.type === "f32") {
    view.setUint32(0, Number(value.value));
    return view.getFloat32(0);
  }
  view.setBigUint64(0, BigInt(value.value));
  return view.getFloat64(0);
}
