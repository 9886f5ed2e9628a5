// `samestack check` and `samestack report` as a user meets them: exit codes, the files written, the
// last line naming the HTML report, and bad usage. The commands are registered on a fresh program
// here the way src/cli/main.ts registers every command.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { registerCheck } from "../../src/cli/check-command.js";
import { type CommandContext, EXIT } from "../../src/cli/context.js";
import { registerReport } from "../../src/cli/report-command.js";
import { checkReport } from "../../src/report/schema.js";
import { InputError } from "../../src/wasm/errors.js";

const corpus = path.resolve(import.meta.dirname, "../../corpus");

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const context: CommandContext = {
    io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTty: false },
    exitCode: EXIT.ok,
  };
  const program = new Command("samestack")
    .exitOverride()
    .configureOutput({ writeOut: context.io.stdout, writeErr: context.io.stderr });
  registerCheck(program, context);
  registerReport(program, context);
  let code: number = EXIT.ok;
  try {
    await program.parseAsync(argv, { from: "user" });
    code = context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) code = EXIT.badInput;
    else if (error instanceof InputError) {
      err.push(error.message);
      code = EXIT.badInput;
    } else throw error;
  }
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const scratch = () => mkdtemp(path.join(tmpdir(), "samestack-cli-"));
const cases = ["writeup-9-args.wat", "leaf-vs-nonleaf.wat"].map((f) => path.join(corpus, f));

describe("samestack check", () => {
  it("exits 0 under intersect, writes all four formats, and ends with the HTML report's path", async () => {
    const out = await scratch();
    const result = await run("check", ...cases, "--out", out);
    expect(result.code).toBe(EXIT.ok);
    const lines = result.stdout.trim().split("\n");
    expect(lines.at(-1)).toBe(`HTML report: ${path.join(out, "report.html")}`);
    expect(lines).toContain(`[2/2] pass           ${cases[1]}`);
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    expect(checkReport(report).ok).toBe(true);
    expect(await readFile(path.join(out, "summary.md"), "utf8")).toMatch(/^## samestack: PASS/);
    expect(await readFile(path.join(out, "junit.xml"), "utf8")).toMatch(/^<\?xml/);
    expect(await readFile(path.join(out, "report.html"), "utf8")).toMatch(/^<!doctype html>/);
  });

  it("exits 1 under native and names the divergences", async () => {
    const out = await scratch();
    const result = await run("check", cases[0]!, "--strategy", "native", "--format", "json,md", "--out", out);
    expect(result.code).toBe(EXIT.diverged);
    expect(result.stdout).toContain("stack profiles differ first at");
    expect(result.stdout.trim().split("\n").at(-1)).toMatch(/no HTML report/);
  });

  it("exits 2 for a malformed module, and still reports the others", async () => {
    const out = await scratch();
    const bad = path.join(out, "bad.wat");
    await writeFile(bad, "(module (func $f (export");
    const result = await run("check", bad, cases[1]!, "--out", out);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stdout).toMatch(
      /bad\.wat \(intersect\): input-error\n {2}MalformedModule: .* at offset \d+/,
    );
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    expect(report.modules.map((m: { status: string }) => m.status)).toEqual(["input-error", "pass"]);
  });

  it("exits 2 for a runaway invocation, located by module, export and target", async () => {
    const out = await scratch();
    const spin = path.join(out, "spin.wat");
    await writeFile(spin, '(module (func (export "spin") (loop (br 0))))');
    const result = await run("check", spin, "--fuel", "10000", "--out", out);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stdout).toContain(
      "spin: aarch64: ran out of fuel after 10000 Wasm instructions: the invocation does not finish (raise --fuel if it should)",
    );
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    expect(checkReport(report).ok).toBe(true);
    expect(
      report.modules[0].findings.map((f: { kind: string; target: string }) => [f.kind, f.target]),
    ).toEqual([
      ["out-of-fuel", "x64"],
      ["out-of-fuel", "aarch64"],
    ]);
  });

  it("exits 2 before any work when --out cannot be written, or on bad options", async () => {
    const out = await scratch();
    const file = path.join(out, "a-file");
    await writeFile(file, "");
    const unwritable = await run("check", cases[1]!, "--out", path.join(file, "sub"));
    expect(unwritable.code).toBe(EXIT.badInput);
    expect(unwritable.stderr).toContain(`cannot write the reports to --out ${path.join(file, "sub")}`);
    for (const bad of [
      ["--strategy", "fast"],
      ["--limits", "100"],
      ["--format", "pdf"],
      ["--targets", "riscv"],
      ["--targets", "x64"],
    ]) {
      expect((await run("check", cases[1]!, ...bad)).code).toBe(EXIT.badInput);
    }
  });
});

describe("samestack report", () => {
  it("merges reports with the merged verdict's exit code, and re-renders HTML", async () => {
    const [a, b, merged] = [await scratch(), await scratch(), await scratch()];
    await run("check", cases[0]!, "--strategy", "native", "--format", "json", "--out", a);
    await run("check", cases[1]!, "--strategy", "native", "--format", "json", "--out", b);
    const result = await run(
      "report",
      "merge",
      path.join(a, "report.json"),
      path.join(b, "report.json"),
      "--out",
      merged,
    );
    expect(result.code).toBe(EXIT.diverged);
    const report = JSON.parse(await readFile(path.join(merged, "report.json"), "utf8"));
    expect(report.modules).toHaveLength(2);

    const html = await run("report", "html", path.join(a, "report.json"));
    expect(html.code).toBe(EXIT.ok);
    expect(html.stdout).toBe(`HTML report: ${path.join(a, "report.html")}\n`);
    expect(await readFile(path.join(a, "report.html"), "utf8")).toContain("writeup-9-args.wat");
  });

  it("refuses a file that is neither a report nor a fuzz summary", async () => {
    const folder = await scratch();
    const file = path.join(folder, "other.json");
    await writeFile(file, '{"hello": 1}');
    const result = await run("report", "merge", file);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain("other.json: neither a samestack report");
    expect((await run("report", "html", file)).stderr).toContain("not a valid report");
  });
});
