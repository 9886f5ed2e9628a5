// fast-check arbitraries of program descriptions (description.ts), biased toward what makes machine
// stacks differ between ABIs: parameter counts around the register thresholds (6 on x64, 8 on
// aarch64) and up to 24, recursion, many locals, calls nested inside call arguments (values live
// across calls), nested control flow, memory and global traffic, trap-prone operands, and float
// edge values. Every choice shrinks toward the simplest: fewer functions, parameters, statements
// and nodes; i32 before other types; constants before computations.
import fc from "fast-check";
import type { MemoryOp, NumType } from "../../wasm/ir.js";
import {
  type Address,
  BINARY,
  type Expr,
  type FunctionDesc,
  type GlobalDesc,
  type ImportDesc,
  LOADS,
  type ProgramDesc,
  type Slot,
  STORES,
  type Stmt,
  TESTS,
  UNARY,
  VAL_TYPES,
} from "./description.js";

export interface ProgramOptions {
  /** Maximum nesting of expressions and statements. */
  readonly maxDepth?: number;
  /** Maximum number of plain (non-recursive) functions. */
  readonly maxFunctions?: number;
  /** Maximum number of recursive functions. */
  readonly maxRecursive?: number;
}

const valType: fc.Arbitrary<NumType> = fc.constantFrom(...VAL_TYPES);

/** `valType.chain(of)`, with `of` called once per type rather than once per draw. */
function byValType<T>(of: (type: NumType) => fc.Arbitrary<T>): fc.Arbitrary<T> {
  const arbitraries = new Map(VAL_TYPES.map((type) => [type, of(type)]));
  return valType.chain((type) => arbitraries.get(type)!);
}

/** fc.boolean() without its map: the choice of a null prototype that fc.record draws. */
const nullPrototype = fc.noBias(fc.integer({ min: 0, max: 1 }));

/**
 * An fc.record that draws and shrinks as fc.record does, at a fraction of its cost per draw:
 * `fields` are the arbitraries of its drawn fields in key order (constant fields draw nothing),
 * `build` makes the object from their values. The null-prototype choice fc.record draws last is
 * drawn too, so that every seed keeps its value, and ignored: `build` gets it after the values.
 */
function record<const A extends readonly unknown[], const T>(
  fields: { readonly [K in keyof A]: fc.Arbitrary<A[K]> },
  build: (values: A) => T,
): fc.Arbitrary<T> {
  return fc
    .tuple(...(fields as readonly fc.Arbitrary<unknown>[]), nullPrototype)
    .map(build as unknown as (values: unknown[]) => T);
}

const u32 = (n: number) => BigInt(n >>> 0);
const I32_EDGES = [0, 1, -1, 2, 7, 8, 31, 32, 0x7fff_ffff, -0x8000_0000, 0xffff, 0x1_0000].map(u32);
const I64_EDGES = [0n, 1n, (1n << 64n) - 1n, 63n, 64n, (1n << 63n) - 1n, 1n << 63n, 0xffff_ffffn, 1n << 32n];
// Bit patterns: zeros, ones, NaNs (quiet, negative, signalling, with payload), infinities, and the
// edges of float→int truncation (±2^31, 2^32, ±2^63, 2^64).
const F32_EDGES = [
  0x0000_0000, 0x8000_0000, 0x3f80_0000, 0xbfc0_0000, 0x7fc0_0000, 0xffc0_0000, 0x7fa0_0000, 0x7fc0_1234,
  0x7f80_0000, 0xff80_0000, 0x4f00_0000, 0xcf00_0000, 0x4f80_0000, 0x5f00_0000, 0xdf00_0000, 0x0000_0001,
].map(BigInt);
const F64_EDGES = [
  0n,
  1n << 63n,
  0x3ff0_0000_0000_0000n,
  0xbff8_0000_0000_0000n,
  0x7ff8_0000_0000_0000n,
  0xfff8_0000_0000_0000n,
  0x7ff4_0000_0000_0000n,
  0x7ff8_0000_0000_1234n,
  0x7ff0_0000_0000_0000n,
  0xfff0_0000_0000_0000n,
  0x41e0_0000_0000_0000n,
  0xc1e0_0000_0000_0000n,
  0x41f0_0000_0000_0000n,
  0x43e0_0000_0000_0000n,
  0xc3e0_0000_0000_0000n,
  0x43f0_0000_0000_0000n,
  0x0000_0000_0000_0001n,
];

/** Bit patterns of `type`: small values first (for shrinking), then edges, then anything. */
export function bitsOf(type: NumType): fc.Arbitrary<bigint> {
  switch (type) {
    case "i32":
      return fc.oneof(
        fc.integer({ min: -8, max: 8 }).map(u32),
        fc.constantFrom(...I32_EDGES),
        fc.nat().map(u32),
      );
    case "i64":
      return fc.oneof(
        fc.integer({ min: -8, max: 8 }).map((n) => BigInt.asUintN(64, BigInt(n))),
        fc.constantFrom(...I64_EDGES),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      );
    case "f32":
      return fc.oneof(
        fc.integer({ min: -8, max: 8 }).map((n) => f32Bits(n)),
        fc.constantFrom(...F32_EDGES),
        fc.float({ noDefaultInfinity: false }).map(f32Bits),
        fc.nat().map(u32),
      );
    case "f64":
      return fc.oneof(
        fc.integer({ min: -8, max: 8 }).map((n) => f64Bits(n)),
        fc.constantFrom(...F64_EDGES),
        fc.double().map(f64Bits),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      );
  }
}

const scratch = new DataView(new ArrayBuffer(8));
function f32Bits(value: number): bigint {
  scratch.setFloat32(0, value);
  return BigInt(scratch.getUint32(0));
}
function f64Bits(value: number): bigint {
  scratch.setFloat64(0, value);
  return scratch.getBigUint64(0);
}

/** Addresses: in-page constants and edges of the first page, masked expressions, raw ones. */
function addressOf(i32: fc.Arbitrary<Expr>): fc.Arbitrary<Address> {
  const offset = fc.oneof(
    { weight: 12, arbitrary: fc.constant(0) },
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 64 }) },
    { weight: 1, arbitrary: fc.constantFrom(0xfff8, 0xffff, 0x1_0000, 0xffff_ffff) },
  );
  const edge = fc.constantFrom(0, 0xfff8, 0xfffc, 0xfffe, 0xffff, 0x1_0000, 0x1_fff8, 0xffff_ffff);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: record([fc.integer({ min: 0, max: 256 }), offset], ([value, offset]) => ({
        k: "const",
        value,
        offset,
      })),
    },
    { weight: 1, arbitrary: record([edge, offset], ([value, offset]) => ({ k: "const", value, offset })) },
    { weight: 4, arbitrary: record([i32, offset], ([expr, offset]) => ({ k: "masked", expr, offset })) },
    { weight: 1, arbitrary: record([i32, offset], ([expr, offset]) => ({ k: "raw", expr, offset })) },
  );
}

function slotOf(i32: fc.Arbitrary<Expr>): fc.Arbitrary<Slot> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant({ k: "callee" as const }) },
    { weight: 4, arbitrary: record([i32], ([index]) => ({ k: "dynamic", index })) },
    { weight: 1, arbitrary: record([], () => ({ k: "null" })) },
    {
      weight: 1,
      arbitrary: record([fc.oneof(fc.nat(3), fc.constant(0xffff_fff0))], ([past]) => ({
        k: "outside",
        past,
      })),
    },
  );
}

/** Argument lists, often long enough to reach the register thresholds; shrinkable to empty. */
function argsOf(any: fc.Arbitrary<Expr>, depthIdentifier: fc.DepthIdentifier): fc.Arbitrary<Expr[]> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.array(any, { maxLength: 3, depthIdentifier }) },
    { weight: 2, arbitrary: fc.array(any, { maxLength: 10, size: "max", depthIdentifier }) },
    { weight: 1, arbitrary: fc.array(any, { maxLength: 24, size: "max", depthIdentifier }) },
  );
}

interface Trees {
  readonly expr: Readonly<Record<NumType, fc.Arbitrary<Expr>>>;
  readonly stmts: fc.Arbitrary<Stmt[]>;
}

function trees(maxDepth: number): Trees {
  const depthIdentifier = fc.createDepthIdentifier();
  const nodes = fc.letrec<Record<NumType | "any" | "stmt", unknown>>((tie) => {
    const expr = (type: NumType) => tie(type) as fc.Arbitrary<Expr>;
    const any = tie("any") as fc.Arbitrary<Expr>;
    const stmt = tie("stmt") as fc.Arbitrary<Stmt>;
    const stmts = fc.array(stmt, { maxLength: 4, depthIdentifier });
    const i32 = expr("i32");
    const pick = fc.nat(7);
    /** Conditions of early returns and traps: mostly false, so that the rest of the body runs too. */
    const rarely = fc.oneof(
      { weight: 3, arbitrary: fc.constant<Expr>({ k: "const", type: "i32", bits: 0n }) },
      { weight: 1, arbitrary: i32 },
    );

    const node = (type: NumType): fc.Arbitrary<Expr> => {
      const leaves: fc.Arbitrary<Expr>[] = [
        record([bitsOf(type)], ([bits]) => ({ k: "const", type, bits })),
        record([pick], ([pick]) => ({ k: "local", type, pick })),
        record([pick], ([pick]) => ({ k: "global", type, pick })),
      ];
      const testNodes = TESTS[type].map(
        ({ op, from }): fc.Arbitrary<Expr> =>
          record([fc.tuple(...from.map(expr))], ([args]) => ({ k: "test", type, op, args })),
      );
      const inner: fc.WeightedArbitrary<Expr>[] = [
        { weight: 3, arbitrary: fc.oneof(...leaves) },
        {
          weight: 1,
          arbitrary: record([fc.constantFrom(...UNARY[type]), expr(type)], ([op, arg]) => ({
            k: "unary",
            type,
            op,
            arg,
          })),
        },
        {
          weight: 3,
          arbitrary: record(
            [fc.constantFrom(...BINARY[type]), expr(type), expr(type)],
            ([op, left, right]) => ({ k: "binary", type, op, left, right }),
          ),
        },
        {
          weight: 2,
          arbitrary: fc.integer({ min: 0, max: testNodes.length - 1 }).chain((i) => testNodes[i]!),
        },
        {
          weight: 1,
          arbitrary: record([fc.constantFrom(...LOADS[type]), addressOf(i32)], ([op, address]) => ({
            k: "load",
            type,
            op,
            address,
          })),
        },
        {
          weight: 4,
          arbitrary: record([pick, argsOf(any, depthIdentifier)], ([pick, args]) => ({
            k: "call",
            type,
            pick,
            args,
          })),
        },
        {
          weight: 2,
          arbitrary: record([pick, slotOf(i32), argsOf(any, depthIdentifier)], ([pick, slot, args]) => ({
            k: "call_indirect",
            type,
            pick,
            slot,
            args,
          })),
        },
        {
          weight: 1,
          arbitrary: record([i32, expr(type), expr(type)], ([cond, ifTrue, ifFalse]) => ({
            k: "select",
            type,
            cond,
            ifTrue,
            ifFalse,
          })),
        },
        {
          weight: 1,
          arbitrary: record([i32, expr(type), expr(type)], ([cond, ifTrue, ifFalse]) => ({
            k: "if",
            type,
            cond,
            ifTrue,
            ifFalse,
          })),
        },
        {
          weight: 1,
          arbitrary: record([stmts, expr(type)], ([body, value]) => ({ k: "block", type, body, value })),
        },
        {
          weight: 1,
          arbitrary: record([expr(type), i32, expr(type)], ([value, cond, otherwise]) => ({
            k: "exit",
            type,
            value,
            cond,
            otherwise,
          })),
        },
        {
          weight: 1,
          arbitrary: record([pick, expr(type)], ([pick, value]) => ({ k: "tee", type, pick, value })),
        },
      ];
      if (type === "i32") {
        inner.push(
          { weight: 1, arbitrary: fc.constant({ k: "memory.size" as const, type: "i32" as const }) },
          {
            weight: 1,
            arbitrary: record([i32], ([delta]) => ({ k: "memory.grow", type: "i32", delta })),
          },
        );
      }
      return fc.oneof({ depthIdentifier, maxDepth, depthSize: "small", withCrossShrink: true }, ...inner);
    };

    const statement: fc.Arbitrary<Stmt> = fc.oneof(
      { depthIdentifier, maxDepth, depthSize: "small", withCrossShrink: true },
      { weight: 3, arbitrary: record([any], ([value]) => ({ k: "drop", value })) },
      { weight: 2, arbitrary: record([pick, any], ([pick, value]) => ({ k: "set", pick, value })) },
      { weight: 1, arbitrary: record([pick, any], ([pick, value]) => ({ k: "global.set", pick, value })) },
      {
        weight: 2,
        arbitrary: record(
          [fc.constantFrom<MemoryOp>(...STORES), addressOf(i32), any],
          ([op, address, value]) => ({ k: "store", op, address, value }),
        ),
      },
      {
        weight: 1,
        arbitrary: record([i32, stmts, stmts], ([cond, ifTrue, ifFalse]) => ({
          k: "if",
          cond,
          ifTrue,
          ifFalse,
        })),
      },
      { weight: 1, arbitrary: record([fc.nat(4), stmts], ([count, body]) => ({ k: "loop", count, body })) },
      {
        weight: 1,
        arbitrary: record(
          [i32, fc.array(stmts, { minLength: 1, maxLength: 3, depthIdentifier })],
          ([index, cases]) => ({ k: "switch", index, cases }),
        ),
      },
      { weight: 1, arbitrary: record([rarely, any], ([cond, value]) => ({ k: "return", cond, value })) },
      { weight: 1, arbitrary: record([rarely], ([cond]) => ({ k: "trap", cond })) },
    );

    return {
      i32: node("i32"),
      i64: node("i64"),
      f32: node("f32"),
      f64: node("f64"),
      any: fc.oneof({ weight: 3, arbitrary: i32 }, expr("i64"), expr("f32"), expr("f64")),
      stmt: statement,
    };
  });
  const expr = {
    i32: nodes.i32 as fc.Arbitrary<Expr>,
    i64: nodes.i64 as fc.Arbitrary<Expr>,
    f32: nodes.f32 as fc.Arbitrary<Expr>,
    f64: nodes.f64 as fc.Arbitrary<Expr>,
  };
  return { expr, stmts: fc.array(nodes.stmt as fc.Arbitrary<Stmt>, { maxLength: 6, size: "medium" }) };
}

/**
 * Parameter lists: few, or up to 10 (around the thresholds), or up to 24; every list can shrink
 * to empty (no minimum length), so shrunk counterexamples keep only the parameters they need.
 */
const params = fc.oneof(
  { withCrossShrink: true },
  fc.array(valType, { maxLength: 3 }),
  { weight: 2, arbitrary: fc.array(valType, { maxLength: 10, size: "max" }) },
  fc.array(valType, { maxLength: 24, size: "max" }),
);
const locals = fc.oneof(
  { withCrossShrink: true },
  { weight: 3, arbitrary: fc.array(valType, { maxLength: 4 }) },
  fc.array(valType, { maxLength: 48, size: "max" }),
);

function functionOf({ expr, stmts }: Trees): fc.Arbitrary<FunctionDesc> {
  return byValType((type) =>
    record(
      [params, fc.option(fc.constant(type), { freq: 4 }), locals, stmts, expr[type]],
      ([params, result, locals, body, value]) => ({ params, result, locals, body, value }),
    ),
  );
}

const hostImport: fc.Arbitrary<ImportDesc> = record(
  [params, fc.option(valType, { freq: 4 })],
  ([params, result]) => ({ params, result }),
);

const global: fc.Arbitrary<GlobalDesc> = byValType((type) =>
  record([fc.boolean(), bitsOf(type)], ([mutable, bits]) => ({ type, mutable, bits })),
);

export function programArbitrary(options: ProgramOptions = {}): fc.Arbitrary<ProgramDesc> {
  const shapes = trees(options.maxDepth ?? 4);
  const fn = functionOf(shapes);
  return record(
    [
      fc.array(hostImport, { maxLength: 2 }),
      fc.array(fn, { maxLength: options.maxRecursive ?? 2 }),
      fc.array(fn, { maxLength: options.maxFunctions ?? 4 }),
      fc.array(global, { maxLength: 4 }),
      fc.uint8Array({ maxLength: 16 }),
      fc.oneof(fc.nat(64), fc.constant(0xfff8)),
      fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.nat()),
      fc.array(bitsOf("i64"), { maxLength: 24 }),
      fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true)),
    ],
    ([imports, recursive, plain, globals, data, dataOffset, entry, args, nanBitsVisible]) => ({
      imports,
      recursive,
      plain,
      globals,
      data,
      dataOffset,
      entry,
      args,
      nanBitsVisible,
    }),
  );
}
