// The two kinds of failure stay apart: bad input (exit 2) is never a bug (exit 3), and the reverse.
import { describe, expect, it } from "vitest";
import { MappingError } from "../../emulators/errors.js";
import { SidecarError } from "../../src/check/inputs.js";
import { TraceError } from "../../src/verify/trace.js";
import { guarded, InputError, InternalError, InvalidModule, MalformedModule } from "../../src/wasm/errors.js";

describe("error kinds", () => {
  it("types every front-end, sidecar and usage problem as input, and no internal failure", () => {
    for (const error of [new MalformedModule("bad", 3), new SidecarError("bad"), new InputError("bad")]) {
      expect(error).toBeInstanceOf(InputError);
      expect(error).not.toBeInstanceOf(InternalError);
    }
    for (const error of [new InternalError("bug", 7), new TraceError("bug"), new MappingError("bug")]) {
      expect(error).toBeInstanceOf(InternalError);
      expect(error).not.toBeInstanceOf(InputError);
    }
  });

  it("names each error after its class and places front-end errors in the module", () => {
    const error = new InvalidModule("type mismatch", 79, 2);
    expect([error.name, error.message]).toEqual([
      "InvalidModule",
      "type mismatch in function 2 at offset 79 (0x4f)",
    ]);
    expect(new TraceError("x").name).toBe("TraceError");
  });

  it("lets internal errors through the front end's guard unwrapped, and wraps anything else as one", () => {
    const bug = new InternalError("invariant");
    expect(() =>
      guarded(() => {
        throw bug;
      }),
    ).toThrow(bug);
    expect(() =>
      guarded(() => {
        throw new TypeError("x");
      }),
    ).toThrow(InternalError);
  });
});
