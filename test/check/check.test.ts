// `check` end to end on corpus cases and on bad input: verdicts, evidence, frames, and that real
// limited runs (not the profiles the verdicts come from) confirm a reported divergence.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CODE_BASE } from "../../emulators/runtime/layout.js";
import { Runner } from "../../emulators/runtime/runner.js";
import {
  type CheckOptions,
  check,
  DEFAULT_CHECK_FUEL,
  type FrameDrawing,
  type ModuleResult,
} from "../../src/check/check.js";
import { compileModule } from "../../src/compiler/compile.js";
import type { Strategy } from "../../src/compiler/target.js";
import { loadModule, WASM_2_0 } from "../../src/wasm/index.js";

const corpus = path.resolve(import.meta.dirname, "../../corpus");
const options = (strategy: Strategy, extra: Partial<CheckOptions> = {}): CheckOptions => ({
  targets: ["x64", "aarch64"],
  strategy,
  limits: [],
  seed: 7,
  fuel: DEFAULT_CHECK_FUEL,
  features: [...WASM_2_0],
  ...extra,
});

async function checkOne(file: string, strategy: Strategy): Promise<ModuleResult> {
  const result = await check([path.join(corpus, file)], options(strategy));
  expect(result.modules).toHaveLength(1);
  return result.modules[0]!;
}

async function scratchFolder(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), "samestack-check-"));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(folder, name), text);
  return folder;
}

/** Regions tile [0, bottom) without gaps or overlaps. */
function expectTiled(frame: FrameDrawing): void {
  let at = 0;
  for (const region of frame.regions) {
    expect(region.from, `${frame.target} ${region.label}`).toBe(at);
    expect(region.to).toBeGreaterThan(region.from);
    at = region.to;
  }
  expect(at).toBe(frame.bottom);
}

describe("check", () => {
  for (const strategy of ["intersect", "frame"] as const) {
    it(`passes the write-up's example under ${strategy}, deterministic for all limits`, async () => {
      const module = await checkOne("writeup-9-args.wat", strategy);
      expect(module.findings).toEqual([]);
      expect(module.status).toBe("pass");
      expect(module.invocationSource.kind).toBe("sidecar");
      expect(module.limits).toEqual([256, 1024, 4096]);
      for (const invocation of module.invocations) {
        expect(invocation.status).toBe("pass");
        expect(invocation.verdict).toMatchObject({ kind: "deterministic", below: null });
        expect(invocation.v8).toMatchObject({ compared: true, agrees: true });
        expect(invocation.overflowPoints.map((p) => p.limit)).toEqual([256, 1024, 4096]);
        expect(invocation.overflowPoints.every((p) => p.same)).toBe(true);
        expect(invocation.crossCheckedLimits.length).toBeGreaterThan(0);
      }
      for (const fn of module.functions) {
        const [x64, aarch64] = fn.drawing!.frames;
        expectTiled(x64!);
        expectTiled(aarch64!);
        expect(x64!.bottom).toBe(aarch64!.bottom);
      }
    });
  }

  it("finds the write-up's divergence under native, and real limited runs confirm it", async () => {
    const module = await checkOne("writeup-9-args.wat", "native");
    expect(module.status).toBe("fail");
    expect(module.findings.map((f) => f.kind)).toContain("static-difference");
    const deep = module.invocations.find((i) => i.export === "deep")!;
    expect(deep.verdict.kind).toBe("diverged");
    if (deep.verdict.kind !== "diverged") return;
    const { divergence } = deep.verdict;
    expect(divergence.targets).toEqual(["x64", "aarch64"]);
    const [a, b] = divergence.steps;
    expect(a!.location).toEqual(b!.location);
    expect(a!.depth).not.toBe(b!.depth);
    for (const listing of divergence.code) expect(listing.lines.some((line) => line.highlight)).toBe(true);
    expect(divergence.wasm!.lines[divergence.wasm!.highlight]!.text).toMatch(/call|local|i32/);

    // At the start of the first divergent range, the two targets really overflow at different places.
    const limit = divergence.divergentLimits[0]!.from;
    const validated = await loadModule(path.join(corpus, "writeup-9-args.wat"));
    const outcomes = (["x64", "aarch64"] as const).map((target) => {
      const artifact = compileModule(validated, {
        target,
        strategy: "native",
        layout: { codeBase: BigInt(CODE_BASE) },
      });
      const runner = new Runner(target);
      const instantiated = runner.instantiate(artifact);
      if (!instantiated.ok) throw new Error("cannot instantiate");
      try {
        return instantiated.instance.invoke("deep", deep.args, { stackLimit: limit });
      } finally {
        instantiated.instance.close();
        runner.close();
      }
    });
    expect(outcomes.map((o) => o.outcome === "trap" && o.trap)).toContain("stack_overflow");
    expect(outcomes[0]).not.toEqual(outcomes[1]);
  });

  it("finds a divergence under native in a real C program, which passes under intersect with its exit code", async () => {
    const [native, intersect] = await Promise.all(
      (["native", "intersect"] as const).map((strategy) => checkOne("real/proc-exit.wasm", strategy)),
    );
    expect(native!.findings.map((f) => f.kind)).toContain("profile-divergence");
    expect(intersect!.status).toBe("pass");
    expect(intersect!.invocations[0]!.perTarget[0]!.outcome).toMatchObject({ outcome: "exit", code: 3 });
  });

  it("draws the write-up's call: 32 bytes of stack arguments on x64, 16 on aarch64 under native", async () => {
    const module = await checkOne("writeup-9-args.wat", "native");
    const caller = module.functions.find((f) => f.name === "caller")!;
    expect(caller.drawing!.instruction).toBe("call $other");
    const outgoing = (frame: FrameDrawing) =>
      frame.regions
        .filter((r) => r.kind === "argument" || r.label === "outgoing area padding")
        .reduce((bytes, r) => bytes + r.to - r.from, 0);
    const [x64, aarch64] = caller.drawing!.frames;
    expect(outgoing(x64!)).toBe(32);
    expect(outgoing(aarch64!)).toBe(16);
    expectTiled(x64!);
    expectTiled(aarch64!);
  });

  it("draws the result area of a call with three results: through rdi or x8 under native, at the same bytes under intersect", async () => {
    const regionsOf = async (strategy: "native" | "intersect") => {
      const module = await checkOne("multi-value-calls.wat", strategy);
      const walk = module.functions.find((f) => f.name === "walk")!;
      expect(walk.drawing!.instruction).toBe("call $six");
      for (const frame of walk.drawing!.frames) expectTiled(frame);
      return walk.drawing!.frames.map((frame) =>
        frame.regions.filter((r) => r.kind === "argument" && r.label.startsWith("result ")),
      );
    };
    // Regions go from the reference down: the result area's highest slot, the last result, first.
    const [x64Native, aarch64Native] = await regionsOf("native");
    expect(x64Native!.map((r) => r.label)).toEqual(
      [2, 1, 0].map((i) => `result ${i} (result area, address in rdi)`),
    );
    expect(aarch64Native!.map((r) => r.label)).toEqual(
      [2, 1, 0].map((i) => `result ${i} (result area, address in x8)`),
    );
    const [x64, aarch64] = await regionsOf("intersect");
    expect(x64!.map((r) => r.label)).toEqual(["result 2 (result area)"]);
    expect(aarch64).toEqual(x64);
  });

  it("reports bad input as located input findings and still checks the other modules", async () => {
    const folder = await scratchFolder({
      "a-good.wat": '(module (func (export "f") (param i32) (result i32) (local.get 0)))',
      "b-malformed.wasm": "\0asm\x01\0\0\0\x01\xff",
      "c-invalid.wat": '(module (func (export "f") (result i32) (i64.const 1)))',
      "d-sidecar.wat": '(module (func (export "f") (param i32)))',
      "d-sidecar.invocations.json": '{"invocations": [{"export": "g", "args": []}]}',
    });
    const result = await check([folder, path.join(folder, "missing.wat")], options("intersect"));
    const byName = new Map(result.modules.map((m) => [path.basename(m.path), m]));
    expect(byName.get("a-good.wat")!.status).toBe("pass");
    const malformed = byName.get("b-malformed.wasm")!.findings[0]!;
    expect(malformed).toMatchObject({ severity: "input", kind: "front-end", id: "malformed-module" });
    if (malformed.kind === "front-end") expect(malformed.offset).toBeGreaterThanOrEqual(8);
    expect(byName.get("c-invalid.wat")!.findings[0]).toMatchObject({
      kind: "front-end",
      id: "invalid-module",
    });
    expect(byName.get("d-sidecar.wat")!.findings[0]!.message).toContain('no function "g"');
    expect(byName.get("missing.wat")!.findings[0]).toMatchObject({ severity: "input", kind: "unreadable" });
    expect(result.totals).toMatchObject({ modules: 5, findings: { input: 4, divergence: 0, internal: 0 } });
  });

  it("generates small arguments from the seed for a module without a sidecar, reproducibly", async () => {
    const folder = await scratchFolder({
      "gen.wat": `(module
        (func (export "sum") (param i32 i64) (result i64) (i64.add (i64.extend_i32_u (local.get 0)) (local.get 1)))
        (func (export "twice") (param f64) (result f64) (f64.add (local.get 0) (local.get 0))))`,
    });
    const run = () => check([folder], options("intersect", { seed: 99 }));
    const [first, second] = [await run(), await run()];
    const module = first.modules[0]!;
    expect(module.invocationSource).toEqual({ kind: "generated", seed: 99 });
    expect(module.invocations.map((i) => i.export)).toEqual(["sum", "twice"]);
    expect(module.invocations.map((i) => i.args)).toEqual(second.modules[0]!.invocations.map((i) => i.args));
    for (const arg of module.invocations[0]!.args) expect(Number(arg.value)).toBeLessThan(8);
    expect(module.status).toBe("pass");
  });

  it("compares an unbounded recursion for the limits below the recorded stack only, without V8", async () => {
    const module = await checkOne("unbounded-recursion.wat", "intersect");
    const [invocation] = module.invocations;
    expect(invocation!.verdict).toMatchObject({ kind: "deterministic", below: module.recordingLimit });
    expect(invocation!.v8.compared).toBe(false);
    const outcome = invocation!.perTarget[0]!.outcome;
    expect(outcome).toMatchObject({ outcome: "trap", trap: "stack_overflow" });
    // Thousands of frames deep: the report keeps the ends of the backtrace.
    expect(invocation!.perTarget[0]!.elidedFrames).toBeGreaterThan(100);
  });
});
