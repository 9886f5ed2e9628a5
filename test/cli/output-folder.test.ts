// Every command that writes output refuses a folder it cannot create or write at once, with exit 2
// and before any work: under /proc (where Node's recursive mkdir never returns), under a regular
// file, and /proc itself (a folder nobody may write into, root included, as the tests run).
import { copyFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./capture.js";
import { scratchFolder } from "./fixtures.js";

const scratch = scratchFolder();
afterAll(() => scratch.remove());
const module = scratch.write(
  "add.wat",
  '(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))',
);
const aFile = scratch.write("a-file", "");
const report = scratch.path("report.json");

const UNWRITABLE = [
  ["a folder that cannot be created under /proc", "/proc/samestack-x"],
  ["a path under a regular file", `${aFile}/sub`],
  ["a folder nobody may write into", "/proc"],
] as const;

/** Each writing command with `folder` as its output (report html takes a file inside it). */
const COMMANDS: readonly (readonly [string, (folder: string) => string[]])[] = [
  ["check --out", (folder) => ["check", module, "--out", folder]],
  ["fuzz --out", (folder) => ["fuzz", "--runs", "1", "--workers", "1", "--no-save", "--out", folder]],
  ["report merge --out", (folder) => ["report", "merge", report, "--out", folder]],
  ["report html --out", (folder) => ["report", "html", report, "--out", `${folder}/report.html`]],
];

describe("an output folder that cannot be written", () => {
  it("is a usable folder to begin with (the commands below fail for the folder alone)", async () => {
    const good = await runCli("check", module, "--out", scratch.path("out"));
    expect(good.code).toBe(0);
    await writeReport();
  });

  describe.each(COMMANDS)("%s", (_, argv) => {
    it.each(UNWRITABLE)("fails at once with exit 2 for %s", async (_, folder) => {
      const started = Date.now();
      const result = await runCli(...argv(folder));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^samestack: error: cannot write .*/);
      expect(result.stdout).toBe("");
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });
});

/** A valid report.json for the report commands: the one check just wrote. */
async function writeReport(): Promise<void> {
  await copyFile(scratch.path("out/report.json"), report);
}
