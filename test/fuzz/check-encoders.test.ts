// P6's check fails, naming the function and the undecodable bytes, when a function's code does
// not decode to its end; and passes on the code as compiled.
import { afterAll, describe, expect, it } from "vitest";
import type { Artifact } from "../../src/compiler/artifact.js";
import { TARGETS, type Target } from "../../src/compiler/target.js";
import { prepareCase } from "../../src/fuzz/case-runner.js";
import { checkEncoders } from "../../src/fuzz/check-encoders.js";
import { Machines } from "../../src/fuzz/machines.js";
import { DETERMINISTIC } from "../../src/fuzz/properties.js";

const machines = new Machines();
afterAll(() => machines.close());

/** Bytes no instruction begins with: 0x06 (push es, invalid in 64-bit mode); 0xffffffff (unallocated). */
const INVALID: Record<Target, number> = { x64: 0x06, aarch64: 0xff };

/** Machines whose `target` code has its last function's first four bytes replaced by invalid ones. */
function corrupting(target: Target): Machines {
  return new Proxy(machines, {
    get(inner, key) {
      if (key !== "artifact") return Reflect.get(inner, key);
      return (...args: Parameters<Machines["artifact"]>): Artifact => {
        const artifact = inner.artifact(...args);
        if (args[1] !== target) return artifact;
        const code = artifact.code.slice();
        const last = Math.max(...artifact.entries);
        code.fill(INVALID[target], last, last + 4);
        return { ...artifact, code };
      };
    },
  });
}

describe("P6's check", () => {
  const { input, testCase } = prepareCase(1, DETERMINISTIC);

  it("passes on the code as compiled", () => {
    expect(checkEncoders(machines, testCase, input.strategy)).toEqual({ status: "pass" });
  });

  it.each(TARGETS)("fails on %s code that does not decode to its function's end", (target) => {
    const verdict = checkEncoders(corrupting(target), testCase, input.strategy);
    expect(verdict).toMatchObject({
      status: "fail",
      reason: expect.stringMatching(
        new RegExp(`^${target}: Capstone decodes \\d+ of function \\d+'s \\d+ bytes$`),
      ),
      evidence: { target, undecodable: expect.stringMatching(/^(06|ff)+/) },
    });
  });
});
