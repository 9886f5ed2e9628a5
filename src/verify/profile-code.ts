// The native stack profiler's tables for an Artifact (emulators/native/profile.h): per code byte, how
// far SP is below its function's reference (the unwind records), what record point starts there (the
// same classification the JS tracer uses, trace.ts), and where SP must be aligned.

import { PROFILE_NO_FRAME, PROFILE_POINT, type ProfileCode } from "../../emulators/unicorn/stack-profile.js";
import { ABI } from "../compiler/abi.js";
import type { Artifact } from "../compiler/artifact.js";
import type { WasmLocation } from "../wasm/outcome.js";
import { type RecordPoint, recordPoints } from "./trace.js";

/** The tables, and the locations their ids stand for. */
export interface ArtifactProfileCode extends ProfileCode {
  readonly locations: readonly WasmLocation[];
}

const cache = new WeakMap<Artifact, ArtifactProfileCode>();

export function profileCode(artifact: Artifact): ArtifactProfileCode {
  const cached = cache.get(artifact);
  if (cached) return cached;
  const size = artifact.code.length;
  const rel = new Int32Array(size).fill(PROFILE_NO_FRAME);
  const kinds = new Uint8Array(size);
  const locs = new Int32Array(size).fill(-1);
  const checks = new Int32Array(size).fill(-1);

  // Each function's bytes run from its entry to the next function's.
  const starts = artifact.entries
    .flatMap((offset, funcIndex) => (funcIndex < artifact.imports.length ? [] : [{ offset, funcIndex }]))
    .sort((a, b) => a.offset - b.offset);
  starts.forEach(({ offset, funcIndex }, i) => {
    const end = starts[i + 1]?.offset ?? size;
    const records = artifact.unwind[funcIndex] ?? [];
    records.forEach((record, j) => {
      const from = Math.max(record.offset, offset);
      const to = Math.min(records[j + 1]?.offset ?? end, end);
      if (from < to) rel.fill(record.spBelowReference, from, to);
    });
  });

  const locations: WasmLocation[] = [];
  const ids = new Map<string, number>();
  const idOf = (location: WasmLocation | null): number => {
    if (location === null) return -1;
    const key = `${location.funcIndex}:${location.instrIndex}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = locations.push(location) - 1;
      ids.set(key, id);
    }
    return id;
  };
  for (const [offset, point] of recordPoints(artifact)) {
    if (offset >= size) continue; // an import's exit: the runner reports host calls itself
    kinds[offset] = POINT_KINDS[point.kind];
    locs[offset] = idOf(pointLocation(point));
    if (point.kind === "prologue") checks[offset] = point.limitCheckBytes ?? -1;
  }
  for (const entry of artifact.sourceMap) {
    if (entry.kind === "instr") kinds[entry.start] = (kinds[entry.start] ?? 0) | PROFILE_POINT.align;
  }
  const keys = BigUint64Array.from(
    locations,
    (location) => (BigInt(location.funcIndex) << 32n) | BigInt(location.instrIndex),
  );
  const code = {
    rel,
    kinds,
    locs,
    checks,
    keys,
    returnAddressBytes: ABI[artifact.target].returnAddressBytes,
    locations,
  };
  cache.set(artifact, code);
  return code;
}

const POINT_KINDS: Record<RecordPoint["kind"], number> = {
  instr: PROFILE_POINT.instr,
  prologue: PROFILE_POINT.prologue,
  return: PROFILE_POINT.return,
};

/** The instruction a point starts, if any. */
function pointLocation(point: RecordPoint): WasmLocation | null {
  switch (point.kind) {
    case "instr":
      return point.location;
    case "prologue":
      return point.firstInstruction;
    case "return":
      return point.next;
  }
}
