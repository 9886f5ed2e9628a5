// Compiled code run under Unicorn on both targets and all three strategies, against V8 (an engine
// nobody here wrote): float semantics, the trapping truncations at their exact bounds, call_indirect
// with its traps across arities, and the one place the strategies are meant to differ: the NaN bits.
//
// V8 cannot report NaN payloads across the JS boundary (emulators/v8/v8.ts), so where V8 returns a NaN
// the check is the Wasm rule instead: an arithmetic NaN, and under `intersect` and `frame` exactly
// the positive canonical NaN. Bit operations (abs, neg, copysign, reinterpret, loads and stores) are
// checked against their definition in the spec, computed here on BigInts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CODE_BASE } from "../../emulators/runtime/layout.js";
import { type Instance, Runner } from "../../emulators/runtime/runner.js";
import { V8Instance, v8TrapMatches } from "../../emulators/v8/v8.js";
import { compileModule } from "../../src/compiler/compile.js";
import { STRATEGIES, type Strategy, TARGETS, type Target } from "../../src/compiler/target.js";
import { decodeModule, validateModule, watToBinary } from "../../src/wasm/index.js";
import type { ValidatedModule, ValType } from "../../src/wasm/ir.js";
import type { Outcome, TrapKind, WasmValue } from "../../src/wasm/outcome.js";

interface Configuration {
  readonly target: Target;
  readonly strategy: Strategy;
}
const CONFIGURATIONS: readonly Configuration[] = TARGETS.flatMap((target) =>
  STRATEGIES.map((strategy) => ({ target, strategy })),
);
const nameOf = ({ target, strategy }: Configuration) => `${target}/${strategy}`;

const runners = new Map(TARGETS.map((target) => [target, new Runner(target)]));
afterAll(() => {
  for (const runner of runners.values()) runner.close();
});

/** One module instantiated in V8 and in every configuration. */
interface Instances {
  readonly v8: V8Instance;
  readonly emulated: ReadonlyMap<string, Instance>;
}

async function instantiate(wat: string): Promise<Instances> {
  const bytes = await watToBinary(wat);
  const validated: ValidatedModule = validateModule(decodeModule(bytes));
  const v8 = V8Instance.instantiate(bytes, validated.module);
  if (!v8.ok) throw new Error(`V8 cannot instantiate: ${JSON.stringify(v8)}`);
  const emulated = new Map<string, Instance>();
  for (const configuration of CONFIGURATIONS) {
    const artifact = compileModule(validated, {
      ...configuration,
      layout: { codeBase: BigInt(CODE_BASE) },
    });
    const result = runners.get(configuration.target)!.instantiate(artifact);
    if (!result.ok) throw new Error(`${nameOf(configuration)} cannot instantiate: ${JSON.stringify(result)}`);
    emulated.set(nameOf(configuration), result.instance);
  }
  return { v8: v8.instance, emulated };
}

const value = (type: ValType, bits: bigint): WasmValue => ({ type, value: bits.toString() });
const widthOf = (type: ValType): 32 | 64 => (type === "f32" || type === "i32" ? 32 : 64);
const EXPONENT: Readonly<Record<32 | 64, bigint>> = { 32: 0x7f80_0000n, 64: 0x7ff0_0000_0000_0000n };
const QUIET: Readonly<Record<32 | 64, bigint>> = { 32: 0x0040_0000n, 64: 0x0008_0000_0000_0000n };
const CANONICAL: Readonly<Record<32 | 64, bigint>> = { 32: 0x7fc0_0000n, 64: 0x7ff8_0000_0000_0000n };
const SIGN: Readonly<Record<32 | 64, bigint>> = { 32: 0x8000_0000n, 64: 0x8000_0000_0000_0000n };

const FRACTION: Readonly<Record<32 | 64, bigint>> = { 32: 0x007f_ffffn, 64: 0x000f_ffff_ffff_ffffn };

function isNaNBits(type: ValType, bits: bigint): boolean {
  if (type !== "f32" && type !== "f64") return false;
  const width = widthOf(type);
  return (bits & EXPONENT[width]) === EXPONENT[width] && (bits & FRACTION[width]) !== 0n;
}

function resultBits(outcome: Outcome): bigint {
  if (outcome.outcome !== "return" || outcome.values.length !== 1) {
    throw new Error(`expected one value, got ${JSON.stringify(outcome)}`);
  }
  return BigInt(outcome.values[0]!.value);
}

/**
 * Invokes `name` everywhere and checks each configuration against V8: the same trap (the kinds V8
 * merges accepted), the same bits, or — where V8 gives a NaN — an arithmetic NaN, canonical under
 * the deterministic strategies when `canonicalNaN`.
 */
function agreeWithV8(instances: Instances, name: string, args: readonly WasmValue[], canonicalNaN = true) {
  const expected = instances.v8.invoke(name, args);
  const call = `${name}(${args.map((arg) => arg.value).join(", ")})`;
  for (const [configuration, instance] of instances.emulated) {
    const actual = instance.invoke(name, args);
    const where = `${configuration} ${call}`;
    if (expected.outcome === "trap") {
      expect(actual.outcome, `${where}: ${JSON.stringify(actual)}`).toBe("trap");
      if (actual.outcome === "trap") expect(v8TrapMatches(expected.trap, actual.trap), where).toBe(true);
      continue;
    }
    expect(expected.outcome, where).toBe("return");
    if (expected.outcome !== "return" || expected.values.length === 0) {
      expect(actual, where).toEqual(expected);
      continue;
    }
    const type = expected.values[0]!.type;
    const bits = resultBits(actual);
    if (!isNaNBits(type, resultBits(expected))) {
      expect(bits, where).toBe(resultBits(expected));
      continue;
    }
    const width = widthOf(type);
    expect(isNaNBits(type, bits) && (bits & QUIET[width]) !== 0n, `${where}: arithmetic NaN`).toBe(true);
    if (canonicalNaN && !configuration.endsWith("native"))
      expect(bits, `${where}: canonical`).toBe(CANONICAL[width]);
  }
}

/** Invokes `name` everywhere; every configuration must return exactly `bits`. */
function returnsEverywhere(instances: Instances, name: string, args: readonly WasmValue[], bits: bigint) {
  for (const [configuration, instance] of instances.emulated) {
    expect(resultBits(instance.invoke(name, args)), `${configuration} ${name}`).toBe(bits);
  }
}

// Interesting bit patterns: zeros, ones, halves (for nearest's ties), extremes, subnormals,
// infinities and NaNs (canonical, negative, signalling, with payload).
const F32_BITS = [
  0x0000_0000n,
  0x8000_0000n,
  0x3f80_0000n,
  0xbf80_0000n,
  0x3fc0_0000n,
  0x4020_0000n,
  0xc020_0000n,
  0x7f7f_ffffn,
  0x0000_0001n,
  0x8000_0001n,
  0x7f80_0000n,
  0xff80_0000n,
  0x7fc0_0000n,
  0xffc0_0000n,
  0x7fa0_0001n,
  0x7fc1_2345n,
  0x4f00_0000n,
  0x5f80_0000n,
];
const F64_BITS = [
  0x0000_0000_0000_0000n,
  0x8000_0000_0000_0000n,
  0x3ff0_0000_0000_0000n,
  0xbff0_0000_0000_0000n,
  0x3ff8_0000_0000_0000n,
  0x4004_0000_0000_0000n,
  0xc004_0000_0000_0000n,
  0x7fef_ffff_ffff_ffffn,
  0x0000_0000_0000_0001n,
  0x8000_0000_0000_0001n,
  0x7ff0_0000_0000_0000n,
  0xfff0_0000_0000_0000n,
  0x7ff8_0000_0000_0000n,
  0xfff8_0000_0000_0000n,
  0x7ff4_0000_0000_0001n,
  0x7ff8_1234_5678_9abcn,
  0x41e0_0000_0000_0000n,
  0x43e0_0000_0000_0000n,
];
const FLOAT_BITS = { f32: F32_BITS, f64: F64_BITS } as const;
const FLOAT_TYPES = ["f32", "f64"] as const;

const BINARY = ["add", "sub", "mul", "div", "min", "max"] as const;
const UNARY = ["sqrt", "ceil", "floor", "trunc", "nearest"] as const;
const COMPARE = ["eq", "ne", "lt", "gt", "le", "ge"] as const;

const FLOATS = `(module
  (memory 1)
  ${FLOAT_TYPES.map(
    (t) => `
    ${BINARY.map((op) => `(func (export "${t}.${op}") (param ${t} ${t}) (result ${t}) (${t}.${op} (local.get 0) (local.get 1)))`).join("\n")}
    ${UNARY.map((op) => `(func (export "${t}.${op}") (param ${t}) (result ${t}) (${t}.${op} (local.get 0)))`).join("\n")}
    ${COMPARE.map((op) => `(func (export "${t}.${op}") (param ${t} ${t}) (result i32) (${t}.${op} (local.get 0) (local.get 1)))`).join("\n")}
    (func (export "${t}.abs") (param ${t}) (result ${t}) (${t}.abs (local.get 0)))
    (func (export "${t}.neg") (param ${t}) (result ${t}) (${t}.neg (local.get 0)))
    (func (export "${t}.copysign") (param ${t} ${t}) (result ${t}) (${t}.copysign (local.get 0) (local.get 1)))
    (func (export "${t}.store_load") (param ${t}) (result ${t})
      (${t}.store offset=3 (i32.const 5) (local.get 0))
      (${t}.load offset=3 (i32.const 5)))`,
  ).join("\n")}
  (func (export "f64.promote_f32") (param f32) (result f64) (f64.promote_f32 (local.get 0)))
  (func (export "f32.demote_f64") (param f64) (result f32) (f32.demote_f64 (local.get 0)))
  (func (export "i32.reinterpret_f32") (param f32) (result i32) (i32.reinterpret_f32 (local.get 0)))
  (func (export "f32.reinterpret_i32") (param i32) (result f32) (f32.reinterpret_i32 (local.get 0)))
  (func (export "i64.reinterpret_f64") (param f64) (result i64) (i64.reinterpret_f64 (local.get 0)))
  (func (export "f64.reinterpret_i64") (param i64) (result f64) (f64.reinterpret_i64 (local.get 0)))
  (func (export "f32.const") (result f32) (f32.const nan:0x200001))
  (func (export "f64.const") (result f64) (f64.const -nan:0x4000000000001))
  ${["i32", "i64"]
    .flatMap((i) =>
      FLOAT_TYPES.flatMap((f) =>
        ["s", "u"].map(
          (sign) => `
    (func (export "${i}.trunc_${f}_${sign}") (param ${f}) (result ${i}) (${i}.trunc_${f}_${sign} (local.get 0)))
    (func (export "${f}.convert_${i}_${sign}") (param ${i}) (result ${f}) (${f}.convert_${i}_${sign} (local.get 0)))`,
        ),
      ),
    )
    .join("\n")})`;

let floats: Instances;
beforeAll(async () => {
  floats = await instantiate(FLOATS);
});

describe("float arithmetic, comparisons and conversions agree with V8", () => {
  it.each(FLOAT_TYPES)(
    "%s binary operators and comparisons over every pair of interesting values",
    (type) => {
      for (const lhs of FLOAT_BITS[type])
        for (const rhs of FLOAT_BITS[type]) {
          const args = [value(type, lhs), value(type, rhs)];
          for (const op of [...BINARY, ...COMPARE]) agreeWithV8(floats, `${type}.${op}`, args);
        }
    },
  );

  it.each(FLOAT_TYPES)("%s unary operators", (type) => {
    for (const bits of FLOAT_BITS[type])
      for (const op of UNARY) agreeWithV8(floats, `${type}.${op}`, [value(type, bits)]);
  });

  it("promote and demote", () => {
    for (const bits of F32_BITS) agreeWithV8(floats, "f64.promote_f32", [value("f32", bits)]);
    for (const bits of F64_BITS) agreeWithV8(floats, "f32.demote_f64", [value("f64", bits)]);
  });

  // Around every bound: the integer limits, one ulp either side as floats, halves, and NaN/inf.
  const INTEGERS = {
    i32: [0n, 1n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x0100_0001n, 0xfeff_ffffn],
    i64: [
      0n,
      1n,
      0x7fff_ffff_ffff_ffffn,
      0x8000_0000_0000_0000n,
      0xffff_ffff_ffff_ffffn,
      0x0020_0000_0000_0001n,
    ],
  } as const;

  it("integer → float conversions, rounding to nearest even", () => {
    for (const from of ["i32", "i64"] as const)
      for (const to of FLOAT_TYPES)
        for (const sign of ["s", "u"])
          for (const bits of INTEGERS[from])
            agreeWithV8(floats, `${to}.convert_${from}_${sign}`, [value(from, bits)]);
  });
});

describe("trapping truncations", () => {
  const view = new DataView(new ArrayBuffer(8));
  const floatBits = (type: "f32" | "f64", x: number): bigint => {
    if (type === "f32") {
      view.setFloat32(0, x);
      return BigInt(view.getUint32(0));
    }
    view.setFloat64(0, x);
    return view.getBigUint64(0);
  };
  const nextUp = (type: "f32" | "f64", bits: bigint) => bits + (bits & SIGN[widthOf(type)] ? -1n : 1n);
  const nextDown = (type: "f32" | "f64", bits: bigint) => bits + (bits & SIGN[widthOf(type)] ? 1n : -1n);

  /** Inputs around every limit of every truncation: the limits ±1 and their neighbouring floats. */
  function inputs(type: "f32" | "f64"): bigint[] {
    const limits = [
      0,
      -1,
      1,
      -0.5,
      0.75,
      2 ** 31,
      -(2 ** 31),
      -(2 ** 31) - 1,
      2 ** 32,
      2 ** 63,
      -(2 ** 63),
      2 ** 64,
    ];
    const around = limits.flatMap((x) => {
      const bits = floatBits(type, x);
      return [bits, nextUp(type, bits), nextDown(type, bits)];
    });
    const width = widthOf(type);
    return [
      ...around,
      EXPONENT[width],
      EXPONENT[width] | SIGN[width],
      CANONICAL[width],
      CANONICAL[width] | SIGN[width],
    ];
  }

  const cases = (["i32", "i64"] as const).flatMap((to) =>
    FLOAT_TYPES.flatMap((from) => (["s", "u"] as const).map((sign) => [to, from, sign] as const)),
  );

  it.each(cases)(
    "%s.trunc_%s_%s: values and traps as V8, NaN invalid, out of range overflow",
    (to, from, sign) => {
      const name = `${to}.trunc_${from}_${sign}`;
      for (const bits of inputs(from)) {
        const args = [value(from, bits)];
        const v8 = floats.v8.invoke(name, args);
        // V8 reports both traps with one message; the kind follows from the spec: NaN is invalid.
        const kind: TrapKind = isNaNBits(from, bits) ? "invalid_conversion_to_integer" : "integer_overflow";
        for (const [configuration, instance] of floats.emulated) {
          const actual = instance.invoke(name, args);
          const where = `${configuration} ${name}(0x${bits.toString(16)})`;
          if (v8.outcome === "trap") expect(actual, where).toMatchObject({ outcome: "trap", trap: kind });
          else expect(actual, where).toEqual(v8);
        }
      }
    },
  );
});

describe("bit operations keep every bit, NaN payloads included", () => {
  const abs = (type: "f32" | "f64", bits: bigint) => bits & ~SIGN[widthOf(type)];

  it.each(FLOAT_TYPES)("%s abs, neg, copysign, store/load and reinterpret", (type) => {
    const sign = SIGN[widthOf(type)];
    const integer = type === "f32" ? "i32" : "i64";
    for (const x of FLOAT_BITS[type]) {
      returnsEverywhere(floats, `${type}.abs`, [value(type, x)], abs(type, x));
      returnsEverywhere(floats, `${type}.neg`, [value(type, x)], x ^ sign);
      returnsEverywhere(floats, `${type}.store_load`, [value(type, x)], x);
      returnsEverywhere(floats, `${integer}.reinterpret_${type}`, [value(type, x)], x);
      returnsEverywhere(floats, `${type}.reinterpret_${integer}`, [value(integer, x)], x);
      for (const y of FLOAT_BITS[type]) {
        returnsEverywhere(
          floats,
          `${type}.copysign`,
          [value(type, x), value(type, y)],
          abs(type, x) | (y & sign),
        );
      }
    }
  });

  it("constants keep their NaN payloads", () => {
    returnsEverywhere(floats, "f32.const", [], 0x7fa0_0001n);
    returnsEverywhere(floats, "f64.const", [], 0xfff4_0000_0000_0001n);
  });
});

describe("NaN bits: the difference between the strategies", () => {
  // The hardware's default NaN for 0/0: x86's "QNaN floating-point indefinite" has the sign bit set
  // (Intel SDM vol. 1, 4.8.3.7); AArch64's FPDefaultNaN has it clear (Arm ARM, FPDefaultNaN()).
  const DEFAULT_NAN: Readonly<Record<Target, Record<"f32" | "f64", bigint>>> = {
    x64: { f32: 0xffc0_0000n, f64: 0xfff8_0000_0000_0000n },
    aarch64: { f32: 0x7fc0_0000n, f64: 0x7ff8_0000_0000_0000n },
  };

  it.each(FLOAT_TYPES)("%s.div 0/0: native differs across targets, intersect and frame do not", (type) => {
    const zero = value(type, 0n);
    const bits = (configuration: Configuration) =>
      resultBits(floats.emulated.get(nameOf(configuration))!.invoke(`${type}.div`, [zero, zero]));
    const native = TARGETS.map((target) => bits({ target, strategy: "native" }));
    expect(native).toEqual(TARGETS.map((target) => DEFAULT_NAN[target][type]));
    expect(new Set(native).size).toBe(2);
    for (const strategy of ["intersect", "frame"] as const) {
      expect(TARGETS.map((target) => bits({ target, strategy }))).toEqual(
        TARGETS.map(() => CANONICAL[widthOf(type)]),
      );
    }
  });
});

describe("call_indirect", () => {
  // Entries 0–4 are set; 5 and 6 are not. $same has the structure of $v_i under another type index.
  const params = (types: readonly string[]) => types.map((t) => `(param ${t})`).join(" ");
  const MANY = Array.from({ length: 24 }, (_, i) => ["i32", "i64", "f32", "f64"][i % 4]!);
  const sumMany = MANY.map((type, i) => {
    const local = `(local.get ${i})`;
    const asI64 =
      type === "i32"
        ? `(i64.extend_i32_u ${local})`
        : type === "i64"
          ? local
          : `(i64.trunc_${type}_s ${local})`;
    return `(i64.mul ${asI64} (i64.const ${i + 1}))`;
  }).reduce((sum, term) => `(i64.add ${sum} ${term})`);
  const TABLE = `(module
    (type $v_i (func (result i32)))
    (type $i_i (func (param i32) (result i32)))
    (type $many (func ${params(MANY)} (result i64)))
    (type $same (func (result i32)))
    (table 7 funcref)
    (elem (i32.const 0) $seven $inc $many $seven $f64)
    (func $seven (type $v_i) (i32.const 7))
    (func $inc (type $i_i) (i32.add (local.get 0) (i32.const 1)))
    (func $many (type $many) ${sumMany})
    (func $f64 (param f64) (result f64) (f64.mul (local.get 0) (f64.const 2)))
    (func (export "v_i") (param i32) (result i32) (call_indirect (type $v_i) (local.get 0)))
    (func (export "same") (param i32) (result i32) (call_indirect (type $same) (local.get 0)))
    (func (export "i_i") (param i32 i32) (result i32) (call_indirect (type $i_i) (local.get 1) (local.get 0)))
    (func (export "many") (param i32) (result i64)
      (call_indirect (type $many)
        ${MANY.map((type, i) => `(${type}.const ${i * 3 + 1})`).join(" ")}
        (local.get 0)))
    (func (export "f64") (param i32 f64) (result f64)
      (call_indirect (param f64) (result f64) (local.get 1) (local.get 0)))
    (func (export "nested") (param i32) (result i32)
      (i32.add (i32.const 100) (call_indirect (type $i_i) (call_indirect (type $v_i) (i32.const 3)) (local.get 0)))))`;

  let table: Instances;
  beforeAll(async () => {
    table = await instantiate(TABLE);
  });

  const INDICES = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 0xffff_ffffn, 0x8000_0000n];

  it.each(["v_i", "same", "many"])("%s: results and traps as V8 for every index", (name) => {
    for (const index of INDICES) agreeWithV8(table, name, [value("i32", index)]);
  });

  it("passes arguments of every type and returns floats through the table", () => {
    for (const index of INDICES) {
      agreeWithV8(table, "i_i", [value("i32", index), value("i32", 41n)]);
      agreeWithV8(table, "f64", [value("i32", index), value("f64", 0x4009_21fb_5444_2d18n)]);
      agreeWithV8(table, "nested", [value("i32", index)]);
    }
  });

  it("tells the three traps apart, which V8 does not fully", () => {
    const trapOf = (name: string, index: bigint) =>
      [...table.emulated.values()].map((instance) => {
        const outcome = instance.invoke(name, [value("i32", index)]);
        return outcome.outcome === "trap" ? outcome.trap : outcome.outcome;
      });
    const everywhere = (kind: string) => CONFIGURATIONS.map(() => kind);
    expect(trapOf("v_i", 7n)).toEqual(everywhere("undefined_element"));
    expect(trapOf("v_i", 0xffff_ffffn)).toEqual(everywhere("undefined_element"));
    expect(trapOf("v_i", 5n)).toEqual(everywhere("uninitialized_element"));
    expect(trapOf("v_i", 1n)).toEqual(everywhere("indirect_call_type_mismatch"));
    expect(trapOf("same", 3n)).toEqual(everywhere("return"));
  });
});
