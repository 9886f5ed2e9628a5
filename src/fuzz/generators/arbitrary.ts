// fast-check arbitraries of program descriptions (description.ts), biased toward what makes machine
// stacks differ between ABIs: parameter counts around the register thresholds (6 on x64, 8 on
// aarch64) and up to 24, several results (more than the two result registers, so that the result
// area is used), blocks with parameters and results, recursion, many locals, calls nested inside
// call arguments (values live across calls), nested control flow, memory and global traffic,
// trap-prone operands, and float edge values; and, less often, the rest of WebAssembly 2.0:
// references, several tables, bulk memory and table operations with lengths at their bounds. Every
// choice shrinks toward the simplest: fewer functions, parameters, results, statements and nodes;
// i32 before other types; constants before computations.
import fc from "fast-check";
import type { MemoryOp, NumType, RefType, ValType } from "../../wasm/ir.js";
import {
  type Address,
  BINARY,
  type ElemDesc,
  type Expr,
  type FunctionDesc,
  type GlobalDesc,
  type ImportDesc,
  LOADS,
  NUM_TYPES,
  type Position,
  type ProgramDesc,
  REF_TYPES,
  type Slot,
  STORES,
  type Stmt,
  type TableDesc,
  TESTS,
  UNARY,
} from "./description.js";

export interface ProgramOptions {
  /** Maximum nesting of expressions and statements. */
  readonly maxDepth?: number;
  /** Maximum number of plain (non-recursive) functions. */
  readonly maxFunctions?: number;
  /** Maximum number of recursive functions. */
  readonly maxRecursive?: number;
}

const numType: fc.Arbitrary<NumType> = fc.constantFrom(...NUM_TYPES);
const refType: fc.Arbitrary<RefType> = fc.constantFrom(...REF_TYPES);
/** Numbers three times as often as references (which travel in integer registers too). */
const valType: fc.Arbitrary<ValType> = fc.oneof(
  { weight: 6, arbitrary: numType },
  { weight: 1, arbitrary: refType },
);

/** `numType.chain(of)`, with `of` called once per type rather than once per draw. */
function byNumType<T>(of: (type: NumType) => fc.Arbitrary<T>): fc.Arbitrary<T> {
  const arbitraries = new Map(NUM_TYPES.map((type) => [type, of(type)]));
  return numType.chain((type) => arbitraries.get(type)!);
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
// edges of float→int truncation (±2^31, 2^32, ±2^63, 2^64), with the floats just inside and just
// outside each range (where trapping truncation starts to trap and saturating truncation to clamp).
const F32_EDGES = [
  0x0000_0000, 0x8000_0000, 0x3f80_0000, 0xbfc0_0000, 0x7fc0_0000, 0xffc0_0000, 0x7fa0_0000, 0x7fc0_1234,
  0x7f80_0000, 0xff80_0000, 0x4f00_0000, 0xcf00_0000, 0x4f80_0000, 0x5f00_0000, 0xdf00_0000, 0x0000_0001,
  // 2^31 − 128, −2^31 − 256, 2^32 − 256, −1, −(1 − 2^−24), 2^63 − 2^39, −2^63 − 2^40, 2^64 − 2^40
  0x4eff_ffff, 0xcf00_0001, 0x4f7f_ffff, 0xbf80_0000, 0xbf7f_ffff, 0x5eff_ffff, 0xdf00_0001, 0x5f7f_ffff,
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
  0x41df_ffff_ffff_ffffn, // 2^31 − 2^−22: truncates to 2^31 − 1
  0xc1e0_0000_001f_ffffn, // −2^31 − 1 + 2^−21: truncates to −2^31
  0xc1e0_0000_0020_0000n, // −2^31 − 1
  0x41ef_ffff_ffff_ffffn, // 2^32 − 2^−21
  0xbfef_ffff_ffff_ffffn, // −(1 − 2^−53): truncates to 0, unsigned too
  0xbff0_0000_0000_0000n, // −1
  0x43df_ffff_ffff_ffffn, // 2^63 − 1024
  0xc3e0_0000_0000_0001n, // −2^63 − 2048
  0x43ef_ffff_ffff_ffffn, // 2^64 − 2048
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

/** Positions: in-page constants and edges of the two pages, masked expressions, raw ones. */
function positionOf(i32: fc.Arbitrary<Expr>): fc.Arbitrary<Position> {
  const edge = fc.constantFrom(0, 0xfff8, 0xfffc, 0xfffe, 0xffff, 0x1_0000, 0x1_fff8, 0x2_0000, 0xffff_ffff);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: record([fc.integer({ min: 0, max: 256 })], ([value]) => ({ k: "const", value })),
    },
    { weight: 1, arbitrary: record([edge], ([value]) => ({ k: "const", value })) },
    { weight: 4, arbitrary: record([i32], ([expr]) => ({ k: "masked", expr })) },
    { weight: 1, arbitrary: record([i32], ([expr]) => ({ k: "raw", expr })) },
  );
}

function addressOf(i32: fc.Arbitrary<Expr>): fc.Arbitrary<Address> {
  const offset = fc.oneof(
    { weight: 12, arbitrary: fc.constant(0) },
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 64 }) },
    { weight: 1, arbitrary: fc.constantFrom(0xfff8, 0xffff, 0x1_0000, 0xffff_ffff) },
  );
  return fc.tuple(positionOf(i32), offset).map(([position, offset]) => ({ ...position, offset }));
}

/**
 * Lengths and table indices: constants up to `small` (around the sizes of segments and tables,
 * so mostly in bounds), edges (a page, 2^31, 2^32 − 1), or any i32 expression.
 */
function countOf(i32: fc.Arbitrary<Expr>, small: number): fc.Arbitrary<Expr> {
  const constant = (value: fc.Arbitrary<number>) =>
    value.map((n): Expr => ({ k: "const", type: "i32", bits: u32(n) }));
  return fc.oneof(
    { weight: 6, arbitrary: constant(fc.nat(small)) },
    { weight: 1, arbitrary: constant(fc.constantFrom(0x1_0000, 0x8000_0000, 0xffff_ffff)) },
    { weight: 1, arbitrary: i32 },
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
    {
      weight: 2,
      arbitrary: record([fc.nat(3), countOf(i32, 6)], ([pick, index]) => ({ k: "table", pick, index })),
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

/**
 * Result lists of functions and blocks: none (a fifth), one (about half), or one to five (two in
 * the result registers, the rest in the result area); every list shrinks one result at a time.
 */
const results: fc.Arbitrary<ValType[]> = fc.oneof(
  { withCrossShrink: true },
  { weight: 2, arbitrary: fc.constant<ValType[]>([]) },
  { weight: 5, arbitrary: fc.array(valType, { minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.array(valType, { minLength: 1, maxLength: 5, size: "max" }) },
);

interface Trees {
  readonly any: fc.Arbitrary<Expr>;
  readonly stmts: fc.Arbitrary<Stmt[]>;
}

type TreeKey = ValType | "any" | "stmt";

function trees(maxDepth: number): Trees {
  const depthIdentifier = fc.createDepthIdentifier();
  const nodes = fc.letrec<Record<TreeKey, unknown>>((tie) => {
    const expr = (type: ValType) => tie(type) as fc.Arbitrary<Expr>;
    const any = tie("any") as fc.Arbitrary<Expr>;
    const stmt = tie("stmt") as fc.Arbitrary<Stmt>;
    const stmts = fc.array(stmt, { maxLength: 4, depthIdentifier });
    const some = (maxLength: number) => fc.array(any, { maxLength, depthIdentifier });
    const i32 = expr("i32");
    /** Lengths in memory and data segments; indices and lengths in tables and element segments. */
    const bytes = countOf(i32, 20);
    const entries = countOf(i32, 4);
    const position = positionOf(i32);
    const reference = fc.oneof(expr("funcref"), expr("externref"));
    const pick = fc.nat(7);
    /** Conditions of early returns and traps: mostly false, so that the rest of the body runs too. */
    const rarely = fc.oneof(
      { weight: 3, arbitrary: fc.constant<Expr>({ k: "const", type: "i32", bits: 0n }) },
      { weight: 1, arbitrary: i32 },
    );

    /** The nodes every type has: calls, control flow with one or several results, tee. */
    const common = (type: ValType): fc.WeightedArbitrary<Expr>[] => [
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
        weight: 2,
        arbitrary: record(
          [
            fc.constantFrom("block" as const, "loop" as const, "if" as const),
            some(3),
            results,
            stmts,
            pick,
            some(2),
            i32,
            fc.nat(3),
            some(2),
          ],
          ([form, params, results, body, pick, values, cond, count, otherwise]) => ({
            k: "multi",
            type,
            form,
            params,
            results,
            body,
            pick,
            values,
            cond,
            count,
            otherwise,
          }),
        ),
      },
      {
        weight: 1,
        arbitrary: record([pick, expr(type)], ([pick, value]) => ({ k: "tee", type, pick, value })),
      },
    ];

    const numeric = (type: NumType): fc.Arbitrary<Expr> => {
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
        ...common(type),
      ];
      // Saturating truncations once more on their own, as they are few among the conversions.
      const saturating = testNodes.filter((_, i) => TESTS[type][i]!.op.includes("trunc_sat"));
      if (saturating.length > 0) inner.push({ weight: 1, arbitrary: fc.oneof(...saturating) });
      if (type === "i32") {
        inner.push(
          { weight: 1, arbitrary: fc.constant({ k: "memory.size" as const, type: "i32" as const }) },
          {
            weight: 1,
            arbitrary: record([i32], ([delta]) => ({ k: "memory.grow", type: "i32", delta })),
          },
          {
            weight: 1,
            arbitrary: fc.oneof(
              record([reference], ([arg]) => ({ k: "ref.is_null", type: "i32", arg })),
              record([pick], ([pick]) => ({ k: "table.size", type: "i32", pick })),
              record([pick, reference, entries], ([pick, init, delta]) => ({
                k: "table.grow",
                type: "i32",
                pick,
                init,
                delta,
              })),
            ),
          },
        );
      }
      return fc.oneof({ depthIdentifier, maxDepth, depthSize: "small", withCrossShrink: true }, ...inner);
    };

    const ref = (type: RefType): fc.Arbitrary<Expr> => {
      const leaves: fc.Arbitrary<Expr>[] = [
        fc.constant({ k: "ref.null", type }),
        record([pick], ([pick]) => ({ k: "local", type, pick })),
        record([pick], ([pick]) => ({ k: "global", type, pick })),
      ];
      if (type === "funcref") leaves.push(record([fc.nat()], ([pick]) => ({ k: "ref.func", type, pick })));
      return fc.oneof(
        { depthIdentifier, maxDepth, depthSize: "small", withCrossShrink: true },
        { weight: 3, arbitrary: fc.oneof(...leaves) },
        {
          weight: 2,
          arbitrary: record([pick, entries], ([pick, index]) => ({ k: "table.get", type, pick, index })),
        },
        ...common(type),
      );
    };

    /** Bulk memory and table operations, as one choice among the statements. */
    const bulk: fc.Arbitrary<Stmt> = fc.oneof(
      record(
        [
          position,
          fc.oneof(
            {
              weight: 3,
              arbitrary: record([fc.integer({ min: -12, max: 12 })], ([by]) => ({ k: "shift", by })),
            },
            { weight: 1, arbitrary: position },
          ),
          bytes,
        ],
        ([from, to, length]) => ({ k: "memory.copy", from, to, length }),
      ),
      record([position, i32, bytes], ([to, value, length]) => ({ k: "memory.fill", to, value, length })),
      record([pick, position, entries, entries], ([pick, to, from, length]) => ({
        k: "memory.init",
        pick,
        to,
        from,
        length,
      })),
      record([pick], ([pick]) => ({ k: "data.drop", pick })),
      record([pick, entries, reference], ([pick, index, value]) => ({ k: "table.set", pick, index, value })),
      record([pick, entries, reference, entries], ([pick, index, value, length]) => ({
        k: "table.fill",
        pick,
        index,
        value,
        length,
      })),
      record([pick, pick, entries, entries, entries], ([pick, source, to, from, length]) => ({
        k: "table.copy",
        pick,
        source,
        to,
        from,
        length,
      })),
      record([pick, pick, entries, entries, entries], ([pick, segment, to, from, length]) => ({
        k: "table.init",
        pick,
        segment,
        to,
        from,
        length,
      })),
      record([pick], ([pick]) => ({ k: "elem.drop", pick })),
    );

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
      {
        weight: 1,
        arbitrary: record([rarely, some(3)], ([cond, values]) => ({ k: "return", cond, values })),
      },
      { weight: 1, arbitrary: record([rarely], ([cond]) => ({ k: "trap", cond })) },
      { weight: 2, arbitrary: bulk },
    );

    return {
      i32: numeric("i32"),
      i64: numeric("i64"),
      f32: numeric("f32"),
      f64: numeric("f64"),
      funcref: ref("funcref"),
      externref: ref("externref"),
      any: fc.oneof(
        { weight: 6, arbitrary: i32 },
        { weight: 2, arbitrary: expr("i64") },
        { weight: 2, arbitrary: expr("f32") },
        { weight: 2, arbitrary: expr("f64") },
        { weight: 1, arbitrary: expr("funcref") },
        { weight: 1, arbitrary: expr("externref") },
      ),
      stmt: statement,
    };
  });
  return {
    any: nodes.any as fc.Arbitrary<Expr>,
    stmts: fc.array(nodes.stmt as fc.Arbitrary<Stmt>, { maxLength: 6, size: "medium" }),
  };
}

/**
 * Parameter lists: few, or up to 10 (around the thresholds), or up to 24; every list can shrink
 * to empty (no minimum length), so shrunk counterexamples keep only the parameters they need.
 */
function paramsOf<T>(type: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return fc.oneof(
    { withCrossShrink: true },
    fc.array(type, { maxLength: 3 }),
    { weight: 2, arbitrary: fc.array(type, { maxLength: 10, size: "max" }) },
    fc.array(type, { maxLength: 24, size: "max" }),
  );
}
const locals = fc.oneof(
  { withCrossShrink: true },
  { weight: 3, arbitrary: fc.array(valType, { maxLength: 4 }) },
  fc.array(valType, { maxLength: 48, size: "max" }),
);

function functionOf({ any, stmts }: Trees): fc.Arbitrary<FunctionDesc> {
  return record(
    [paramsOf(valType), results, locals, stmts, fc.array(any, { maxLength: 2 })],
    ([params, results, locals, body, values]) => ({ params, results, locals, body, values }),
  );
}

/**
 * Host import signatures: references rarely (a quarter of the imports have one), as V8 makes each
 * new signature with references cost a compiled wrapper, which would cost P1's fuzzing throughput.
 */
const hostValType: fc.Arbitrary<ValType> = fc.oneof(
  { weight: 24, arbitrary: numType },
  { weight: 1, arbitrary: refType },
);
const hostImport: fc.Arbitrary<ImportDesc> = record(
  [paramsOf(hostValType), results],
  ([params, results]) => ({ params, results }),
);

const global: fc.Arbitrary<GlobalDesc> = fc.oneof(
  {
    weight: 4,
    arbitrary: byNumType((type) =>
      record([fc.boolean(), bitsOf(type)], ([mutable, bits]) => ({ type, mutable, bits })),
    ),
  },
  {
    weight: 1,
    arbitrary: record([refType, fc.boolean(), fc.option(fc.nat(), { freq: 2 })], ([type, mutable, func]) => ({
      type,
      mutable,
      func: type === "funcref" ? func : null,
    })),
  },
);

/** Tables of 2 to 8 entries, sometimes empty, that may grow by up to 8. */
const table: fc.Arbitrary<TableDesc> = record(
  [
    fc.oneof({ weight: 2, arbitrary: fc.constant<RefType>("funcref") }, fc.constant<RefType>("externref")),
    fc.oneof(fc.constant(0), { weight: 4, arbitrary: fc.integer({ min: 2, max: 8 }) }),
    fc.nat(8),
  ],
  ([elemType, min, extra]) => ({ elemType, min, max: min + extra }),
);

/**
 * Tables besides table 0 in a quarter of the programs: a module's tables are mapped per instance,
 * and a change in their number from one case to the next costs the emulators a remapping.
 */
const tables: fc.Arbitrary<TableDesc[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<TableDesc[]>([]) },
  fc.array(table, { minLength: 1, maxLength: 3 }),
);

const elem: fc.Arbitrary<ElemDesc> = record(
  [
    fc.oneof(
      { weight: 2, arbitrary: fc.constant<ElemDesc["mode"]>("active") },
      fc.constantFrom<ElemDesc["mode"]>("passive", "declarative"),
    ),
    fc.oneof({ weight: 3, arbitrary: fc.constant<RefType>("funcref") }, fc.constant<RefType>("externref")),
    fc.nat(3),
    fc.nat(8),
    fc.array(fc.option(fc.nat(), { freq: 5 }), { maxLength: 6 }),
  ],
  ([mode, type, table, offset, funcs]) => ({ mode, type, table, offset, funcs }),
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
      tables,
      fc.array(elem, { maxLength: 4 }),
      fc.uint8Array({ maxLength: 16 }),
      fc.oneof(fc.nat(64), fc.constant(0xfff8)),
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 16 }), { maxLength: 3, size: "max" }),
      fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.nat()),
      fc.array(bitsOf("i64"), { maxLength: 24 }),
      fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true)),
    ],
    ([
      imports,
      recursive,
      plain,
      globals,
      tables,
      elems,
      data,
      dataOffset,
      passive,
      entry,
      args,
      nanBitsVisible,
    ]) => ({
      imports,
      recursive,
      plain,
      globals,
      tables,
      elems,
      data,
      dataOffset,
      passive,
      entry,
      args,
      nanBitsVisible,
    }),
  );
}
