import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/main.js";
import { runCli } from "./capture.js";

const writeup = path.resolve(import.meta.dirname, "../../corpus/writeup-9-args.wat");

describe("samestack verify", () => {
  it("reports the write-up's case as diverging under native, with the first differing instruction", async () => {
    const result = await runCli(
      "verify",
      writeup,
      "--strategy",
      "native",
      "--export",
      "deep",
      "--args",
      "12",
    );
    expect(result.code).toBe(EXIT.diverged);
    expect(result.stdout).toMatch(/stack profiles differ first at step \d+, f2 #14 /);
    expect(result.stdout).toMatch(/overflow points differ for limits \[\d+, \d+\)/);
    expect(result.stdout).toContain("verdict: DIVERGES");
  });

  for (const strategy of ["intersect", "frame"]) {
    it(`verifies it for all limits under ${strategy}`, async () => {
      const result = await runCli(
        "verify",
        writeup,
        "--strategy",
        strategy,
        "--export",
        "deep",
        "--args",
        "12",
      );
      expect(result.stderr).toBe("");
      expect(result.code).toBe(EXIT.ok);
      expect(result.stdout).toContain("deterministic for all limits");
      expect(result.stdout).toMatch(/prediction confirmed by real runs at \d+ sampled limits/);
    });
  }

  it("prints the verdict as JSON", async () => {
    const result = await runCli("verify", writeup, "--json");
    expect(result.code).toBe(EXIT.ok);
    const verdict = JSON.parse(result.stdout);
    expect(verdict).toMatchObject({
      strategy: "intersect",
      deterministic: true,
      crossTarget: [],
      dynamic: null,
    });
    expect(verdict.static.x64.functions).toHaveLength(3);
  });

  it("rejects bad input with exit code 2 and a located message", async () => {
    const cases: [string[], RegExp][] = [
      [["verify", "missing.wat"], /cannot read missing\.wat: no such file/],
      [
        ["verify", writeup, "--strategy", "fast"],
        /option .--strategy <strategy>. argument .fast. is invalid/,
      ],
      [["verify", writeup, "--export", "nope"], /exports no function "nope"/],
      [["verify", writeup, "--export", "deep", "--args", "1", "2"], /takes 1 argument/],
      [["verify", writeup, "--export", "deep", "--args", "i64:1"], /the parameter is i32, not i64/],
      [["verify", writeup, "--stack-limit", "100"], /a positive multiple of 16/],
    ];
    for (const [argv, message] of cases) {
      const result = await runCli(...argv);
      expect(result.code, argv.join(" ")).toBe(EXIT.badInput);
      expect(result.stderr).toMatch(message);
    }
  });
});
