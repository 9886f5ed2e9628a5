import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/main.js";
import { runCli } from "./capture.js";

describe("samestack main", () => {
  it("prints usage for --help and exits 0", async () => {
    const result = await runCli("--help");
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^Usage: samestack/);
  });

  it("rejects an unknown command with exit 2 and a message on stderr", async () => {
    const result = await runCli("frobnicate");
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
    expect(result.stdout).toBe("");
  });

  it("rejects an unknown option with exit 2", async () => {
    const result = await runCli("--no-such-option");
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain("unknown option '--no-such-option'");
  });
});
