// The write-up's case end to end (writeup-stack-determinism.md): a function with n parameters loads
// them all and calls another with n parameters, for n around the register thresholds (x64 passes 6
// in registers, AArch64 8), with a leaf or a non-leaf callee. Under `native` the targets must be
// found to differ exactly where the ABIs do, statically and dynamically; under `intersect` and
// `frame` they must be verified equal for every limit.
import { afterAll, describe, expect, it } from "vitest";
import { CODE_BASE } from "../../emulators/runtime/layout.js";
import { Runner } from "../../emulators/runtime/runner.js";
import { compileModule } from "../../src/compiler/compile.js";
import { STRATEGIES, type Strategy, TARGETS } from "../../src/compiler/target.js";
import { type RecordedProfile, recordProfile } from "../../src/verify/dynamic.js";
import { compareProfiles } from "../../src/verify/profile.js";
import { compareTargets, verifyArtifact } from "../../src/verify/static.js";
import { decodeModule, validateModule, watToBinary } from "../../src/wasm/index.js";

const runners = { x64: new Runner("x64"), aarch64: new Runner("aarch64") };
afterAll(() => {
  for (const runner of Object.values(runners)) runner.close();
});

/**
 * $callee takes n i64s; a leaf callee only adds, a non-leaf one also calls $id. $caller recurses
 * `depth` times and calls $callee directly, or through the table (`call_indirect`).
 */
function writeupModule(n: number, leafCallee: boolean, indirect: boolean): string {
  const params = Array.from({ length: n }, () => "i64").join(" ");
  const gets = Array.from({ length: n }, (_, i) => `(local.get ${i + 1})`).join(" ");
  const sum = leafCallee ? `(i64.add (local.get 0) (local.get ${n - 1}))` : `(call $id (local.get ${n - 1}))`;
  const callCallee = indirect
    ? `(call_indirect (type $sig) ${gets} (i32.const 0))`
    : `(call $callee ${gets})`;
  return `(module
    (type $sig (func (param ${params}) (result i64)))
    (table 1 funcref)
    (elem (i32.const 0) $callee)
    (func $id (param i64) (result i64) (local.get 0))
    (func $callee (type $sig) ${sum})
    (func $caller (export "caller") (param $depth i32) (param ${params}) (result i64)
      (if (result i64) (i32.eqz (local.get $depth))
        (then ${callCallee})
        (else (i64.add ${callCallee}
          (call $caller (i32.sub (local.get $depth) (i32.const 1)) ${gets}))))))`;
}

interface Variant {
  readonly n: number;
  readonly leaf: boolean;
  readonly indirect: boolean;
}

async function validated({ n, leaf, indirect }: Variant) {
  return validateModule(
    decodeModule(await watToBinary(writeupModule(n, leaf, indirect), `writeup-${n}.wat`)),
  );
}

async function artifacts(variant: Variant, strategy: Strategy) {
  const module = await validated(variant);
  return TARGETS.map((target) =>
    compileModule(module, { target, strategy, layout: { codeBase: BigInt(CODE_BASE) } }),
  );
}

async function profiles(variant: Variant, strategy: Strategy): Promise<RecordedProfile[]> {
  const { n } = variant;
  const args = [
    { type: "i32" as const, value: "12" },
    ...Array.from({ length: n }, (_, i) => ({ type: "i64" as const, value: String(i + 1) })),
  ];
  return (await artifacts(variant, strategy)).map((artifact) => {
    const instantiated = runners[artifact.target].instantiate(artifact);
    if (!instantiated.ok) throw new Error("cannot instantiate");
    try {
      const recorded = recordProfile(
        instantiated.instance,
        { exportName: "caller", args },
        { keepFull: true },
      );
      if (!("profile" in recorded)) throw new Error(JSON.stringify(recorded.outcome));
      return recorded;
    } finally {
      instantiated.instance.close();
    }
  });
}

/** Stack arguments each ABI needs for n arguments: 16-byte areas of max(0, n − registers) slots. */
const area = (n: number, registers: number) => Math.ceil(Math.max(0, n - registers) / 2) * 16;

const variants: Variant[] = [6, 7, 8, 9, 10, 17].flatMap((n) =>
  [true, false].flatMap((leaf) => [false, true].map((indirect) => ({ n, leaf, indirect }))),
);

const ID = 0;
const CALLEE = 1;
const CALLER = 2;

describe("the write-up's n-argument call", () => {
  for (const variant of variants) {
    const { n, leaf, indirect } = variant;
    // The call of $callee differs under native when the stack-argument areas differ or when AArch64
    // omits the leaf callee's frame record. Otherwise the first difference is one call further:
    // $callee's call of the leaf $id (so native always diverges somewhere: every chain ends in a leaf).
    const differsAtCallee = area(n, 6) !== area(n, 8) || leaf;
    const name = `${n} parameters, ${leaf ? "leaf" : "non-leaf"} callee, ${indirect ? "call_indirect" : "call"}`;

    it(`${name}: native first diverges at ${differsAtCallee ? "the call of $callee" : "$callee's call of the leaf $id"}`, async () => {
      const [x64, aarch64] = (await artifacts(variant, "native")).map(verifyArtifact);
      expect([...x64!.issues, ...aarch64!.issues]).toEqual([]);
      const staticDifferences = compareTargets(x64!, aarch64!);
      expect(staticDifferences.some((d) => d.funcIndex === (leaf ? CALLEE : ID))).toBe(true);

      const [px64, parm] = await profiles(variant, "native");
      expect(px64!.outcome).toEqual(parm!.outcome);
      const dynamic = compareProfiles(px64!.profile, parm!.profile);
      if (dynamic.identical) throw new Error("native profiles should differ");
      const first = dynamic.firstDifference!;
      expect(first.a!.location).toEqual(first.b!.location);
      const { funcIndex, instrIndex } = first.a!.location;
      expect(funcIndex).toBe(differsAtCallee ? CALLER : CALLEE);
      const body = (await validated(variant)).module.bodies[funcIndex]!;
      const expected = !differsAtCallee
        ? { op: "call", func: ID }
        : indirect
          ? { op: "call_indirect" }
          : { op: "call", func: CALLEE };
      expect(body.code[instrIndex]).toMatchObject(expected);
      expect(first.a!.depth).not.toBe(first.b!.depth);
      expect(dynamic.divergentLimits.length).toBeGreaterThan(0);
    });

    // `logical` frames follow each target's own ABI, as `native` ones do (test/logical has its verdict).
    for (const strategy of STRATEGIES.filter((s) => s !== "native" && s !== "logical")) {
      it(`${name}: ${strategy} is verified equal for all limits`, async () => {
        const [x64, aarch64] = (await artifacts(variant, strategy)).map(verifyArtifact);
        expect([...x64!.issues, ...aarch64!.issues]).toEqual([]);
        expect(compareTargets(x64!, aarch64!)).toEqual([]);
        const [px64, parm] = await profiles(variant, strategy);
        expect(px64!.outcome).toEqual(parm!.outcome);
        expect(compareProfiles(px64!.profile, parm!.profile).identical).toBe(true);
      });
    }
  }
});
