// Every module of the WebAssembly spec test suite (2.0 without SIMD) that a `module` command loads,
// instrumented with and without the opt-in fixes: the output validates under samestack's front end
// and V8 — or the reference itself would refuse the module.
import { describe, expect, it } from "vitest";
import { instrument, type LimiterOptions, LimiterRejects } from "../../src/instrument/index.js";
import { decodeModule } from "../../src/wasm/decoder.js";
import { encodeModule } from "../../src/wasm/encoder.js";
import { validateModule } from "../../src/wasm/validator.js";
import { readSpecFile, SPEC_FOLDERS, specFiles } from "../wasm/spec-suite.js";

const OPTIONS: readonly LimiterOptions[] = [
  { limit: 1024 },
  { limit: 65_536, countParams: true, thunkZeroCost: true },
];

describe("the spec suite's modules, instrumented", () => {
  it("validate under samestack and V8, but for the one the reference rejects", () => {
    const rejected = new Set<string>();
    let instrumented = 0;
    for (const folder of SPEC_FOLDERS) {
      for (const file of specFiles(folder)) {
        for (const command of file.commands) {
          if (command.type !== "module" || command.module_type === "text" || !command.filename) continue;
          const validated = validateModule(decodeModule(readSpecFile(command.filename, folder)));
          for (const options of OPTIONS) {
            try {
              const bytes = encodeModule(instrument(validated, options).module);
              expect(() => validateModule(decodeModule(bytes)), command.filename).not.toThrow();
              expect(WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>), command.filename).toBe(true);
              instrumented++;
            } catch (error) {
              if (!(error instanceof LimiterRejects)) throw error;
              rejected.add(`${command.filename}: ${error.message}`);
            }
          }
        }
      }
    }
    expect(instrumented).toBeGreaterThan(2000);
    // select_unreached_result_1 is `unreachable select i32.add`: the count starts at 2, select pops
    // 2 (to 0), its condition stops at the function frame's start (0) and it pushes 1; i32.add then
    // pops 2 from 1, which the reference refuses ("stack underflow").
    expect([...rejected]).toEqual([
      "unreached-valid.0.wasm: the reference stack limiter rejects function 3 at instruction 2: its operand count drops below zero in unreachable code",
    ]);
  });
});
