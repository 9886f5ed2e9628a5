// The WASI host's read-only preopened folders: a guest path resolved inside one preopen and never
// outside it, and what a program may read there, taken from the host's file system when it opens it.
//
// Invariants:
// - a resolved place is a list of components below the preopen's root, none of them "", "." or "..",
//   so the host path it names is always under the root. A path is resolved below the folder of the
//   descriptor it is relative to, as a capability: `..` above that folder, an absolute path and a
//   symbolic link whose target is absolute are refused with NOTCAPABLE; a relative link is followed
//   component by component, under the same rule (at most MAX_SYMLINKS links per path, else LOOP);
// - what is read is fixed at open: a file's bytes, a folder's entries (sorted by their UTF-8 bytes,
//   after "." and ".."), so the program sees one state however the host's files change meanwhile;
// - what differs between machines is never shown: inode numbers, device numbers and times read as 0,
//   a folder's size as 0, every link count as 1.
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats, statSync } from "node:fs";
import path from "node:path";
import { ERRNO, FILETYPE } from "./wasi-abi.js";

/** A host folder the program sees under the guest path `guest` (`--dir HOST::GUEST`). */
export interface Preopen {
  /** Absolute host path. */
  readonly host: string;
  readonly guest: string;
}

const MAX_SYMLINKS = 32;

/** A file or folder inside a preopen. */
export interface Place {
  readonly root: string;
  /** Below the root; never "", "." or "..". */
  readonly components: readonly string[];
}

export type Resolution =
  | { readonly ok: true; readonly place: Place; readonly kind: EntryKind }
  | { readonly ok: false; readonly errno: number };

export type EntryKind = "file" | "directory" | "symlink" | "other";

export function hostPathOf(place: Place): string {
  return path.join(place.root, ...place.components);
}

/**
 * Resolves `guestPath` below folder `from`. A symbolic link as the last component is followed only
 * with `followLast`; unfollowed, its kind is "symlink".
 */
export function resolve(from: Place, guestPath: string, followLast: boolean): Resolution {
  if (guestPath === "") return { ok: false, errno: ERRNO.NOENT };
  if (guestPath.includes("\0")) return { ok: false, errno: ERRNO.INVAL };
  if (guestPath.startsWith("/")) return { ok: false, errno: ERRNO.NOTCAPABLE };
  const done: string[] = [];
  const todo = guestPath.split("/");
  let links = 0;
  let kind: EntryKind = "directory";
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (done.length === 0) return { ok: false, errno: ERRNO.NOTCAPABLE };
      done.pop();
      kind = "directory";
      continue;
    }
    const hostPath = path.join(from.root, ...from.components, ...done, part);
    const info = lstatOrNull(hostPath);
    if (info === null) return { ok: false, errno: ERRNO.NOENT };
    const last = todo.length === 0;
    if (info.isSymbolicLink() && (!last || followLast)) {
      if (++links > MAX_SYMLINKS) return { ok: false, errno: ERRNO.LOOP };
      const target = readlinkSync(hostPath);
      if (path.isAbsolute(target)) return { ok: false, errno: ERRNO.NOTCAPABLE };
      todo.unshift(...target.split("/"));
      continue;
    }
    kind = kindOf(info);
    if (!last && kind !== "directory") return { ok: false, errno: ERRNO.NOTDIR };
    done.push(part);
  }
  return { ok: true, place: { root: from.root, components: [...from.components, ...done] }, kind };
}

function lstatOrNull(hostPath: string): Stats | null {
  try {
    return lstatSync(hostPath);
  } catch {
    return null;
  }
}

function kindOf(info: Stats): EntryKind {
  if (info.isDirectory()) return "directory";
  if (info.isFile()) return "file";
  if (info.isSymbolicLink()) return "symlink";
  return "other";
}

export function filetypeOf(kind: EntryKind): number {
  switch (kind) {
    case "directory":
      return FILETYPE.DIRECTORY;
    case "file":
      return FILETYPE.REGULAR_FILE;
    case "symlink":
      return FILETYPE.SYMBOLIC_LINK;
    case "other":
      return FILETYPE.UNKNOWN;
  }
}

/** A file's bytes as they are now. */
export function readFileAt(place: Place): Uint8Array {
  return readFileSync(hostPathOf(place));
}

/** The size `path_filestat_get` reports: a file's length (without reading it), 0 for anything else. */
export function sizeAt(place: Place, kind: EntryKind): bigint {
  return kind === "file" ? BigInt(statSync(hostPathOf(place)).size) : 0n;
}

export interface DirectoryEntry {
  readonly name: Uint8Array;
  readonly filetype: number;
}

const encoder = new TextEncoder();

/** A folder's entries as they are now: ".", "..", then the rest by the UTF-8 bytes of their names. */
export function listDirectory(place: Place): DirectoryEntry[] {
  const entries = readdirSync(hostPathOf(place), { withFileTypes: true }).map((entry) => ({
    name: encoder.encode(entry.name),
    filetype: filetypeOf(
      entry.isDirectory()
        ? "directory"
        : entry.isFile()
          ? "file"
          : entry.isSymbolicLink()
            ? "symlink"
            : "other",
    ),
  }));
  entries.sort((a, b) => Buffer.compare(a.name, b.name));
  const dot = (name: string) => ({ name: encoder.encode(name), filetype: FILETYPE.DIRECTORY });
  return [dot("."), dot(".."), ...entries];
}
