// `samestack run` on real C programs built for WASI (corpus/real/), with the deterministic WASI host
// on x64, aarch64 and V8: every executor gives the same outcome and the same bytes, and so does
// Node's own WASI implementation (an independent host) wherever the program reads no clock. Small
// arguments keep the emulated runs short.
import {
  closeSync,
  cpSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { WASI } from "node:wasi";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/main.js";
import { outputBytes } from "../../src/wasm/outcome.js";
import { runCli, withoutCounts } from "./capture.js";
import { scratchFolder } from "./fixtures.js";

const REAL = "corpus/real";
const EXECUTORS = ["x64", "aarch64", "v8"] as const;
const folder = scratchFolder();
afterAll(() => folder.remove());

/** An exit code (null: the program did not exit), and the bytes written. */
interface ProgramRun {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

/** `samestack run <program>.wasm _start … --json` on every executor: its exit code and x64's outcome, once every executor's is the same. */
async function samestackRun(program: string, ...options: string[]) {
  const result = await runCli(
    "run",
    path.join(REAL, `${program}.wasm`),
    "_start",
    ...options,
    "--target",
    EXECUTORS.join(","),
    "--json",
  );
  expect(result.stderr).toBe("");
  const outcomes = withoutCounts(JSON.parse(result.stdout).outcomes) as Record<
    string,
    Record<string, unknown>
  >;
  expect(Object.keys(outcomes)).toEqual([...EXECUTORS]);
  for (const executor of EXECUTORS) expect(outcomes[executor], executor).toEqual(outcomes.x64);
  const x64 = outcomes.x64!;
  const run: ProgramRun = {
    code: x64.outcome === "exit" ? (x64.code as number) : null,
    stdout: Buffer.from(outputBytes((x64.stdout as string | undefined) ?? "")),
    stderr: Buffer.from(outputBytes((x64.stderr as string | undefined) ?? "")),
  };
  return { exitCode: result.code, run };
}

/** The same program under Node's WASI (preview1), stdin empty, output captured in files. */
async function nodeWasiRun(
  program: string,
  args: readonly string[],
  preopens: Record<string, string> = {},
): Promise<ProgramRun> {
  const [stdout, stderr, stdin] = ["stdout", "stderr", "stdin"].map((name) =>
    folder.path(`${program}.${name}`),
  );
  writeFileSync(stdin!, "");
  const fds = [openSync(stdin!, "r"), openSync(stdout!, "w"), openSync(stderr!, "w")] as const;
  const wasi = new WASI({
    version: "preview1",
    args: [program, ...args],
    env: {},
    preopens,
    stdin: fds[0],
    stdout: fds[1],
    stderr: fds[2],
    returnOnExit: true,
  });
  const module = await WebAssembly.compile(readFileSync(path.join(REAL, `${program}.wasm`)));
  const code = wasi.start(
    await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports),
  );
  for (const fd of fds) closeSync(fd);
  return { code, stdout: readFileSync(stdout!), stderr: readFileSync(stderr!) };
}

describe("samestack run on real WASI programs", () => {
  it.each([
    ["nqueens", "8"],
    ["bigfact", "100"],
    ["matrix", "16"],
  ])(
    "runs %s %s to exit(0) with byte-identical stdout on x64, aarch64 and V8, and Node's WASI",
    async (program, arg) => {
      const { exitCode, run } = await samestackRun(
        program,
        "--wasi-arg",
        arg,
        "--dir",
        ".",
        "--stub-imports",
        "bench",
      );
      expect(exitCode).toBe(EXIT.ok);
      expect(run.code).toBe(0);
      expect(run.stdout.length).toBeGreaterThan(0);
      expect(run).toEqual(await nodeWasiRun(program, [arg]));
    },
  );

  it("ends with exit(3) and the same stdout and stderr when the program calls proc_exit(3)", async () => {
    const { exitCode, run } = await samestackRun("proc-exit");
    expect(exitCode).toBe(EXIT.ok);
    expect(run.code).toBe(3);
    expect(run.stderr.length).toBeGreaterThan(0);
    expect(run).toEqual(await nodeWasiRun("proc-exit", []));
  });

  it("reads a file from a preopened folder", async () => {
    const data = path.resolve(REAL, "data");
    const { run } = await samestackRun(
      "read-file",
      "--dir",
      `${data}::/data`,
      "--wasi-arg",
      "/data/text.txt",
    );
    expect(run.code).toBe(0);
    expect(run).toEqual(await nodeWasiRun("read-file", ["/data/text.txt"], { "/data": data }));
  });

  it("is refused a write into a preopened folder, which stays as it was", async () => {
    const data = mkdtempSync(path.join(tmpdir(), "samestack-write-denied-"));
    try {
      cpSync(path.join(REAL, "data"), data, { recursive: true });
      const before = readdirSync(data);
      const { run } = await samestackRun("write-denied", "--dir", `${data}::/data`);
      expect(run.code).toBe(4);
      expect(run.stdout.toString()).toContain("refused");
      expect(readdirSync(data)).toEqual(before);
    } finally {
      rmSync(data, { recursive: true });
    }
  });

  it("reads clocks that advance the same on every executor and in every run", async () => {
    const first = await samestackRun("clocks", "--wasi-arg", "1000");
    expect(first.run.code).toBe(0);
    expect((await samestackRun("clocks", "--wasi-arg", "1000")).run).toEqual(first.run);
    const differences = /differences: realtime (\d+) ns, monotonic (\d+) ns/.exec(
      first.run.stdout.toString(),
    );
    expect(
      differences
        ?.slice(1)
        .map(Number)
        .every((ns) => ns > 0),
    ).toBe(true);
  });

  it("prints what the program wrote after the outcomes, once when every executor wrote the same", async () => {
    const result = await runCli("run", path.join(REAL, "proc-exit.wasm"), "_start", "--target", "x64,v8");
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^x64\/intersect {2}exit 3 · stdout \d+ bytes, stderr \d+ bytes · \d+ instructions executed$/,
    );
    expect(lines).toContain("outcomes agree");
    expect(lines.filter((line) => line.startsWith("stdout of every executor"))).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith("stderr of every executor"))).toHaveLength(1);
  });
});

describe("samestack run with other imports", () => {
  const bench = folder.write(
    "bench.wat",
    `(module
      (import "bench" "start" (func $start))
      (import "bench" "end" (func $end (param i64) (result i64)))
      (func (export "measure") (param i64) (result i64)
        (call $start)
        (call $end (i64.mul (local.get 0) (i64.const 3)))))`,
  );

  it("binds every function of a module given to --stub-imports to the deterministic env host", async () => {
    const result = await runCli("run", bench, "measure", "i64:14", "--stub-imports", "bench", "--json");
    expect(result.code).toBe(EXIT.ok);
    const outcomes = withoutCounts(JSON.parse(result.stdout).outcomes);
    expect(outcomes.aarch64).toEqual(outcomes.x64);
    expect(outcomes.v8).toEqual(outcomes.x64);
  });

  it("refuses such imports without it, and bad host options, as bad input", async () => {
    const unbound = await runCli("run", bench, "measure", "i64:14");
    expect(unbound.code).toBe(EXIT.badInput);
    expect(unbound.stderr).toContain("unknown import bench.start");
    const noFolder = await runCli("run", bench, "measure", "1", "--dir", folder.path("none"));
    expect(noFolder.code).toBe(EXIT.badInput);
    expect(noFolder.stderr).toContain("is not a folder");
    const noValue = await runCli("run", bench, "measure", "1", "--env", "NAME");
    expect(noValue.code).toBe(EXIT.badInput);
    expect(noValue.stderr).toContain('"NAME" is not NAME=value');
  });

  it("refuses a module importing WASI that exports no memory, and a WASI function of the wrong type", async () => {
    const noMemory = folder.write(
      "no-memory.wat",
      `(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))) (func (export "_start")))`,
    );
    const result = await runCli("run", noMemory, "_start");
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain('exports no memory named "memory"');
    const wrongType = folder.write(
      "wrong-type.wat",
      `(module (import "wasi_snapshot_preview1" "fd_close" (func (param i64) (result i32)))
        (memory (export "memory") 1) (func (export "_start")))`,
    );
    const mistyped = await runCli("run", wrongType, "_start");
    expect(mistyped.code).toBe(EXIT.badInput);
    expect(mistyped.stderr).toContain("wasi_snapshot_preview1.fd_close is imported as (i64) -> (i32)");
  });
});
