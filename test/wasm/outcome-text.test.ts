// How outcomes and locations read: one location format, `f2 #5`, everywhere.
import { describe, expect, it } from "vitest";
import type { Outcome, WasmLocation } from "../../src/wasm/outcome.js";
import {
  backtraceText,
  formatValue,
  locationText,
  outcomeText,
  outputDifferenceText,
  outputDisplayText,
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
    expect(outcomeText({ outcome: "exit", code: 3 })).toBe("exit 3");
  });

  it("adds what the program wrote, in bytes, and the instructions executed", () => {
    expect(outcomeText({ outcome: "exit", code: 0, stdout: "é\n", stderr: "\udcff", executed: 1234 })).toBe(
      "exit 0 · stdout 3 bytes, stderr 1 bytes · 1234 instructions executed",
    );
    const trap: Outcome = {
      outcome: "trap",
      trap: "unreachable",
      location: at(1, 2),
      backtrace: [at(0, 0), at(1, 2)],
      stdout: "x",
    };
    expect(outcomeText(trap, { backtrace: true })).toBe(
      "trap unreachable at f1 #2 (offset 0x0) · stdout 1 bytes\n  backtrace: f0 #0 → f1 #2",
    );
  });

  it("shows output with bytes that are not text, and control characters, as \\xNN", () => {
    expect(outputDisplayText("a\tb\nc\u0007\u007f\udc80é")).toBe("a\tb\nc\\x07\\x7f\\x80é");
  });

  it("says where two outcomes' output first differs", () => {
    const exit = { outcome: "exit", code: 0 } as const;
    expect(outputDifferenceText({ ...exit, stdout: "abc" }, { ...exit, stdout: "abc" })).toBeNull();
    expect(outputDifferenceText({ ...exit, stdout: "abc" }, { ...exit, stdout: "abd" })).toBe(
      "stdout differs from byte 2",
    );
    expect(outputDifferenceText({ ...exit, stdout: "é" }, { ...exit, stdout: "éa", stderr: "!" })).toBe(
      "stdout differs from byte 2, stderr differs from byte 0",
    );
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
