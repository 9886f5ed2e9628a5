// Golden disassembly: for corpus cases that show the ISA differences best, the annotated listing
// of each target under each strategy — what `samestack compile <case> --target t --strategy s
// --disasm` prints — is kept in test/compiler/golden/<case>.<target>.<strategy>.txt,
// after two `;;` lines naming that command and how to regenerate the file.
// A difference fails with a diff; `BLESS=1` (re)writes the files instead. A missing file always
// fails without BLESS: golden files are never created silently.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Executors } from "../../emulators/executor.js";
import { loadModuleFile } from "../../src/cli/load-module.js";
import { STRATEGIES, TARGETS } from "../../src/compiler/target.js";
import { DEFAULT_LIMITER_OPTIONS, limitModule } from "../../src/logical/limited.js";
import { annotatedDisassembly } from "../../src/verify/listing.js";
import { WASM_2_0 } from "../../src/wasm/features.js";

const CASES = [
  // 9 arguments: native reserves 3 stack slots on x64, 1 on aarch64; intersect 3 on both (padding on aarch64)
  "writeup-9-args",
  // push rbp vs stp x29, x30; aarch64's native leaf omits the frame record, intersect keeps it
  "leaf-vs-nonleaf",
  // the same call sequence through the table
  "call-indirect-9-args",
  // floats as raw 64-bit slots: passed in integer registers, moved to xmm/d registers to compute
  "float-recursion",
  // host calls with 9 and 17 arguments, leaving through the exit slots
  "imports-many-args",
  // several results: native's struct return through rdi (arguments shift) or x8, else two registers
  // and the result area at a fixed place; a block with params
  "multi-value-calls",
] as const;

const BLESS = process.env.BLESS === "1";
const HINT = "BLESS=1 npx vitest run test/compiler/golden.test.ts";
const GOLDEN = fileURLToPath(new URL("golden/", import.meta.url));
const CORPUS = fileURLToPath(new URL("../../corpus/", import.meta.url));

const executors = new Executors();

const written = { files: 0, changed: 0 };
afterAll(() => {
  if (BLESS)
    console.info(
      `golden: wrote ${written.files} files in test/compiler/golden/ (${written.changed} changed)`,
    );
});

describe.each(CASES)("golden disassembly of corpus/%s.wat", (name) => {
  it.each(TARGETS.flatMap((target) => STRATEGIES.map((strategy) => [target, strategy] as const)))(
    "%s, %s",
    async (target, strategy) => {
      const given = await loadModuleFile(`${CORPUS}${name}.wat`, WASM_2_0);
      // Under `logical` the compiler is given the limiter's output, as `samestack compile` does.
      const loaded =
        strategy === "logical" ? limitModule(given.validated, DEFAULT_LIMITER_OPTIONS).instrumented : given;
      const artifact = executors.compile(loaded, target, strategy);
      const actual =
        `;; samestack compile corpus/${name}.wat --target ${target} --strategy ${strategy} --disasm\n` +
        `;; regenerate: ${HINT}\n` +
        annotatedDisassembly(loaded.validated, artifact);
      const file = `${name}.${target}.${strategy}.txt`;
      const path = `${GOLDEN}${file}`;
      const expected = existsSync(path) ? readFileSync(path, "utf8") : null;
      if (BLESS) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(path, actual);
        written.files++;
        if (actual !== expected) written.changed++;
        return;
      }
      if (expected === null) {
        expect.fail(`missing golden file test/compiler/golden/${file}; create it with\n  ${HINT}`);
      }
      if (actual !== expected) {
        expect.fail(
          `test/compiler/golden/${file} differs from the listing (- golden, + now):\n` +
            `${firstHunks(expected, actual)}\nif the change is intended, regenerate with\n  ${HINT}`,
        );
      }
    },
  );
});

it("keeps no golden file without a case", () => {
  const expected = new Set(
    CASES.flatMap((name) =>
      TARGETS.flatMap((target) => STRATEGIES.map((strategy) => `${name}.${target}.${strategy}.txt`)),
    ),
  );
  const stale = (existsSync(GOLDEN) ? readdirSync(GOLDEN) : []).filter((file) => !expected.has(file));
  if (BLESS) for (const file of stale) rmSync(`${GOLDEN}${file}`);
  else expect(stale, `stale golden files; remove them with\n  ${HINT}`).toEqual([]);
});

/** Unchanged lines shown around each change, and most diff lines shown in all. */
const CONTEXT = 3;
const SHOWN = 40;

type Edit = { readonly mark: " " | "-" | "+"; readonly line: string; readonly a: number; readonly b: number };

/**
 * A unified diff (`-` golden, `+` now) of the first hunks, cut after SHOWN lines. Lines are matched
 * by a longest common subsequence, so an instruction that changed shows as one `-`/`+` pair even
 * when the lines around it are unchanged.
 */
function firstHunks(expected: string, actual: string): string {
  const edits = lineDiff(expected.split("\n"), actual.split("\n"));
  const out: string[] = [];
  let i = edits.findIndex((edit) => edit.mark !== " ");
  while (i !== -1 && out.length < SHOWN) {
    // A hunk runs from CONTEXT lines before its first change to CONTEXT lines after its last one,
    // taking in changes closer together than 2·CONTEXT unchanged lines.
    const start = Math.max(0, i - CONTEXT);
    let end = i;
    for (let j = i; j < edits.length && j - end <= 2 * CONTEXT; j++) if (edits[j]!.mark !== " ") end = j;
    end = Math.min(edits.length, end + CONTEXT + 1);
    const hunk = edits.slice(start, end);
    const count = (mark: string) => hunk.filter((edit) => edit.mark === " " || edit.mark === mark).length;
    out.push(`@@ -${hunk[0]!.a + 1},${count("-")} +${hunk[0]!.b + 1},${count("+")} @@`);
    out.push(...hunk.map((edit) => `${edit.mark}${edit.line}`));
    const next = edits.slice(end).findIndex((edit) => edit.mark !== " ");
    i = next === -1 ? -1 : end + next;
  }
  const shown = out.slice(0, SHOWN);
  const changed = edits.filter((edit) => edit.mark !== " ").length;
  const shownChanges = shown.filter((line) => line[0] === "-" || line[0] === "+").length;
  if (changed > shownChanges) shown.push(`… ${changed - shownChanges} more changed lines`);
  return shown.join("\n");
}

/** The edit script from `a` to `b`: common prefix and suffix kept, the middle by dynamic programming. */
function lineDiff(a: readonly string[], b: readonly string[]): Edit[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  )
    suffix++;
  const n = a.length - prefix - suffix;
  const m = b.length - prefix - suffix;
  // lcs[i * (m + 1) + j]: longest common subsequence of a's and b's middles from i and j on.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        a[prefix + i] === b[prefix + j]
          ? lcs[(i + 1) * (m + 1) + j + 1]! + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
    }
  }
  const edits: Edit[] = [];
  for (let k = 0; k < prefix; k++) edits.push({ mark: " ", line: a[k]!, a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const ai = prefix + i;
    const bj = prefix + j;
    if (i < n && j < m && a[ai] === b[bj]) {
      edits.push({ mark: " ", line: a[ai]!, a: ai, b: bj });
      i++;
      j++;
    } else if (j === m || (i < n && lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) {
      edits.push({ mark: "-", line: a[ai]!, a: ai, b: bj });
      i++;
    } else {
      edits.push({ mark: "+", line: b[bj]!, a: ai, b: bj });
      j++;
    }
  }
  for (let k = 0; k < suffix; k++) {
    const ai = a.length - suffix + k;
    edits.push({ mark: " ", line: a[ai]!, a: ai, b: b.length - suffix + k });
  }
  return edits;
}
