// The WASI host (`wasi_snapshot_preview1`): one implementation for every executor, over an abstract
// view of the instance's linear memory (its export "memory"), with arguments as bit patterns; the
// adapters in instance-hosts.ts give it to the emulated targets and to V8. Every executor that runs
// a program with the same WasiWorld sees the same world, call for call:
//
// - args and environment from the world (the program name first);
// - clocks that never read the host's: the n-th `clock_time_get` of the invocation (any clock,
//   n = 1, 2, …) reads the clock's start + n × CLOCK_STEP_NS: 2024-01-01T00:00:00Z for the realtime
//   clock, 0 for the monotonic and CPU-time clocks; `clock_res_get` reports CLOCK_STEP_NS;
// - `random_get` bytes from the world's seed: SHA-256 of "random_get <seed> <k>" for k = 0, 1, …,
//   one stream across calls;
// - stdout and stderr captured byte for byte (character devices, so wasi-libc line-buffers stdout);
//   stdin from the world's bytes (a pipe: not seekable);
// - read-only preopened folders (wasi-files.ts): reading, seeking, listing and stat work; every
//   write, create, truncate, rename, link or removal fails with NOTCAPABLE (BADF when the descriptor
//   is not open), as does asking `path_open` for a right that writes;
// - `proc_exit(n)` ends the invocation with the outcome `exit(n)`;
// - every other preview1 function returns NOSYS; a pointer outside linear memory gives FAULT.
import { createHash } from "node:crypto";
import { EmulatorError } from "../errors.js";
import { InvocationEnd } from "../runtime/extern.js";
import {
  CLOCK_IDS,
  CLOCK_REALTIME,
  DIRECTORY_INHERITING,
  DIRENT_BYTES,
  ERRNO,
  FDFLAGS_ALL,
  FDSTAT_BYTES,
  FILESTAT_BYTES,
  FILETYPE,
  IOVEC_BYTES,
  LOOKUP_SYMLINK_FOLLOW,
  OFLAGS,
  RIGHTS,
  type WasiFunctionName,
  WHENCE,
  WRITE_RIGHTS,
} from "./wasi-abi.js";
import {
  type DirectoryEntry,
  filetypeOf,
  listDirectory,
  type Place,
  type Preopen,
  readFileAt,
  resolve,
  sizeAt,
} from "./wasi-files.js";

export type { Preopen } from "./wasi-files.js";

/** An instance's linear memory as a host function reaches it, on any executor. */
export interface LinearMemory {
  /** Current size in bytes. */
  size(): number;
  /** A copy of `length` bytes at `address` (within the size). */
  read(address: number, length: number): Uint8Array;
  write(address: number, bytes: Uint8Array): void;
}

/** Everything a WASI program sees of the world. */
export interface WasiWorld {
  /** argv, the program name first. */
  readonly args: readonly string[];
  /** The environment, `NAME=value` each, in order. */
  readonly env: readonly string[];
  /** File descriptors 3, 4, … in order. */
  readonly preopens: readonly Preopen[];
  readonly stdin: Uint8Array;
  /** Seeds `random_get`. */
  readonly seed: number;
}

/** What a program wrote to stdout and stderr. */
export interface WrittenBytes {
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
}

export const CLOCK_STEP_NS = 1_000_000n;
/** 2024-01-01T00:00:00Z. */
export const REALTIME_START_NS = 1_704_067_200_000_000_000n;

/** The host was asked for memory before an instance's memory was attached: a caller's bug. */
export class WasiMemoryError extends EmulatorError {}

/** A pointer or length reaching outside linear memory: the function returns FAULT. */
class OutsideMemory extends Error {}

type Descriptor =
  | { readonly kind: "stdin"; position: number; flags: number }
  | { readonly kind: "output"; readonly stream: keyof WrittenBytes; flags: number }
  | { readonly kind: "file"; readonly bytes: Uint8Array; position: bigint; flags: number }
  | {
      readonly kind: "directory";
      readonly place: Place;
      /** The guest name, for a preopen. */
      readonly preopen: Uint8Array | null;
      /** Listed at the first fd_readdir, then fixed. */
      entries: DirectoryEntry[] | null;
      flags: number;
    };

/** Functions that would change a file or folder, and which parameter is the descriptor they act on. */
const WRITES: Partial<Record<WasiFunctionName, number>> = {
  fd_allocate: 0,
  fd_filestat_set_size: 0,
  fd_filestat_set_times: 0,
  fd_pwrite: 0,
  path_create_directory: 0,
  path_filestat_set_times: 0,
  path_link: 0,
  path_remove_directory: 0,
  path_rename: 0,
  path_symlink: 2,
  path_unlink_file: 0,
};

/** fdflags about writing (append, dsync, rsync, sync): refused where nothing can be written. */
const WRITE_FDFLAGS = 0x1b;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export class WasiHost {
  private memory: LinearMemory | null = null;
  private readonly fds = new Map<number, Descriptor>();
  private readonly written = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[] };
  private clockReadings = 0n;
  private readonly random: RandomStream;

  constructor(private readonly world: WasiWorld) {
    this.fds.set(0, { kind: "stdin", position: 0, flags: 0 });
    this.fds.set(1, { kind: "output", stream: "stdout", flags: 0 });
    this.fds.set(2, { kind: "output", stream: "stderr", flags: 0 });
    world.preopens.forEach((preopen, i) => {
      this.fds.set(3 + i, {
        kind: "directory",
        place: { root: preopen.host, components: [] },
        preopen: encoder.encode(preopen.guest),
        entries: null,
        flags: 0,
      });
    });
    this.random = new RandomStream(world.seed);
  }

  /** Gives the host the instance's memory (its export "memory"), once instantiated. */
  attach(memory: LinearMemory): void {
    this.memory = memory;
  }

  /** What the program wrote since the last call. */
  takeWritten(): WrittenBytes {
    const take = (chunks: Uint8Array[]) => Buffer.concat(chunks.splice(0));
    return { stdout: take(this.written.stdout), stderr: take(this.written.stderr) };
  }

  /**
   * Calls `name` with `args` (bit patterns, unsigned): its errno, or no result (`proc_exit`, which
   * ends the invocation by throwing InvocationEnd).
   */
  call(name: WasiFunctionName, args: readonly bigint[]): number | null {
    const u32 = (i: number) => Number(BigInt.asUintN(32, args[i]!));
    const u64 = (i: number) => BigInt.asUintN(64, args[i]!);
    try {
      switch (name) {
        case "args_sizes_get":
          return this.stringsSizes(this.world.args, u32(0), u32(1));
        case "args_get":
          return this.strings(this.world.args, u32(0), u32(1));
        case "environ_sizes_get":
          return this.stringsSizes(this.world.env, u32(0), u32(1));
        case "environ_get":
          return this.strings(this.world.env, u32(0), u32(1));
        case "clock_res_get":
          return this.clockRes(u32(0), u32(1));
        case "clock_time_get":
          return this.clockTime(u32(0), u32(2));
        case "random_get":
          return this.randomGet(u32(0), u32(1));
        case "fd_write":
          return this.fdWrite(u32(0), u32(1), u32(2), u32(3));
        case "fd_read":
          return this.fdRead(u32(0), u32(1), u32(2), null, u32(3));
        case "fd_pread":
          return this.fdRead(u32(0), u32(1), u32(2), u64(3), u32(4));
        case "fd_seek":
          return this.fdSeek(u32(0), BigInt.asIntN(64, args[1]!), u32(2), u32(3));
        case "fd_tell":
          return this.fdSeek(u32(0), 0n, WHENCE.CUR, u32(1));
        case "fd_close":
          return this.fds.delete(u32(0)) ? ERRNO.SUCCESS : ERRNO.BADF;
        case "fd_fdstat_get":
          return this.fdstat(u32(0), u32(1));
        case "fd_fdstat_set_flags":
          return this.setFdflags(u32(0), u32(1));
        case "fd_filestat_get":
          return this.fdFilestat(u32(0), u32(1));
        case "fd_prestat_get":
          return this.prestat(u32(0), u32(1));
        case "fd_prestat_dir_name":
          return this.prestatDirName(u32(0), u32(1), u32(2));
        case "fd_readdir":
          return this.readdir(u32(0), u32(1), u32(2), u64(3), u32(4));
        case "path_open":
          return this.pathOpen(u32(0), u32(1), u32(2), u32(3), u32(4), u64(5), u32(7), u32(8));
        case "path_filestat_get":
          return this.pathFilestat(u32(0), u32(1), u32(2), u32(3), u32(4));
        case "proc_exit":
          throw new InvocationEnd({ outcome: "exit", code: u32(0) });
        default: {
          const fdParam = WRITES[name];
          if (fdParam === undefined) return ERRNO.NOSYS;
          return this.fds.has(u32(fdParam)) ? ERRNO.NOTCAPABLE : ERRNO.BADF;
        }
      }
    } catch (error) {
      if (error instanceof OutsideMemory) return ERRNO.FAULT;
      throw error;
    }
  }

  private get guest(): Guest {
    if (this.memory === null)
      throw new WasiMemoryError("the WASI host was called before a memory was attached");
    return new Guest(this.memory);
  }

  private stringsSizes(strings: readonly string[], countAt: number, bytesAt: number): number {
    const bytes = strings.reduce((sum, s) => sum + encoder.encode(s).length + 1, 0);
    this.guest.setU32(countAt, strings.length);
    this.guest.setU32(bytesAt, bytes);
    return ERRNO.SUCCESS;
  }

  /** The strings NUL-terminated one after the other at `bufferAt`, their addresses at `pointersAt`. */
  private strings(strings: readonly string[], pointersAt: number, bufferAt: number): number {
    const guest = this.guest;
    let at = bufferAt;
    strings.forEach((s, i) => {
      const bytes = encoder.encode(`${s}\0`);
      guest.setU32(pointersAt + 4 * i, at);
      guest.write(at, bytes);
      at += bytes.length;
    });
    return ERRNO.SUCCESS;
  }

  private clockRes(id: number, resultAt: number): number {
    if (id >= CLOCK_IDS) return ERRNO.INVAL;
    this.guest.setU64(resultAt, CLOCK_STEP_NS);
    return ERRNO.SUCCESS;
  }

  private clockTime(id: number, resultAt: number): number {
    if (id >= CLOCK_IDS) return ERRNO.INVAL;
    this.clockReadings++;
    const start = id === CLOCK_REALTIME ? REALTIME_START_NS : 0n;
    this.guest.setU64(resultAt, start + this.clockReadings * CLOCK_STEP_NS);
    return ERRNO.SUCCESS;
  }

  private randomGet(bufferAt: number, length: number): number {
    const guest = this.guest;
    guest.assertInside(bufferAt, length);
    guest.write(bufferAt, this.random.take(length));
    return ERRNO.SUCCESS;
  }

  private fdWrite(fd: number, iovs: number, count: number, writtenAt: number): number {
    const d = this.fds.get(fd);
    if (d === undefined) return ERRNO.BADF;
    if (d.kind !== "output") return ERRNO.NOTCAPABLE;
    const guest = this.guest;
    let total = 0;
    for (const { address, length } of guest.iovecs(iovs, count)) {
      this.written[d.stream].push(guest.read(address, length));
      total += length;
    }
    guest.setU32(writtenAt, total);
    return ERRNO.SUCCESS;
  }

  /** fd_read (`at` null: from the position, which advances) and fd_pread (at offset `at`). */
  private fdRead(fd: number, iovs: number, count: number, at: bigint | null, readAt: number): number {
    const d = this.fds.get(fd);
    if (d === undefined) return ERRNO.BADF;
    if (d.kind === "directory") return ERRNO.ISDIR;
    if (d.kind === "output") return ERRNO.NOTCAPABLE;
    if (d.kind === "stdin" && at !== null) return ERRNO.SPIPE;
    const source = d.kind === "stdin" ? this.world.stdin : d.bytes;
    const start = at ?? BigInt(d.position);
    const guest = this.guest;
    let offset = start > BigInt(source.length) ? source.length : Number(start);
    for (const { address, length } of guest.iovecs(iovs, count)) {
      const chunk = source.subarray(offset, offset + length);
      guest.write(address, chunk);
      offset += chunk.length;
      if (chunk.length < length) break;
    }
    const read = offset - Math.min(Number(start), source.length);
    if (at === null) {
      if (d.kind === "stdin") d.position = offset;
      else d.position += BigInt(read);
    }
    guest.setU32(readAt, read);
    return ERRNO.SUCCESS;
  }

  private fdSeek(fd: number, delta: bigint, whence: number, resultAt: number): number {
    const d = this.fds.get(fd);
    if (d === undefined) return ERRNO.BADF;
    if (d.kind === "directory") return ERRNO.ISDIR;
    if (d.kind !== "file") return ERRNO.SPIPE;
    const bases: Record<number, bigint> = {
      [WHENCE.SET]: 0n,
      [WHENCE.CUR]: d.position,
      [WHENCE.END]: BigInt(d.bytes.length),
    };
    const base = bases[whence];
    if (base === undefined) return ERRNO.INVAL;
    const position = base + delta;
    if (position < 0n) return ERRNO.INVAL;
    if (position >= 1n << 63n) return ERRNO.OVERFLOW;
    this.guest.setU64(resultAt, position);
    d.position = position;
    return ERRNO.SUCCESS;
  }

  private fdstat(fd: number, resultAt: number): number {
    const d = this.fds.get(fd);
    if (d === undefined) return ERRNO.BADF;
    const stat = new DataView(new ArrayBuffer(FDSTAT_BYTES));
    const [filetype, base, inheriting] = FDSTATS[d.kind];
    stat.setUint8(0, filetype);
    stat.setUint16(2, d.flags, true);
    stat.setBigUint64(8, base, true);
    stat.setBigUint64(16, inheriting, true);
    this.guest.write(resultAt, new Uint8Array(stat.buffer));
    return ERRNO.SUCCESS;
  }

  /** Nonblocking is accepted (nothing here blocks); flags about writing only where writing is possible. */
  private setFdflags(fd: number, flags: number): number {
    const d = this.fds.get(fd);
    if (d === undefined) return ERRNO.BADF;
    if ((flags & ~FDFLAGS_ALL) !== 0) return ERRNO.INVAL;
    if (d.kind !== "output" && (flags & WRITE_FDFLAGS) !== 0) return ERRNO.NOTCAPABLE;
    d.flags = flags;
    return ERRNO.SUCCESS;
  }

  private fdFilestat(fd: number, resultAt: number): number {
    const d = this.fds.get(fd);
    if (d === undefined) return ERRNO.BADF;
    const [filetype, size] =
      d.kind === "file"
        ? [FILETYPE.REGULAR_FILE, BigInt(d.bytes.length)]
        : d.kind === "directory"
          ? [FILETYPE.DIRECTORY, 0n]
          : [FILETYPE.CHARACTER_DEVICE, 0n];
    this.guest.write(resultAt, filestat(filetype, size));
    return ERRNO.SUCCESS;
  }

  private preopenName(fd: number): Uint8Array | null {
    const d = this.fds.get(fd);
    return d?.kind === "directory" ? d.preopen : null;
  }

  private prestat(fd: number, resultAt: number): number {
    const name = this.preopenName(fd);
    if (name === null) return ERRNO.BADF;
    const prestat = new DataView(new ArrayBuffer(8));
    prestat.setUint32(4, name.length, true); // tag 0: a directory
    this.guest.write(resultAt, new Uint8Array(prestat.buffer));
    return ERRNO.SUCCESS;
  }

  private prestatDirName(fd: number, bufferAt: number, length: number): number {
    const name = this.preopenName(fd);
    if (name === null) return ERRNO.BADF;
    if (length < name.length) return ERRNO.NAMETOOLONG;
    this.guest.write(bufferAt, name);
    return ERRNO.SUCCESS;
  }

  /** Entries from index `cookie` on, each a dirent and its name; the last one may be cut short. */
  private readdir(fd: number, bufferAt: number, length: number, cookie: bigint, usedAt: number): number {
    const d = this.fds.get(fd);
    if (d === undefined) return ERRNO.BADF;
    if (d.kind !== "directory") return ERRNO.NOTDIR;
    const entries = d.entries ?? hostRead(() => listDirectory(d.place));
    if (typeof entries === "number") return entries;
    d.entries = entries;
    const out = new Uint8Array(length);
    let used = 0;
    const first = cookie < BigInt(entries.length) ? Number(cookie) : entries.length;
    for (let i = first; i < entries.length && used < length; i++) {
      const { name, filetype } = entries[i]!;
      const dirent = new DataView(new ArrayBuffer(DIRENT_BYTES + name.length));
      dirent.setBigUint64(0, BigInt(i + 1), true);
      dirent.setUint32(16, name.length, true);
      dirent.setUint8(20, filetype);
      const bytes = new Uint8Array(dirent.buffer);
      bytes.set(name, DIRENT_BYTES);
      const fitting = bytes.subarray(0, length - used);
      out.set(fitting, used);
      used += fitting.length;
    }
    const guest = this.guest;
    guest.write(bufferAt, out.subarray(0, used));
    guest.setU32(usedAt, used);
    return ERRNO.SUCCESS;
  }

  private pathOpen(
    dirFd: number,
    lookupFlags: number,
    pathAt: number,
    pathLength: number,
    oflags: number,
    rightsBase: bigint,
    fdflags: number,
    resultAt: number,
  ): number {
    const d = this.fds.get(dirFd);
    if (d === undefined) return ERRNO.BADF;
    if (d.kind !== "directory") return ERRNO.NOTDIR;
    const guestPath = this.guest.string(pathAt, pathLength);
    if (guestPath === null) return ERRNO.ILSEQ;
    if ((fdflags & ~FDFLAGS_ALL) !== 0) return ERRNO.INVAL;
    if ((oflags & (OFLAGS.CREAT | OFLAGS.TRUNC)) !== 0 || (rightsBase & WRITE_RIGHTS) !== 0n) {
      return ERRNO.NOTCAPABLE;
    }
    const found = resolve(d.place, guestPath, (lookupFlags & LOOKUP_SYMLINK_FOLLOW) !== 0);
    if (!found.ok) return found.errno;
    if (found.kind === "symlink") return ERRNO.LOOP;
    if (found.kind === "other") return ERRNO.ACCES;
    if ((oflags & OFLAGS.DIRECTORY) !== 0 && found.kind !== "directory") return ERRNO.NOTDIR;
    let opened: Descriptor;
    if (found.kind === "directory") {
      opened = { kind: "directory", place: found.place, preopen: null, entries: null, flags: fdflags };
    } else {
      const bytes = hostRead(() => readFileAt(found.place));
      if (typeof bytes === "number") return bytes;
      opened = { kind: "file", bytes, position: 0n, flags: fdflags };
    }
    const fd = this.lowestFreeFd();
    this.guest.setU32(resultAt, fd);
    this.fds.set(fd, opened);
    return ERRNO.SUCCESS;
  }

  private pathFilestat(
    dirFd: number,
    lookupFlags: number,
    pathAt: number,
    pathLength: number,
    resultAt: number,
  ): number {
    const d = this.fds.get(dirFd);
    if (d === undefined) return ERRNO.BADF;
    if (d.kind !== "directory") return ERRNO.NOTDIR;
    const guestPath = this.guest.string(pathAt, pathLength);
    if (guestPath === null) return ERRNO.ILSEQ;
    const found = resolve(d.place, guestPath, (lookupFlags & LOOKUP_SYMLINK_FOLLOW) !== 0);
    if (!found.ok) return found.errno;
    const size = hostRead(() => sizeAt(found.place, found.kind));
    if (typeof size === "number") return size;
    this.guest.write(resultAt, filestat(filetypeOf(found.kind), size));
    return ERRNO.SUCCESS;
  }

  private lowestFreeFd(): number {
    let fd = 0;
    while (this.fds.has(fd)) fd++;
    return fd;
  }
}

/** What fd_fdstat_get reports by kind of descriptor: file type, base rights, inheriting rights. */
const FDSTATS: Readonly<Record<Descriptor["kind"], readonly [number, bigint, bigint]>> = {
  stdin: [FILETYPE.CHARACTER_DEVICE, RIGHTS.stdin, 0n],
  output: [FILETYPE.CHARACTER_DEVICE, RIGHTS.output, 0n],
  file: [FILETYPE.REGULAR_FILE, RIGHTS.file, 0n],
  directory: [FILETYPE.DIRECTORY, RIGHTS.directory, DIRECTORY_INHERITING],
};

/** A filestat: only the type and the size vary; device, inode and times read 0, links 1. */
function filestat(filetype: number, size: bigint): Uint8Array {
  const stat = new DataView(new ArrayBuffer(FILESTAT_BYTES));
  stat.setUint8(16, filetype);
  stat.setBigUint64(24, 1n, true);
  stat.setBigUint64(32, size, true);
  return new Uint8Array(stat.buffer);
}

/** A read of the host's file system; one that fails (permissions, a file gone meanwhile) gives ACCES. */
function hostRead<T>(read: () => T): T | number {
  try {
    return read();
  } catch {
    return ERRNO.ACCES;
  }
}

/** Linear memory with bounds: anything outside it throws OutsideMemory (FAULT). */
class Guest {
  constructor(private readonly memory: LinearMemory) {}

  read(address: number, length: number): Uint8Array {
    this.assertInside(address, length);
    return this.memory.read(address, length);
  }

  write(address: number, bytes: Uint8Array): void {
    this.assertInside(address, bytes.length);
    if (bytes.length > 0) this.memory.write(address, bytes);
  }

  setU32(address: number, value: number): void {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value, true);
    this.write(address, bytes);
  }

  setU64(address: number, value: bigint): void {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, value, true);
    this.write(address, bytes);
  }

  /** UTF-8 text, or null when the bytes are not UTF-8. */
  string(address: number, length: number): string | null {
    try {
      return decoder.decode(this.read(address, length));
    } catch (error) {
      if (error instanceof TypeError) return null;
      throw error;
    }
  }

  /** An array of `count` (address, length) pairs: WASI's iovec and ciovec. */
  iovecs(at: number, count: number): { address: number; length: number }[] {
    const view = new DataView(this.read(at, count * IOVEC_BYTES).buffer);
    return Array.from({ length: count }, (_, i) => ({
      address: view.getUint32(i * IOVEC_BYTES, true),
      length: view.getUint32(i * IOVEC_BYTES + 4, true),
    }));
  }

  assertInside(address: number, length: number): void {
    if (address + length > this.memory.size()) throw new OutsideMemory();
  }
}

/** `random_get`'s bytes: SHA-256 of "random_get <seed> <k>", k = 0, 1, …, one stream across calls. */
class RandomStream {
  private block = 0;
  private pending = new Uint8Array(0);

  constructor(private readonly seed: number) {}

  take(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let filled = 0; filled < length; ) {
      if (this.pending.length === 0) {
        this.pending = createHash("sha256")
          .update(`random_get ${this.seed} ${this.block++}`)
          .digest();
      }
      const chunk = this.pending.subarray(0, length - filled);
      out.set(chunk, filled);
      filled += chunk.length;
      this.pending = this.pending.subarray(chunk.length);
    }
    return out;
  }
}
