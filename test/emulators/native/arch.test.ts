// The native helper's architecture table: a row per target, found by the target's name.
import { describe, expect, it } from "vitest";
import { NativeLibraryError } from "../../../emulators/errors.js";
import { helperArch } from "../../../emulators/native/arch.js";
import { TARGETS, type Target } from "../../../src/compiler/target.js";

describe("the helper's architecture rows", () => {
  it("hold one row per target", () => {
    const rows = TARGETS.map(helperArch);
    expect(new Set(rows).size).toBe(TARGETS.length);
    for (const row of rows) expect(row).toBeGreaterThanOrEqual(0);
  });

  it("refuse a target the helper has no row for", () => {
    expect(() => helperArch("riscv64" as Target)).toThrow(NativeLibraryError);
  });
});
