import { describe, expect, it } from "vitest";
import { decodeModule, MAX_LOCALS } from "../../src/wasm/decoder.js";
import { ImplementationLimit, InvalidModule, UnsupportedFeature } from "../../src/wasm/errors.js";
import { validateModule } from "../../src/wasm/validator.js";
import { body, funcType, I32, I64, leb, name, section, VOID, vec, wasm } from "./bytes.js";
import { unvalidatedBinary } from "./wat.js";

const EXTERNREF = 0x6f;

function invalid(bytes: Uint8Array): InvalidModule {
  try {
    validateModule(decodeModule(bytes));
  } catch (error) {
    if (error instanceof InvalidModule) return error;
    throw error;
  }
  throw new Error("validated without error");
}

describe("validateModule", () => {
  it("reports a type error with the function index (imports counted) and the instruction's offset", () => {
    const bytes = wasm(
      section(1, vec([VOID])),
      section(2, vec([[...name("env"), ...name("f"), 0x00, 0]])),
      section(3, vec([[0]])),
      section(10, vec([body([0x41, 0x00, 0x42, 0x00, 0x6a, 0x0b])])),
    );
    const error = invalid(bytes);
    expect(error).toMatchObject({ id: "invalid-module", funcIndex: 1, offset: bytes.indexOf(0x6a) });
    expect(error.message).toContain("type mismatch in function 1 at offset");
  });

  it("checks module-level rules", () => {
    expect(
      invalid(
        wasm(
          section(
            5,
            vec([
              [0, 0],
              [0, 0],
            ]),
          ),
        ),
      ).reason,
    ).toBe("multiple memories");
    expect(invalid(wasm(section(5, vec([[0, 0x81, 0x80, 0x04]])))).reason).toMatch(/at most 65536 pages/);
    expect(invalid(wasm(section(4, vec([[0x70, 1, 2, 1]])))).reason).toMatch(/minimum must not be greater/);
    const twoExports = section(
      7,
      vec([
        [...name("a"), 2, 0],
        [...name("a"), 2, 0],
      ]),
    );
    expect(invalid(wasm(section(5, vec([[0, 1]])), twoExports)).reason).toMatch(/duplicate export name/);
    // a global initialised from a global that is not imported
    const globals = section(
      6,
      vec([
        [I32, 0, 0x41, 0, 0x0b],
        [I32, 0, 0x23, 0, 0x0b],
      ]),
    );
    expect(invalid(wasm(globals)).reason).toBe("global 1: unknown global 0");
    const start = [section(1, vec([funcType([I32], [])])), section(3, vec([[0]])), section(8, [0])];
    expect(invalid(wasm(...start, section(10, vec([body([0x0b])])))).reason).toMatch(/start function/);
  });

  it("validates functions of a multi-value type, and calls of one", () => {
    const types = section(1, vec([VOID, funcType([], [I32, I64])]));
    const bodies = [
      body([0x41, 0x00, 0x42, 0x00, 0x0b]), // type 1
      body([0x01, 0x10, 0x00, 0x1a, 0x1a, 0x0b]), // nop, call 0
      body([0x41, 0x00, 0x11, 0x01, 0x00, 0x1a, 0x1a, 0x0b]), // call_indirect (type 1)
      body([0x0b]),
    ];
    const bytes = wasm(
      types,
      section(3, vec([[1], [0], [0], [0]])),
      section(4, vec([[0x70, 0, 1]])),
      section(10, vec(bodies)),
    );
    const module = decodeModule(bytes);
    const { functions } = validateModule(module);
    expect([...functions[0]!.heightAfter]).toEqual([1, 2, 2]);
    expect(functions[0]!.maxHeight).toBe(2);
    // the call leaves two values
    expect([...functions[1]!.heightAfter]).toEqual([0, 2, 1, 0, 0]);
    expect(functions[1]!.makesCalls).toBe(true);
  });

  it("validates reference-typed signatures, globals and the calls and reads of them", () => {
    const types = section(1, vec([VOID, funcType([EXTERNREF], [])]));
    const globals = section(6, vec([[EXTERNREF, 0, 0xd0, EXTERNREF, 0x0b]]));
    const bodies = [
      body([0x0b]),
      body([0xd0, EXTERNREF, 0x10, 0x00, 0x0b]), // ref.null extern, call 0
      body([0x23, 0x00, 0x1a, 0x0b]), // global.get 0, drop
    ];
    const bytes = wasm(types, section(3, vec([[1], [0], [0]])), globals, section(10, vec(bodies)));
    const validated = validateModule(decodeModule(bytes));
    expect(validated.features).toEqual([{ feature: "reference-types", offset: bytes.indexOf(EXTERNREF) }]);
    expect([...validated.functions[1]!.heightAfter]).toEqual([1, 0, 0]);
    expect([...validated.functions[2]!.heightAfter]).toEqual([1, 0, 0]);
  });

  describe("more locals than MAX_LOCALS in a function", () => {
    const many = [
      [...leb(MAX_LOCALS), I32],
      [1, I64],
    ];
    const module = (...bodies: number[][]) =>
      wasm(section(1, vec([VOID])), section(3, vec(bodies.map(() => [0]))), section(10, vec(bodies)));

    it("is valid WebAssembly that samestack refuses as an implementation limit, naming function and offset", () => {
      // the second function's last local is read: validation looks it up among the runs
      const bytes = module(body([0x0b]), body([0x20, ...leb(MAX_LOCALS), 0x1a, 0x0b], many));
      let error: unknown;
      try {
        validateModule(decodeModule(bytes));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ImplementationLimit);
      expect(error).toBeInstanceOf(UnsupportedFeature);
      const at = bytes.length - body([0x20, ...leb(MAX_LOCALS), 0x1a, 0x0b], many).length;
      expect(error).toMatchObject({ feature: "implementation-limit", funcIndex: 1, offset: at });
      expect((error as Error).message).toBe(
        `${MAX_LOCALS + 1} locals, more than the ${MAX_LOCALS} engines accept (V8 among them) in function 1 ` +
          `at offset ${at} (0x${at.toString(16)}); declare fewer locals in that function (split it, or build ` +
          "with optimisation so locals are reused)",
      );
    });

    it("is reported as invalid when the module is invalid too, wherever the error is", () => {
      // i64 local MAX_LOCALS read as the i32 that i32.eqz takes
      const wrongType = body([0x20, ...leb(MAX_LOCALS), 0x45, 0x1a, 0x0b], many);
      expect(invalid(module(wrongType)).reason).toBe("type mismatch");
      expect(invalid(module(body([0x0b], many), body([0x6a, 0x0b]))).funcIndex).toBe(1);
      expect(invalid(module(body([0x20, ...leb(MAX_LOCALS + 1), 0x1a, 0x0b], many))).reason).toMatch(
        /unknown local/,
      );
    });
  });
});

/** [rule, module text (wabt writes it unvalidated), null when valid or the InvalidModule reason] */
const RULES_2_0: readonly [string, string, RegExp | null][] = [
  ["untyped select of numbers", "(func (drop (select (i64.const 1) (i64.const 2) (i32.const 1))))", null],
  [
    "untyped select of references",
    "(func (drop (select (ref.null func) (ref.null func) (i32.const 1))))",
    /select: not a number/,
  ],
  [
    "typed select of references",
    "(func (drop (select (result funcref) (ref.null func) (ref.null func) (i32.const 1))))",
    null,
  ],
  [
    "typed select whose operands differ from its type",
    "(func (drop (select (result funcref) (ref.null extern) (ref.null func) (i32.const 1))))",
    /type mismatch/,
  ],
  ["untyped select after unreachable", "(func (result i32) unreachable select)", null],
  [
    "ref.func of a function declared in an element segment",
    "(elem declare func 0) (func (drop (ref.func 0)))",
    null,
  ],
  ["ref.func of an exported function", '(func (export "f") (drop (ref.func 0)))', null],
  [
    "ref.func of a function named in a global's initialiser",
    "(global funcref (ref.func 0)) (func (drop (ref.func 0)))",
    null,
  ],
  ["ref.func of an undeclared function", "(func (drop (ref.func 0)))", /undeclared function reference 0/],
  ["ref.is_null of a number", "(func (drop (ref.is_null (i32.const 0))))", /type mismatch/],
  ["data.drop of a data segment", '(memory 1) (data "x") (func (data.drop 0))', null],
  [
    "data.drop of a data segment that does not exist",
    '(memory 1) (data "x") (func (data.drop 1))',
    /unknown data segment 1/,
  ],
  [
    "memory.init without a memory",
    '(data "x") (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 0)))',
    /unknown memory 0/,
  ],
  [
    "table.init of a funcref segment into an externref table",
    "(table 1 externref) (elem funcref) (func (table.init 0 0 (i32.const 0) (i32.const 0) (i32.const 0)))",
    /type mismatch/,
  ],
  [
    "table.copy between tables of different types",
    "(table 1 externref) (table 1 funcref) (func (table.copy 0 1 (i32.const 0) (i32.const 0) (i32.const 0)))",
    /type mismatch/,
  ],
  [
    "table.set of the table's element type",
    "(table 1 externref) (func (param externref) (table.set 0 (i32.const 0) (local.get 0)))",
    null,
  ],
  [
    "table.set of another reference type",
    "(table 1 externref) (func (table.set 0 (i32.const 0) (ref.null func)))",
    /type mismatch/,
  ],
  [
    "call_indirect on an externref table",
    "(table 1 externref) (func (call_indirect 0 (i32.const 0)))",
    /not funcref/,
  ],
  [
    "call_indirect on table 1",
    "(table 1 externref) (table 1 funcref) (func (call_indirect 1 (i32.const 0)))",
    null,
  ],
  [
    "an active segment of another type than its table",
    "(table 1 funcref) (elem (table 0) (i32.const 0) externref (ref.null extern))",
    /type mismatch with table 0/,
  ],
  ["if (param i32) with too few operands", "(func i32.const 1 if (param i32) drop end)", /type mismatch/],
  [
    "if (param i32) with its operand",
    "(func i32.const 7 i32.const 1 if (param i32) drop else drop end)",
    null,
  ],
  [
    "if without else whose params differ from its results",
    "(func (result i64) i32.const 7 i32.const 1 if (param i32) (result i64) drop i64.const 1 end)",
    /if without else/,
  ],
  [
    "if without else of equal params and results",
    "(func (result i32) i32.const 7 i32.const 1 if (param i32) (result i32) end)",
    null,
  ],
  [
    "a block whose results do not match",
    "(func (result i32 i32) block (result i32 i32) i32.const 1 end)",
    /type mismatch/,
  ],
  [
    "a block with params after unreachable (the stack is polymorphic)",
    "(func (result i32 i64) unreachable block (param i32 f32) (result i32 i64) drop i64.const 1 end)",
    null,
  ],
  ["a branch to a loop carries the loop's params", "(func i32.const 1 loop (param i32) br 0 end)", null],
  [
    "a branch to a loop with a value of another type",
    "(func i32.const 1 loop (param i32) drop i64.const 1 br 0 end)",
    /type mismatch/,
  ],
  ["a function of two results", "(func (result i32 i64) i32.const 1 i64.const 2)", null],
  [
    "a global of an imported immutable global",
    '(import "m" "g" (global i32)) (global i32 (global.get 0))',
    null,
  ],
  [
    "a global of an imported mutable global",
    '(import "m" "g" (global (mut i32))) (global i32 (global.get 0))',
    /constant expression required/,
  ],
  [
    "a global of a defined global",
    "(global i32 (i32.const 1)) (global i32 (global.get 0))",
    /unknown global 0/,
  ],
  ["a funcref global of ref.null extern", "(global funcref (ref.null extern))", /type mismatch/],
  ["two tables", "(table 1 funcref) (table 1 externref)", null],
  ["two memories", "(memory 1) (memory 1)", /multiple memories/],
];

describe("validateModule: WebAssembly 2.0 rules", () => {
  for (const [rule, text, reason] of RULES_2_0) {
    it(`${rule}: ${reason === null ? "valid" : `invalid (${reason.source})`}`, async () => {
      const module = decodeModule(await unvalidatedBinary(`(module ${text})`));
      if (reason === null) expect(() => validateModule(module)).not.toThrow();
      else expect(() => validateModule(module)).toThrow(reason);
      if (reason !== null) expect(() => validateModule(module)).toThrow(InvalidModule);
    });
  }

  it("rejects a typed select of other than one type", () => {
    for (const types of [[], [I32, I32]]) {
      const code = [0x41, 0, 0x41, 0, 0x41, 0, 0x1c, ...vec(types.map((t) => [t])), 0x1a, 0x0b];
      const bytes = wasm(section(1, vec([VOID])), section(3, vec([[0]])), section(10, vec([body(code)])));
      expect(invalid(bytes).reason).toBe("invalid result arity in select");
    }
  });
});
