// The WASI host on x64, aarch64 and V8 alike, driven by a small hand-written module that calls it
// directly: paths never leave a preopen (`..`, absolute paths, symbolic links out), nothing can be
// written, files and folders read as the host's file system holds them, and clocks and random bytes
// are the same world on every executor. Errno values are WASI preview1's (wasi-libc's wasi/api.h).
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Executors, type LoadedModule } from "../../../emulators/executor.js";
import { defaultHostSettings, type HostSettings } from "../../../emulators/hosts/instance-hosts.js";
import { type Invocation, invokeEverywhere } from "../../../src/cli/invoke.js";
import { loadModuleFile } from "../../../src/cli/load-module.js";
import type { Outcomes } from "../../../src/cli/outcomes.js";
import { sameOutcome } from "../../../src/verify/outcomes.js";
import { WASM_2_0 } from "../../../src/wasm/index.js";
import { type Outcome, outputBytes, type WasmValue } from "../../../src/wasm/outcome.js";

const ERRNO = { SUCCESS: 0, FAULT: 21, NOENT: 44, NOSYS: 52, NOTDIR: 54, NOTCAPABLE: 76, BADF: 8 };
const O_CREAT = 1;
const O_DIRECTORY = 2;
const RIGHT_FD_WRITE = 1n << 6n;
const PREOPEN_FD = 3;

// The sandbox: root/ is preopened as /sandbox; outside/ is its sibling, which must stay unreachable.
const scratch = mkdtempSync(path.join(tmpdir(), "samestack-wasi-"));
const root = path.join(scratch, "root");
mkdirSync(path.join(root, "sub"), { recursive: true });
mkdirSync(path.join(scratch, "outside"));
writeFileSync(path.join(root, "inside.txt"), "inside the sandbox\n");
writeFileSync(path.join(root, "B-upper.txt"), "");
writeFileSync(path.join(root, "a-lower.txt"), "");
writeFileSync(path.join(scratch, "outside", "secret.txt"), "must not be read\n");
symlinkSync("../outside", path.join(root, "link-out"));
symlinkSync(path.join(root, "inside.txt"), path.join(root, "absolute-link"));
symlinkSync("inside.txt", path.join(root, "link-in"));
symlinkSync("../inside.txt", path.join(root, "sub", "up"));
afterAll(() => rmSync(scratch, { recursive: true }));

const PATHS = [
  "inside.txt",
  "../outside/secret.txt",
  "sub/../../outside/secret.txt",
  "link-out/secret.txt",
  "absolute-link",
  "link-in",
  "sub/up",
  "/etc/passwd",
  "missing.txt",
  "inside.txt/x",
  ".",
  "sub",
] as const;
type GuestPath = (typeof PATHS)[number];
const pathAt = (p: GuestPath) => 1024 + 128 * PATHS.indexOf(p);

const WAT = `(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ${PATHS.map((p) => `(data (i32.const ${pathAt(p)}) "${p}")`).join("\n  ")}
  ;; path_open in the preopen, following links: the errno (the new descriptor at address 0)
  (func $open (export "open") (param $path i32) (param $len i32) (param $oflags i32) (param $rights i64) (result i32)
    (call $path_open (i32.const ${PREOPEN_FD}) (i32.const 1) (local.get $path) (local.get $len)
      (local.get $oflags) (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 0)))
  ;; writes bytes [8192, 8192 + n) to stdout through one iovec at 16
  (func $emit (param $n i32)
    (i32.store (i32.const 16) (i32.const 8192))
    (i32.store (i32.const 20) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
  ;; opens a file and copies up to 4096 of its bytes to stdout: the errno of the first failure
  (func (export "cat") (param $path i32) (param $len i32) (result i32) (local $errno i32)
    (local.set $errno (call $open (local.get $path) (local.get $len) (i32.const 0) (i64.const 0)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (i32.store (i32.const 16) (i32.const 8192))
    (i32.store (i32.const 20) (i32.const 4096))
    (local.set $errno (call $fd_read (i32.load (i32.const 0)) (i32.const 16) (i32.const 1) (i32.const 24)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (call $emit (i32.load (i32.const 24)))
    (i32.const 0))
  ;; opens a folder and writes its fd_readdir bytes (from cookie 0) to stdout
  (func (export "list") (param $path i32) (param $len i32) (result i32) (local $errno i32)
    (local.set $errno (call $open (local.get $path) (local.get $len) (i32.const ${O_DIRECTORY}) (i64.const 0)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (local.set $errno (call $fd_readdir (i32.load (i32.const 0)) (i32.const 8192) (i32.const 4096) (i64.const 0) (i32.const 24)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (call $emit (i32.load (i32.const 24)))
    (i32.const 0))
  (func (export "unlink") (param $path i32) (param $len i32) (result i32)
    (call $unlink (i32.const ${PREOPEN_FD}) (local.get $path) (local.get $len)))
  ;; write to a descriptor that is not stdout or stderr
  (func (export "write_to") (param $fd i32) (result i32)
    (i32.store (i32.const 16) (i32.const 1024))
    (i32.store (i32.const 20) (i32.const 4))
    (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)))
  ;; two readings of clock $id: the second minus the first
  (func (export "clock_step") (param $id i32) (result i64)
    (drop (call $clock (local.get $id) (i64.const 0) (i32.const 32)))
    (drop (call $clock (local.get $id) (i64.const 0) (i32.const 40)))
    (i64.sub (i64.load (i32.const 40)) (i64.load (i32.const 32))))
  ;; n random bytes to stdout
  (func (export "random") (param $n i32) (result i32)
    (drop (call $random (i32.const 8192) (local.get $n)))
    (call $emit (local.get $n))
    (i32.const 0))
  (func (export "sock_accept") (result i32) (call $sock_accept (i32.const 0) (i32.const 0) (i32.const 0))))`;

const sandbox: HostSettings = {
  ...defaultHostSettings("wasi-test"),
  wasi: {
    ...defaultHostSettings("wasi-test").wasi,
    preopens: [{ host: root, guest: "/sandbox" }],
    seed: 7,
  },
};

const scratchModule = path.join(scratch, "wasi-calls.wat");
writeFileSync(scratchModule, WAT);
const loaded: Promise<LoadedModule> = loadModuleFile(scratchModule, WASM_2_0);
const executors = new Executors();
afterAll(() => executors.close());

const i32 = (value: number): WasmValue => ({ type: "i32", value: String(value) });
const i64 = (value: bigint): WasmValue => ({ type: "i64", value: String(value) });
const pathArgs = (p: GuestPath) => [i32(pathAt(p)), i32(p.length)];

/** The invocation on x64, aarch64 and V8; every executor's outcome must equal x64's in everything. */
async function everywhere(
  exportName: string,
  args: readonly WasmValue[],
  hosts: HostSettings = sandbox,
): Promise<Outcome> {
  const invocation: Invocation = {
    loaded: await loaded,
    exportName,
    args,
    executors: ["x64", "aarch64", "v8"],
    strategy: "intersect",
    hosts,
  };
  const { outcomes } = invokeEverywhere(executors, invocation);
  const x64 = outcomes.x64!;
  for (const executor of ["aarch64", "v8"] as const) {
    expect(sameOutcome(x64, outcomes[executor]!, "exact"), `${exportName} on ${executor}`).toBe(true);
  }
  return withoutCount(outcomes);
}

/** x64's outcome without the instruction count, which differs per ISA. */
function withoutCount(outcomes: Outcomes): Outcome {
  return Object.fromEntries(Object.entries(outcomes.x64!).filter(([key]) => key !== "executed")) as Outcome;
}

const errno = (value: number): Outcome => ({ outcome: "return", values: [i32(value)] });

describe("the WASI host's preopened folder", () => {
  it("opens what is inside, also through links that stay inside", async () => {
    for (const p of ["inside.txt", "link-in", "sub/up", ".", "sub"] as const) {
      expect(await everywhere("open", [...pathArgs(p), i32(0), i64(0n)]), p).toEqual(errno(ERRNO.SUCCESS));
    }
  });

  it("refuses every path that leaves it, by .., absolute paths or links, with NOTCAPABLE", async () => {
    const escapes = [
      "../outside/secret.txt",
      "sub/../../outside/secret.txt",
      "link-out/secret.txt",
      "absolute-link",
      "/etc/passwd",
    ] as const;
    for (const p of escapes) {
      expect(await everywhere("open", [...pathArgs(p), i32(0), i64(0n)]), p).toEqual(errno(ERRNO.NOTCAPABLE));
      expect(await everywhere("cat", pathArgs(p)), p).toEqual(errno(ERRNO.NOTCAPABLE));
    }
  });

  it("says what is missing and what is not a folder", async () => {
    expect(await everywhere("open", [...pathArgs("missing.txt"), i32(0), i64(0n)])).toEqual(
      errno(ERRNO.NOENT),
    );
    expect(await everywhere("open", [...pathArgs("inside.txt/x"), i32(0), i64(0n)])).toEqual(
      errno(ERRNO.NOTDIR),
    );
  });

  it("reads a file as the host holds it, and the same through a link", async () => {
    const expected = readFileSync(path.join(root, "inside.txt"), "utf8");
    for (const p of ["inside.txt", "link-in", "sub/up"] as const) {
      expect(await everywhere("cat", pathArgs(p)), p).toEqual({ ...errno(0), stdout: expected });
    }
  });

  it("lists a folder as ., .., then the names in the order of their bytes", async () => {
    const outcome = await everywhere("list", pathArgs("."));
    expect(outcome.outcome === "return" && outcome.values).toEqual([i32(0)]);
    const names = direntNames(outputBytes((outcome as { stdout: string }).stdout));
    const expected = readdirSync(root).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(names).toEqual([".", "..", ...expected]);
    expect(expected.indexOf("B-upper.txt")).toBeLessThan(expected.indexOf("a-lower.txt"));
  });

  it("refuses every write: creating, asking for the write right, removing, writing to a descriptor", async () => {
    expect(await everywhere("open", [...pathArgs("missing.txt"), i32(O_CREAT), i64(0n)])).toEqual(
      errno(ERRNO.NOTCAPABLE),
    );
    expect(await everywhere("open", [...pathArgs("inside.txt"), i32(0), i64(RIGHT_FD_WRITE)])).toEqual(
      errno(ERRNO.NOTCAPABLE),
    );
    expect(await everywhere("unlink", pathArgs("inside.txt"))).toEqual(errno(ERRNO.NOTCAPABLE));
    expect(await everywhere("write_to", [i32(PREOPEN_FD)])).toEqual(errno(ERRNO.NOTCAPABLE));
    expect(await everywhere("write_to", [i32(99)])).toEqual(errno(ERRNO.BADF));
    expect(readdirSync(root)).not.toContain("missing.txt");
    expect(readFileSync(path.join(root, "inside.txt"), "utf8")).toBe("inside the sandbox\n");
  });

  it("answers a pointer outside linear memory with FAULT, and an unimplemented function with NOSYS", async () => {
    expect(await everywhere("open", [i32(65536 - 4), i32(16), i32(0), i64(0n)])).toEqual(errno(ERRNO.FAULT));
    expect(await everywhere("sock_accept", [])).toEqual(errno(ERRNO.NOSYS));
  });
});

describe("the WASI host's clocks and random bytes", () => {
  it("advance every clock by the same fixed step per reading", async () => {
    const steps = await Promise.all([0, 1, 2, 3].map((id) => everywhere("clock_step", [i32(id)])));
    const [first] = steps;
    expect(first?.outcome === "return" && BigInt(first.values[0]!.value)).toBeGreaterThan(0n);
    for (const step of steps) expect(step).toEqual(first);
  });

  it("give the same bytes for a seed, and other bytes for another seed", async () => {
    const again = await everywhere("random", [i32(100)]);
    expect(await everywhere("random", [i32(100)])).toEqual(again);
    const seeded = (seed: number) => ({ ...sandbox, wasi: { ...sandbox.wasi, seed } });
    expect(await everywhere("random", [i32(100)], seeded(8))).not.toEqual(again);
    expect(outputBytes((again as { stdout: string }).stdout)).toHaveLength(100);
  });
});

/** The names of the dirents in an fd_readdir buffer: 24-byte headers (namlen at 16), each followed by its name. */
function direntNames(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const names: string[] = [];
  for (let at = 0; at + 24 <= bytes.length; ) {
    const length = view.getUint32(at + 16, true);
    names.push(Buffer.from(bytes.subarray(at + 24, at + 24 + length)).toString("utf8"));
    at += 24 + length;
  }
  return names;
}
