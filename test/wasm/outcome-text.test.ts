// How outcomes and locations read: one location format, `f2 #5`, everywhere.
import { describe, expect, it } from "vitest";
import type { WasmLocation } from "../../src/wasm/outcome.js";
import {
  backtraceText,
  formatValue,
  locationText,
  outcomeText,
  shortBacktrace,
  valueText,
} from "../../src/wasm/outcome-text.js";

const at = (funcIndex: number, instrIndex: number, offset = 0): WasmLocation => ({
  funcIndex,
  instrIndex,
  offset,
});

describe("outcome text", () => {
  it("writes a location as function and instruction index, a prologue by its function", () => {
    expect(locationText(at(2, 5))).toBe("f2 #5");
    expect(locationText({ funcIndex: 2, instrIndex: "prologue" })).toBe("prologue of f2");
    expect(locationText(null)).toBe("the entry call");
  });

  it("writes a trap with its location, module offset and step, and its backtrace when asked", () => {
    const trap = {
      outcome: "trap",
      trap: "unreachable",
      location: at(2, 5, 0x4f),
      backtrace: [at(0, 3), at(2, 5, 0x4f)],
      step: 9,
    } as const;
    expect(outcomeText(trap)).toBe("trap unreachable at f2 #5 (offset 0x4f, step 9)");
    expect(outcomeText(trap, { backtrace: true })).toBe(
      "trap unreachable at f2 #5 (offset 0x4f, step 9)\n  backtrace: f0 #3 → f2 #5",
    );
    expect(outcomeText({ outcome: "trap", trap: "stack_overflow" })).toBe("trap stack_overflow");
  });

  it("writes returns with typed values, and the other outcomes", () => {
    const minusOne = { type: "i32", value: "4294967295" } as const;
    expect(outcomeText({ outcome: "return", values: [minusOne] })).toBe(`return ${formatValue(minusOne)}`);
    expect(formatValue(minusOne)).toBe("i32:4294967295 (-1)");
    expect(valueText(minusOne)).toBe("-1");
    expect(outcomeText({ outcome: "return", values: [] })).toBe("return (no values)");
    expect(outcomeText({ outcome: "exhausted", fuel: 10 })).toBe("exhausted (fuel 10)");
    expect(outcomeText({ outcome: "error", message: "boom" })).toBe("error: boom");
  });

  it("keeps the ends of a deep backtrace and says how many frames it leaves out", () => {
    const frames = Array.from({ length: 40 }, (_, i) => at(1, i));
    const short = shortBacktrace(frames);
    expect(short.elidedFrames + short.backtrace.length).toBe(40);
    const text = backtraceText(short);
    expect(text.startsWith("f1 #0 → f1 #1 → f1 #2 → … ")).toBe(true);
    expect(text.endsWith("→ f1 #39")).toBe(true);
    expect(text).toContain(`… ${short.elidedFrames} frames …`);
    expect(backtraceText({ backtrace: [], elidedFrames: 0 })).toBe("(none)");
  });
});
