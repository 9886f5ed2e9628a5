// The hosts' settings a check sidecar carries ("wasi", "stubImports"): validated with errors that
// name the file and the key, paths resolved against the sidecar's folder, and what they do in a
// check (a module importing a module no host binds is bad input; stubbed, it is checked).
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { check, DEFAULT_CHECK_FUEL } from "../../src/check/check.js";
import { NO_HOST_OPTIONS, overriding } from "../../src/check/host-options.js";
import { readSidecar, SidecarError } from "../../src/check/inputs.js";
import { loadModule, WASM_2_0 } from "../../src/wasm/index.js";

const WASI_PROGRAM = `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")))`;

async function folderWith(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), "samestack-hosts-"));
  await mkdir(path.join(folder, "data"));
  await writeFile(path.join(folder, "data", "input.txt"), "some input\n");
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(folder, name), text);
  return folder;
}

/** The sidecar `fields` (besides the invocations) of the WASI program, read as check reads it. */
async function sidecarWith(fields: Record<string, unknown>) {
  const folder = await folderWith({
    "program.wat": WASI_PROGRAM,
    "program.invocations.json": JSON.stringify({ invocations: [{ export: "_start", args: [] }], ...fields }),
  });
  const file = path.join(folder, "program.wat");
  return { folder, read: async () => readSidecar(file, await loadModule(file)) };
}

describe("a sidecar's hosts", () => {
  it("resolves folders and stdin against the sidecar's folder and keeps the program name apart", async () => {
    const { folder, read } = await sidecarWith({
      wasi: {
        args: ["prog", "-v", "x"],
        env: { A: "1", B: "two=2" },
        dirs: ["data::/in", "data"],
        stdin: "data/input.txt",
      },
      stubImports: ["bench"],
    });
    expect((await read())?.hosts).toEqual({
      programName: "prog",
      args: ["-v", "x"],
      env: ["A=1", "B=two=2"],
      dirs: [
        { host: path.join(folder, "data"), guest: "/in" },
        { host: path.join(folder, "data"), guest: "data" },
      ],
      stdin: path.join(folder, "data", "input.txt"),
      stubImports: ["bench"],
    });
  });

  it.each([
    [{ wasi: [] }, '"wasi" must be an object'],
    [{ wasi: { argv: [] } }, '"wasi.argv" is not one of "args", "env", "dirs", "stdin"'],
    [{ wasi: { args: [] } }, '"wasi.args" must start with the program name'],
    [{ wasi: { args: ["p", 1] } }, '"wasi.args" must be an array of strings'],
    [{ wasi: { env: { A: 1 } } }, '"wasi.env.A" must be a string'],
    [{ wasi: { env: ["A=1"] } }, '"wasi.env" must be an object of strings'],
    [{ wasi: { dirs: ["missing::/m"] } }, '"wasi.dirs"[0]: "missing" is not a folder'],
    [{ wasi: { dirs: ["data::"] } }, '"wasi.dirs"[0]: "data::" is not HOST or HOST::GUEST'],
    [{ wasi: { stdin: "data" } }, '"wasi.stdin": "data" is not a file'],
    [{ stubImports: "bench" }, '"stubImports" must be an array of strings'],
  ])("refuses %j, saying which file and which key", async (fields, message) => {
    const { folder, read } = await sidecarWith(fields);
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SidecarError);
    expect((error as Error).message).toContain(path.join(folder, "program.invocations.json"));
    expect((error as Error).message).toContain(message);
  });

  it("reads every sidecar of corpus/real, each naming its program first", async () => {
    const real = path.resolve(import.meta.dirname, "../../corpus/real");
    const modules = (await readdir(real)).filter((name) => name.endsWith(".wasm"));
    expect(modules.length).toBeGreaterThanOrEqual(10);
    for (const name of modules) {
      const file = path.join(real, name);
      const sidecar = await readSidecar(file, await loadModule(file));
      expect(sidecar?.hosts.programName, name).toBe(path.basename(name, ".wasm"));
      expect(sidecar?.invocations.map((i) => i.exportName)).toEqual(["_start"]);
    }
  });

  it("replaces the command line's settings key by key, and adds its stubbed modules to them", () => {
    const cli = { ...NO_HOST_OPTIONS, args: ["1"], env: ["A=1"], stubImports: ["bench"] };
    expect(overriding(cli, { args: ["2"], stubImports: ["other", "bench"] })).toEqual({
      ...cli,
      args: ["2"],
      stubImports: ["bench", "other"],
    });
  });
});

describe("check with hosts", () => {
  const options = {
    targets: ["x64", "aarch64"] as const,
    strategy: "intersect" as const,
    limits: [],
    seed: 1,
    features: [...WASM_2_0],
  };

  it("reports a module importing a module no host binds as bad input, and checks it once stubbed", async () => {
    const bench = '(module (import "bench" "start" (func)) (func (export "f") (call 0)))';
    const folder = await folderWith({
      "unbound.wat": bench,
      "stubbed.wat": bench,
      "stubbed.invocations.json": JSON.stringify({
        stubImports: ["bench"],
        invocations: [{ export: "f", args: [] }],
      }),
    });
    const result = await check([folder], {
      ...options,
      targets: [...options.targets],
      fuel: DEFAULT_CHECK_FUEL,
    });
    const byName = new Map(result.modules.map((m) => [path.basename(m.path), m]));
    expect(byName.get("unbound.wat")!.findings).toEqual([
      expect.objectContaining({ severity: "input", kind: "unlinkable" }),
    ]);
    expect(byName.get("unbound.wat")!.findings[0]!.message).toContain("--stub-imports");
    expect(byName.get("stubbed.wat")!.status).toBe("pass");
    expect(byName.get("stubbed.wat")!.hosts).toMatchObject({ stubImports: ["bench"] });
  });

  it("reports a bad sidecar as a located input finding", async () => {
    const { folder } = await sidecarWith({ wasi: { stdin: "none.txt" } });
    const result = await check([folder], {
      ...options,
      targets: [...options.targets],
      fuel: DEFAULT_CHECK_FUEL,
    });
    expect(result.modules[0]!.findings).toEqual([
      expect.objectContaining({
        severity: "input",
        kind: "bad-sidecar",
        message: expect.stringContaining('"wasi.stdin"'),
      }),
    ]);
  });
});
