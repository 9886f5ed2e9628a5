// What programs wrote, as outcomes carry it: lossless for any bytes, readable for UTF-8.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyParameters } from "../../src/fuzz/seed.js";
import { outputBytes, outputText, withExecuted, withOutput } from "../../src/wasm/outcome.js";

const bytes = (...values: number[]) => Uint8Array.from(values);
const utf8 = new TextEncoder();

describe("program output as text", () => {
  it("gives any bytes back exactly (fixed seed; FC_SEED=… replays)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (written) => {
        expect(outputBytes(outputText(written))).toEqual(written);
      }),
      propertyParameters("test/wasm/outcome.test.ts", 2000),
    );
  });

  it("writes well-formed UTF-8 as the text it encodes, whatever the script", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 32 }), (text) => {
        expect(outputText(utf8.encode(text))).toBe(text);
      }),
      propertyParameters("test/wasm/outcome.test.ts", 1000),
    );
  });

  it("writes each byte outside a well-formed sequence as U+DC00 + byte, and only that byte", () => {
    expect(outputText(bytes(0x61, 0xff, 0x62))).toBe("a\udcffb");
    // A lead byte without its continuation; an overlong encoding of "/"; an encoded surrogate.
    expect(outputText(bytes(0xc3, 0x41))).toBe("\udcc3A");
    expect(outputText(bytes(0xc0, 0xaf))).toBe("\udcc0\udcaf");
    expect(outputText(bytes(0xed, 0xa0, 0x80))).toBe("\udced\udca0\udc80");
    expect(outputText(bytes(0xf4, 0x90, 0x80, 0x80))).toBe("\udcf4\udc90\udc80\udc80");
    expect(outputText(bytes(0xe2, 0x82, 0xac, 0x80))).toBe("€\udc80");
    expect(JSON.stringify(outputText(bytes(0x80)))).toBe('"\\udc80"');
  });

  it("adds only streams that were written, to finished outcomes only", () => {
    const returned = { outcome: "return", values: [] } as const;
    expect(withOutput(returned, bytes(), bytes())).toEqual(returned);
    expect(withOutput(returned, bytes(0x68, 0x69), bytes())).toEqual({ ...returned, stdout: "hi" });
    expect(withOutput({ outcome: "exit", code: 1 }, bytes(), bytes(0x21))).toEqual({
      outcome: "exit",
      code: 1,
      stderr: "!",
    });
    const failed = { outcome: "error", message: "boom" } as const;
    expect(withOutput(failed, bytes(0x68), bytes())).toEqual(failed);
    expect(withExecuted(failed, 5)).toEqual(failed);
    expect(withExecuted(returned, undefined)).toEqual(returned);
    expect(withExecuted(returned, 5)).toEqual({ ...returned, executed: 5 });
  });
});
