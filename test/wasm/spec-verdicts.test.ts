// The front end's verdict on every binary module of both spec suite folders (the WebAssembly 2.0
// core suite without SIMD), under the default profile: `module`, assert_unlinkable and
// assert_uninstantiable modules are valid, assert_invalid modules invalid, binary assert_malformed
// modules malformed. Invalid includes a FeatureOutsideProfile for extended-const, which is not part
// of 2.0: its constructs are invalid there. One class of assert_invalid binaries is malformed
// instead: wast2json wrote no data count section for text modules without data segments, so their
// memory.init or data.drop makes the binary malformed ("data count section required", as wabt's
// reader says too). Text-format assert_malformed cases (.wat) are wabt's text parser's to refuse
// (the spec runner checks them: test/spec/suite.test.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import {
  FeatureOutsideProfile,
  FrontEndError,
  InvalidModule,
  MalformedModule,
} from "../../src/wasm/errors.js";
import { validateModule } from "../../src/wasm/validator.js";
import { readSpecFile, SPEC_FOLDERS, type SpecFolder, specFiles } from "./spec-suite.js";

type Verdict = "valid" | "invalid" | "malformed";

/** The front end's verdict, and whether it is malformed for want of a data count section. */
function verdictOf(bytes: Uint8Array): { verdict: Verdict | "other"; noDataCount: boolean; message: string } {
  try {
    validateModule(decodeModule(bytes));
    return { verdict: "valid", noDataCount: false, message: "accepted" };
  } catch (error) {
    if (!(error instanceof FrontEndError)) throw error;
    const invalid =
      error instanceof InvalidModule ||
      (error instanceof FeatureOutsideProfile && error.feature === "extended-const");
    const malformed = error instanceof MalformedModule;
    return {
      verdict: malformed ? "malformed" : invalid ? "invalid" : "other",
      noDataCount: malformed && error.reason === "data count section required",
      message: `${error.name}: ${error.message}`,
    };
  }
}

const EXPECTED: Readonly<Record<string, Verdict>> = {
  module: "valid",
  assert_unlinkable: "valid",
  assert_uninstantiable: "valid",
  assert_invalid: "invalid",
  assert_malformed: "malformed",
};

describe.each(SPEC_FOLDERS)("spec suite folder %s: front-end verdicts", (folder: SpecFolder) => {
  const counts = new Map<string, number>();
  const failures: string[] = [];
  let textCases = 0;

  beforeAll(() => {
    for (const file of specFiles(folder)) {
      for (const command of file.commands) {
        const expected = EXPECTED[command.type];
        if (expected === undefined || command.filename === undefined) continue;
        if (command.module_type === "text") {
          textCases++;
          continue;
        }
        const { verdict, noDataCount, message } = verdictOf(readSpecFile(command.filename, folder));
        const asConverted = noDataCount && expected === "invalid";
        if (verdict === expected || asConverted) {
          const as = asConverted ? `${command.type} (malformed: no data count section)` : command.type;
          counts.set(as, (counts.get(as) ?? 0) + 1);
        } else
          failures.push(
            `${command.filename} (${file.name}.wast:${command.line}): ${command.type}` +
              `${command.text ? ` "${command.text}"` : ""} but ${message}`,
          );
      }
    }
    const summary = [...counts].map(([type, n]) => `${type} ${n}`).join(", ");
    console.log(
      `${folder}: as expected: ${summary}; text-format assert_malformed (wabt's to parse): ${textCases}`,
    );
  });

  it("gives every binary module the spec's verdict", () => {
    expect(failures).toEqual([]);
    expect(counts.get("module")).toBeGreaterThan(150);
    expect(counts.get("assert_invalid")).toBeGreaterThan(250);
  });
});
