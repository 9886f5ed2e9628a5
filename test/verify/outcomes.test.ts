// The one rule for when V8's outcome may be compared with the targets', as run, check and fuzz ask it,
// and what it takes for two outcomes to be the same.
import { describe, expect, it } from "vitest";
import { agreesWithV8, sameOutcome, v8Comparability } from "../../src/verify/outcomes.js";
import type { Outcome } from "../../src/wasm/outcome.js";

const returned: Outcome = { outcome: "return", values: [{ type: "i32", value: "7" }] };
const overflow: Outcome = { outcome: "trap", trap: "stack_overflow" };
const exhausted: Outcome = { outcome: "exhausted", fuel: 1000 };
const failed: Outcome = { outcome: "error", message: "boom" };

describe("v8Comparability", () => {
  it("compares V8 when every target returned or trapped for a reason other than the stack", () => {
    const trapped: Outcome = { outcome: "trap", trap: "unreachable" };
    const targets = [["x64", returned] as const, ["aarch64", trapped] as const];
    expect(v8Comparability({ targets }).comparable).toBe(true);
    expect(v8Comparability({ targets, v8: returned }).comparable).toBe(true);
    expect(v8Comparability({ targets: [] }).comparable).toBe(true);
  });

  it("does not let V8 run after a runaway, since it has no fuel, and names the target", () => {
    const rule = v8Comparability({
      targets: [
        ["x64", returned],
        ["aarch64", exhausted],
      ],
    });
    expect(rule).toMatchObject({ comparable: false, v8MayRun: false });
    expect(rule.comparable || rule.reason).toMatch(/^aarch64 /);
  });

  it("lets V8 run but not be compared after a target's error or stack overflow", () => {
    for (const outcome of [failed, overflow]) {
      const rule = v8Comparability({ targets: [["x64", outcome]] });
      expect(rule).toMatchObject({ comparable: false, v8MayRun: true });
      expect(rule.comparable || rule.reason).toMatch(/^x64 /);
    }
  });

  it("puts a runaway first, whatever else happened", () => {
    const rule = v8Comparability({
      targets: [
        ["x64", overflow],
        ["aarch64", exhausted],
      ],
    });
    expect(rule).toMatchObject({ comparable: false, v8MayRun: false });
  });

  it("does not compare V8 when NaN bits may surface, or when V8 overflowed its own stack", () => {
    const targets = [["x64", returned] as const];
    expect(v8Comparability({ targets, nanBitsVisible: true }).comparable).toBe(false);
    expect(v8Comparability({ targets: [], nanBitsVisible: true }).comparable).toBe(false);
    expect(v8Comparability({ targets, v8: overflow }).comparable).toBe(false);
  });
});

describe("the same outcome", () => {
  const exited = (code: number, output: { stdout?: string; stderr?: string } = {}): Outcome => ({
    outcome: "exit",
    code,
    ...output,
  });

  it("is the same exit code with the same bytes written, on the targets and against V8", () => {
    const same = exited(0, { stdout: "ok\n" });
    for (const compare of [(a: Outcome, b: Outcome) => sameOutcome(a, b, "exact"), agreesWithV8]) {
      expect(compare(same, exited(0, { stdout: "ok\n" }))).toBe(true);
      expect(compare(same, exited(1, { stdout: "ok\n" }))).toBe(false);
      expect(compare(same, exited(0, { stdout: "ok!" }))).toBe(false);
      expect(compare(same, exited(0, { stdout: "ok\n", stderr: "warning" }))).toBe(false);
      expect(compare(same, exited(0))).toBe(false);
      expect(compare(same, { outcome: "return", values: [], stdout: "ok\n" })).toBe(false);
    }
  });

  it("counts what was written for returns and traps too, and never the instructions executed", () => {
    const withOutput: Outcome = { ...returned, stdout: "a" };
    expect(sameOutcome(withOutput, returned, "exact")).toBe(false);
    expect(agreesWithV8(withOutput, { ...returned, stdout: "b" })).toBe(false);
    const trapped: Outcome = { ...overflow, stderr: "x" };
    expect(sameOutcome(trapped, { ...overflow, stderr: "x" }, "exact")).toBe(true);
    expect(sameOutcome(trapped, overflow, "exact")).toBe(false);
    expect(sameOutcome({ ...returned, executed: 10 }, { ...returned, executed: 12 }, "exact")).toBe(true);
  });
});
