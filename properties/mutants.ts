// Mutated spec-suite modules and the verdicts of three WebAssembly 2.0 front ends on them: samestack,
// V8 (WebAssembly.validate) and wabt (readWasm + validate with the 2.0 features and nothing else).
// Shared by the front-end oracle property and the front-end bench.
import fc from "fast-check";
import { decodeModule } from "../src/wasm/decoder.js";
import {
  FeatureOutsideProfile,
  type FrontEndError,
  ImplementationLimit,
  InvalidModule,
  MalformedModule,
} from "../src/wasm/errors.js";
import { WASM_2_0, type WabtFeatureFlags, wabtFeatures } from "../src/wasm/features.js";
import type { ConstExpr, Instr, Module } from "../src/wasm/ir.js";
import { LATER_PROPOSAL_BY_CODE } from "../src/wasm/opcodes.js";
import type { loadWabt } from "../src/wasm/text.js";
import { validateModule } from "../src/wasm/validator.js";

export type Mutation =
  | { readonly kind: "flip"; readonly at: number; readonly bit: number }
  | { readonly kind: "set"; readonly at: number; readonly value: number }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "truncate"; readonly at: number }
  /** Re-encodes the LEB128 starting at `at` with `extra` more bytes (overlong, or too long past 5). */
  | { readonly kind: "widen"; readonly at: number; readonly extra: number }
  /** Widens the size field of the `section`-th section, keeping its content (a valid overlong LEB128). */
  | { readonly kind: "widen-section"; readonly section: number; readonly extra: number }
  /** Sets a byte of the code section (where most validation rules apply) to `value`. */
  | { readonly kind: "code"; readonly at: number; readonly value: number }
  /** Puts LEB128 edge bytes at `at`: a run of 0x80 continuation bytes, or a 5-byte maximum. */
  | { readonly kind: "leb-edge"; readonly at: number; readonly bytes: Uint8Array; readonly replace: boolean };

const LEB_EDGES: readonly (readonly number[])[] = [
  [0x80, 0x00],
  [0x80, 0x80, 0x00],
  [0x80, 0x80, 0x80, 0x80, 0x00],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0x07],
  [0xff, 0xff, 0xff, 0xff, 0x7f],
  [0x80, 0x80, 0x80, 0x80, 0x78],
  [0xff, 0xff, 0xff, 0xff, 0x1f],
  [0x80, 0x80, 0x80, 0x80, 0x10],
];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.nat(255) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("delete" as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 8 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("code" as const), at: fc.nat(), value: fc.nat(255) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("widen" as const),
      at: fc.nat(),
      extra: fc.integer({ min: 1, max: 5 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("widen-section" as const),
      section: fc.nat(12),
      extra: fc.integer({ min: 1, max: 5 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("leb-edge" as const),
      at: fc.nat(),
      bytes: fc.constantFrom(...LEB_EDGES).map((edge) => new Uint8Array(edge)),
      replace: fc.boolean(),
    }),
  },
);

function splice(bytes: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** The unsigned LEB128 at `at` (at most 5 bytes) as [value, length], or null. */
function readLeb(bytes: Uint8Array, at: number): [number, number] | null {
  let value = 0;
  for (let i = 0; i < 5 && at + i < bytes.length; i++) {
    const b = bytes[at + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return [value, i + 1];
  }
  return null;
}

/** `value` as an unsigned LEB128 of exactly `width` bytes (more than it needs: overlong). */
function lebOfWidth(value: number, width: number): number[] {
  const out: number[] = [];
  let v = value;
  for (let i = 0; i < width; i++) {
    const low = v % 128;
    v = Math.floor(v / 128);
    out.push(i === width - 1 ? low : low | 0x80);
  }
  return out;
}

/** Each section's id, where its size field starts (one past the id) and its content's range. */
function sections(bytes: Uint8Array): { id: number; sizeAt: number; start: number; end: number }[] {
  const found: { id: number; sizeAt: number; start: number; end: number }[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const size = readLeb(bytes, pos + 1);
    if (size === null) break;
    const start = pos + 1 + size[1];
    found.push({ id: bytes[pos]!, sizeAt: pos + 1, start, end: Math.min(start + size[0], bytes.length) });
    pos = start + size[0];
  }
  return found;
}

function widen(bytes: Uint8Array, at: number, extra: number): Uint8Array {
  const leb = readLeb(bytes, at);
  if (leb === null) return bytes;
  const [value, length] = leb;
  return splice(bytes, at, length, lebOfWidth(value, length + extra));
}

export function mutate(original: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = original;
  for (const m of mutations) {
    const at = "at" in m ? m.at % (bytes.length + 1) : 0;
    switch (m.kind) {
      case "flip":
      case "set":
        if (at < bytes.length) {
          bytes = bytes.slice();
          bytes[at] = m.kind === "flip" ? bytes[at]! ^ (1 << m.bit) : m.value;
        }
        break;
      case "insert":
        bytes = splice(bytes, at, 0, m.bytes);
        break;
      case "delete":
        bytes = splice(bytes, at, Math.min(m.length, bytes.length - at), []);
        break;
      case "truncate":
        bytes = bytes.slice(0, at);
        break;
      case "widen":
        bytes = widen(bytes, at, m.extra);
        break;
      case "widen-section": {
        const found = sections(bytes);
        if (found.length > 0) bytes = widen(bytes, found[m.section % found.length]!.sizeAt, m.extra);
        break;
      }
      case "code": {
        const code = sections(bytes).find((section) => section.id === 10);
        if (code !== undefined && code.end > code.start) {
          bytes = bytes.slice();
          bytes[code.start + (m.at % (code.end - code.start))] = m.value;
        }
        break;
      }
      case "leb-edge":
        bytes = splice(bytes, at, m.replace ? Math.min(m.bytes.length, bytes.length - at) : 0, m.bytes);
        break;
    }
  }
  return bytes;
}

export type Verdict = "valid" | "invalid" | "malformed";

/** samestack's verdict under the 2.0 profile ("simd" for a module that needs SIMD, outside every profile), with its error. */
export function samestackVerdict(bytes: Uint8Array): { verdict: Verdict | "simd"; error?: FrontEndError } {
  try {
    validateModule(decodeModule(bytes));
    return { verdict: "valid" };
  } catch (error) {
    if (error instanceof MalformedModule) return { verdict: "malformed", error };
    if (error instanceof InvalidModule) return { verdict: "invalid", error };
    // extended-const is not part of 2.0: what needs it is invalid there
    if (error instanceof FeatureOutsideProfile && error.feature === "extended-const")
      return { verdict: "invalid", error };
    if (error instanceof FeatureOutsideProfile && error.feature === "simd") return { verdict: "simd", error };
    // an operator of a proposal past 2.0: an illegal opcode in 2.0
    if (error instanceof FeatureOutsideProfile && LATER_PROPOSALS.has(error.feature))
      return { verdict: "malformed", error };
    // valid by the spec: samestack refuses it only as beyond an engine limit (see overLocalLimit)
    if (error instanceof ImplementationLimit) return { verdict: "valid", error };
    throw error;
  }
}

type Wabt = Awaited<ReturnType<typeof loadWabt>>;

/**
 * The wabt flags of WebAssembly 2.0 without SIMD, and of the proposals beyond it that V8 accepts
 * without a flag: Node 20's V8 (11) has SIMD, exception handling, threads and tail calls; later
 * ones also multiple memories, 64-bit memories, extended constants, typed function references and
 * GC. A module V8 accepts is set aside only when wabt with one of them accepts it too.
 */
const WABT_2_0 = wabtFeatures(WASM_2_0);
const BEYOND_2_0 = [
  "simd",
  "exceptions",
  "threads",
  "tail_call",
  "multi_memory",
  "memory64",
  "extended_const",
  "function_references",
  "gc",
] as const;

/**
 * wabt's verdict: its reader's errors are malformed, its validator's invalid. A length that asks
 * wabt.js for more memory than it has makes it print "Aborted()" and throw: its reader refused the
 * bytes, as the spec does (the length runs past the end).
 */
export function wabtVerdict(wabt: Wabt, bytes: Uint8Array, flags: WabtFeatureFlags = WABT_2_0): Verdict {
  let module: ReturnType<Wabt["readWasm"]>;
  try {
    module = wabt.readWasm(bytes, flags as Parameters<Wabt["readWasm"]>[1]);
  } catch {
    return "malformed";
  }
  try {
    (module.validate as (features: WabtFeatureFlags) => void)(flags);
    return "valid";
  } catch {
    return "invalid";
  } finally {
    module.destroy();
  }
}

/** How one mutant came out: the verdicts agree, differ, or the mutant is set aside (and why). */
export type Judgement =
  | { readonly kind: "agree"; readonly verdict: Verdict }
  | { readonly kind: "set-aside"; readonly reason: string }
  | { readonly kind: "disagree"; readonly verdicts: string };

/**
 * Where wabt departs from the spec on a module that samestack and V8 judge alike, the reason to set
 * the mutant aside; each rule names the construct and checks it is there.
 */
function wabtDeparture(
  bytes: Uint8Array,
  ours: Verdict,
  theirs: Verdict,
  error?: FrontEndError,
): string | null {
  const reason = error?.reason;
  // an alignment exponent of 32 or more is larger than natural for every operator: invalid
  if (ours === "invalid" && theirs === "malformed") {
    const code = instructions(decodeModule(bytes));
    if (code.some((instr) => "align" in instr && instr.align >= 32))
      return "wabt's reader refuses alignment exponents of 32 or more (spec: invalid, larger than natural)";
    // such an index names no type: there are fewer than 2^31 in any module that decodes
    const hugeIndex = (instr: (typeof code)[number]) =>
      "blockType" in instr &&
      typeof instr.blockType === "object" &&
      instr.blockType !== null &&
      instr.blockType.typeIndex >= 2 ** 31;
    if (code.some(hugeIndex))
      return "wabt reads block type indices as 32-bit signed (spec: 33-bit, so indices of 2^31 or more are invalid, not malformed)";
  }
  const typeReasons = ["malformed value type", "malformed block type"];
  if (
    ours === "malformed" &&
    typeReasons.includes(reason!) &&
    theirs !== "malformed" &&
    bytes[error!.offset]! >= 0x80
  )
    return "wabt reads value and block types as signed LEB128, so an overlong type code parses (spec: malformed)";
  if (ours === "invalid" && reason === "invalid result arity in select" && theirs === "valid") {
    const selects = decodeModule(bytes).bodies.flatMap((body) =>
      body.code.filter((i) => i.op === "select_t"),
    );
    if (selects.some((select) => "types" in select && select.types.length === 0))
      return "wabt reads select with an empty type vector as the untyped select (spec: invalid arity)";
  }
  if (ours === "malformed" && reason === "malformed reference type" && theirs !== "malformed")
    return `wabt reads reference type byte 0x${bytes[error!.offset]!.toString(16)} of a later proposal (spec: malformed)`;
  if (ours === "malformed" && reason === "malformed data segment kind" && theirs !== "malformed")
    return "wabt reads data segment flags above 2 (spec: malformed)";
  if (ours === "malformed" && theirs === "invalid" && reason === "malformed block type")
    return "wabt reads a negative s33 block type that is no value type as invalid (spec: malformed)";
  return null;
}

/** Every instruction of a module: of its function bodies and its constant expressions. */
function instructions(module: Module): Instr[] {
  return [
    ...module.bodies.flatMap((body) => body.code),
    ...constantExpressions(module).flatMap((expr) => (expr.op === "sequence" ? expr.code : [])),
  ];
}

function constantExpressions(module: Module): ConstExpr[] {
  return [
    ...module.globals.map((global) => global.init),
    ...module.elems.flatMap((elem) => [
      ...(elem.mode === "active" ? [elem.offset] : []),
      ...(elem.exprs ?? []),
    ]),
    ...module.datas.flatMap((data) => (data.mode === "active" ? [data.offset] : [])),
  ];
}

/** GC's type codes: ref, ref null, and the abstract heap types beyond func and extern. */
const GC_TYPE_CODES = new Set([0x63, 0x64, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x71, 0x72, 0x73, 0x74]);
const TYPE_ERRORS = ["malformed value type", "malformed reference type", "malformed block type"];
/** The proposals past 2.0 whose operators the decoder refuses by name. */
const LATER_PROPOSALS = new Set([...LATER_PROPOSAL_BY_CODE.values()].map((proposal) => proposal.name));
const REF_NULL = 0xd0;

/**
 * The construct of WebAssembly 3.0 that makes a module samestack (2.0) and wabt.js reject valid for
 * V8 12+, whose 3.0 proposals ship without flags, or null: a GC type code, a typed `ref.null`, an
 * opcode of typed function references or GC, a 64-bit limits flag, or a constant expression that
 * reads a global the module defines (2.0 allows imported ones only).
 */
function webAssembly3Construct(bytes: Uint8Array, ours: Verdict, error?: FrontEndError): string | null {
  const at = error === undefined ? undefined : bytes[error.offset];
  if (ours === "malformed" && at !== undefined) {
    if (TYPE_ERRORS.includes(error!.reason) && GC_TYPE_CODES.has(at))
      return `GC type code 0x${at.toString(16)}`;
    // a heap type that is a type index: one LEB byte below 0x40 (a non-negative s33)
    if (error!.reason === "malformed reference type" && bytes[error!.offset - 1] === REF_NULL && at < 0x40)
      return `ref.null of type index ${at} (typed function references)`;
    if (
      error instanceof FeatureOutsideProfile &&
      (error.feature === "function-references" || error.feature === "gc")
    )
      return `opcode 0x${at.toString(16)} of typed function references or GC`;
    if (error!.reason === "malformed limits flags" && at >= 4 && at <= 7)
      return `64-bit limits flag 0x${at.toString(16)}`;
  }
  if (ours === "invalid" && constantReadsOwnGlobal(bytes))
    return "a constant expression reads a global the module defines";
  return null;
}

/** Whether a constant expression of the module reads a global it defines (not one it imports). */
function constantReadsOwnGlobal(bytes: Uint8Array): boolean {
  try {
    const module = decodeModule(bytes);
    const imported = module.imports.filter((i) => i.desc.kind === "global").length;
    return constantExpressions(module).some((expr) =>
      (expr.op === "sequence" ? expr.code : [expr]).some(
        (i) => i.op === "global.get" && i.global >= imported,
      ),
    );
  } catch {
    return false;
  }
}

/** A module with more locals than engines allow (samestack refuses it as a limit; the spec allows 2^32-1). */
function overLocalLimit(bytes: Uint8Array): boolean {
  try {
    return decodeModule(bytes).bodies.some((body) => body.localRuns !== undefined);
  } catch {
    return false;
  }
}

export function judge(wabt: Wabt, bytes: Uint8Array): Judgement {
  const { verdict: ours, error } = samestackVerdict(bytes);
  const theirs = wabtVerdict(wabt, bytes);
  const v8Valid = WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>);
  if (ours === "simd") {
    return theirs === "valid"
      ? { kind: "disagree", verdicts: `samestack: needs SIMD, wabt: valid, V8: ${v8Valid}` }
      : { kind: "set-aside", reason: "needs SIMD (samestack: UnsupportedFeature, wabt 2.0 rejects it)" };
  }
  if (ours === theirs && (ours === "valid") === v8Valid) return { kind: "agree", verdict: ours };
  if ((ours === "valid") === v8Valid && ours !== theirs) {
    const departure = wabtDeparture(bytes, ours, theirs, error);
    if (departure !== null) return { kind: "set-aside", reason: departure };
  }
  if (ours !== "malformed" && !v8Valid && theirs === "malformed" && overLocalLimit(bytes))
    return {
      kind: "set-aside",
      reason: "more than 50,000 locals: V8's limit, and wabt's reader caps local counts (spec: up to 2^32-1)",
    };
  if (v8Valid && ours !== "valid" && theirs !== "valid") {
    const construct = webAssembly3Construct(bytes, ours, error);
    if (construct !== null)
      return { kind: "set-aside", reason: `WebAssembly 3.0, which V8 12+ has: ${construct}` };
    const beyond = BEYOND_2_0.find((f) => wabtVerdict(wabt, bytes, { ...WABT_2_0, [f]: true }) === "valid");
    if (beyond !== undefined)
      return { kind: "set-aside", reason: `beyond 2.0: V8 and wabt with ${beyond} accept it` };
  }
  return {
    kind: "disagree",
    verdicts: `samestack: ${ours}, wabt: ${theirs}, V8: ${v8Valid ? "valid" : "rejected"}`,
  };
}
