// The static verifier against the real compiler (every corpus case, every strategy, both targets),
// and against hand-assembled code that breaks each rule (bytes from GNU as 2.40, see the comments).
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Artifact } from "../../src/compiler/artifact.js";
import { compileModule } from "../../src/compiler/compile.js";
import { STRATEGIES, TARGETS, type Target } from "../../src/compiler/target.js";
import { compareTargets, type VerifiedCode, verifyArtifact } from "../../src/verify/static.js";
import { loadModule, type ValidatedModule } from "../../src/wasm/index.js";

const corpus = path.resolve(import.meta.dirname, "../../corpus");
const cases = readdirSync(corpus).filter((name) => name.endsWith(".wat"));
const layout = { codeBase: 0x10_0000n };

async function compileBoth(file: string, strategy: (typeof STRATEGIES)[number]) {
  const validated: ValidatedModule = await loadModule(path.join(corpus, file));
  return TARGETS.map((target) => compileModule(validated, { target, strategy, layout }));
}

describe("static verification of compiled corpus cases", () => {
  for (const strategy of STRATEGIES) {
    it(`finds every stack map, alignment and red-zone rule kept under ${strategy}`, async () => {
      for (const file of cases) {
        for (const artifact of await compileBoth(file, strategy)) {
          const report = verifyArtifact(artifact);
          expect(report.issues, `${file} ${artifact.target}`).toEqual([]);
          expect(report.functions.every((f) => f.instructions > 0)).toBe(true);
        }
      }
    });
  }

  it("proves intersect and frame equal across targets at every Wasm instruction", async () => {
    for (const strategy of ["intersect", "frame"] as const) {
      for (const file of cases) {
        const [x64, aarch64] = (await compileBoth(file, strategy)).map(verifyArtifact);
        expect(compareTargets(x64!, aarch64!), `${file} ${strategy}`).toEqual([]);
      }
    }
  });

  it("shows the write-up's divergence under native at the 9-argument call", async () => {
    const [x64, aarch64] = (await compileBoth("writeup-9-args.wat", "native")).map(verifyArtifact);
    const differences = compareTargets(x64!, aarch64!);
    // Function 1 is $caller; its last instruction before `end` is the call of $other.
    const atCall = differences.find((d) => d.funcIndex === 1 && d.instrIndex === 9);
    expect(atCall).toBeDefined();
    expect(atCall!.a!.deepest).toBeGreaterThan(atCall!.b!.deepest);
  });

  it("reports a compiler stack map that disagrees with the code", async () => {
    const [artifact] = await compileBoth("fibonacci.wat", "intersect");
    const stackMap = artifact!.stackMap.map((row) => row.map((entry) => entry && { ...entry }));
    const entry = stackMap[0]![2]!;
    stackMap[0]![2] = { ...entry, deepestOwn: entry.deepestOwn + 16 };
    const report = verifyArtifact({ ...artifact!, stackMap });
    expect(report.issues).toEqual([
      expect.objectContaining({ kind: "stack-map-mismatch", funcIndex: 0, instrIndex: 2 }),
    ]);
  });
});

/** One function whose whole code is one Wasm instruction (instrIndex 0). */
function handMade(target: Target, hex: string): VerifiedCode {
  const code = Buffer.from(hex, "hex");
  const sourceMap: Artifact["sourceMap"] = [
    { start: 0, end: code.length, kind: "instr", funcIndex: 0, instrIndex: 0, wasmOffset: 0 },
  ];
  return {
    target,
    codeBase: 0x1000n,
    code,
    entries: [0],
    imports: [],
    sourceMap,
    stackMap: [[null]],
    prologueDepth: [0],
  };
}

describe("static verification of code that breaks the rules", () => {
  it("catches an AArch64 access through a misaligned SP", () => {
    // sub sp, sp, #8; str x9, [sp]; add sp, sp, #8; ret
    const report = verifyArtifact(handMade("aarch64", "ff2300d1e90300f9ff230091c0035fd6"));
    expect(report.issues).toEqual([
      expect.objectContaining({ kind: "misaligned", at: "access", depth: 8, text: "str x9, [sp]" }),
    ]);
  });

  it("catches a red-zone store, a misaligned call and an SP it cannot follow on x86-64", () => {
    // push rbp; mov [rsp-8], rax; sub rsp, 8; call .; mov rsp, rax
    const report = verifyArtifact(handMade("x64", "5548894424f84883ec08e8fbffffff4889c4"));
    expect(report.issues.map((issue) => issue.kind)).toEqual(["below-sp", "misaligned", "unanalysable"]);
    expect(report.issues[0]).toMatchObject({ bytesBelow: 8 });
    expect(report.issues[1]).toMatchObject({ at: "call", depth: 24 });
  });
});
