// Where a report came from: samestack's version and git commit, and the versions of what it ran on
// (Node/V8, and the Unicorn and Capstone libraries as the loaded ones report themselves through koffi).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import koffi from "koffi";
import { uc } from "../../emulators/native/bindings.js";
import { packageRoot } from "../verify/files.js";

export interface Tool {
  readonly name: "samestack";
  readonly version: string;
  /** null outside a git checkout. */
  readonly commit: string | null;
  /** Whether the checkout had uncommitted changes; null outside a git checkout. */
  readonly dirty: boolean | null;
}

export interface Environment {
  readonly node: string;
  readonly v8: string;
  readonly unicorn: string;
  readonly capstone: string;
  readonly platform: string;
}

export function tool(): Tool {
  const root = packageRoot();
  const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    version: string;
  };
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    return {
      name: "samestack",
      version,
      commit: git("rev-parse", "HEAD"),
      dirty: git("status", "--porcelain") !== "",
    };
  } catch {
    return { name: "samestack", version, commit: null, dirty: null };
  }
}

export function environment(): Environment {
  return {
    node: process.versions.node,
    v8: process.versions.v8,
    unicorn: unicornVersion(),
    capstone: capstoneVersion(),
    platform: `${process.platform}-${process.arch}`,
  };
}

/** The loaded Unicorn's `uc_version`, which packs major, minor and patch into the top three bytes. */
function unicornVersion(): string {
  const packed = uc.version(null, null) >>> 0;
  return `${packed >>> 24}.${(packed >>> 16) & 0xff}.${(packed >>> 8) & 0xff}`;
}

/** `cs_version` packs major and minor (Capstone does not report its patch level). */
function capstoneVersion(): string {
  const csVersion = koffi.load("libcapstone.so.4").func("int cs_version(int *major, int *minor)");
  const packed = csVersion(null, null) as number;
  return `${packed >>> 8}.${packed & 0xff}`;
}
