// The certificate of a module under the `logical` strategy, per target: the native stack above which
// the logical limit L always trips before the machine stack runs out, on every path of the code.
//
// Every active frame of the instrumented code was entered through a guarded call or a thunk, each of
// which raised the height by the callee's cost c(f) before the callee's frame existed, and a call
// that would take the height above L traps first. A frame uses at most its function's deepest depth
// below its reference (the static verifier's, from the machine code: frame record or return address,
// saved registers, locals, operand stack, the outgoing argument area at its calls, padding). A thunk
// reached through a table (call_indirect: any number of them can be active) sits above its callee's
// frame and is charged to the same cost; a thunk the host enters (an export, the start function) is
// the outermost frame, once. So with
//
//   a(f) = deepest(f), plus deepest(thunk of f) when a table can reach that thunk
//   k    = max over f of a(f) / c(f)                        (bytes per logical unit)
//   c    = deepest(any thunk the host enters)                (the outermost frame, uncharged)
//        + max(deepest(any thunk), the host's entry into an import)
//                                                           (the innermost: a thunk whose call has
//                                                            not raised the height yet, a host call)
//
// the depth at every point is at most k·height + c ≤ k·L + c, and S = k·L + c rounded up to 16 bytes
// is a native limit at which no native overflow can happen before the logical one.
import { HOST_CALLEE, planFrame } from "../compiler/frame.js";
import type { Target } from "../compiler/target.js";
import { ACTIVATION_FRAME_COST, type Instrumentation, stackCosts, type Thunk } from "../instrument/index.js";
import type { StaticReport } from "../verify/static.js";
import { InternalError } from "../wasm/errors.js";
import type { ValidatedModule } from "../wasm/ir.js";

/** Polkadot's consistency rule: native stack ≥ this many bytes × the logical limit. */
export const POLKADOT_BYTES_PER_UNIT = 128;

/** One function's activation on one target, against its logical cost. */
export interface ActivationOnTarget {
  readonly target: Target;
  /** Deepest bytes below its reference its own code reaches (static verifier; for an import, the host's entry). */
  readonly frameBytes: number;
  /** Deepest bytes of its thunk's own code, when a table can reach the thunk; null otherwise. */
  readonly thunkBytes: number | null;
  /** frameBytes + thunkBytes: what one activation can hold on the stack. */
  readonly activationBytes: number;
  readonly bytesPerUnit: number;
}

export interface FunctionCertificate {
  readonly funcIndex: number;
  /** What a call of it (or its thunk) adds to the height. */
  readonly cost: number;
  /** The cost under the other parameter rule (with parameters when they are not counted, and back). */
  readonly otherCost: number;
  readonly perTarget: readonly ActivationOnTarget[];
}

export interface TargetCertificate {
  readonly target: Target;
  /** Largest bytes per logical unit over all functions. */
  readonly k: number;
  /** The function k comes from; null when the module has no function that costs anything. */
  readonly worstFunction: number | null;
  /** Entry and host-call bytes no cost pays for. */
  readonly c: number;
  /** k·L + c rounded up to 16: the smallest native stack certified to let the logical limit trip first. */
  readonly S: number;
  /** Polkadot's rule on this target: 128 bytes per unit covers S (128·L ≥ S). */
  readonly rule128: { readonly holds: boolean; readonly marginBytes: number };
  /** k and S under the other parameter rule (the activations are the same code). */
  readonly other: { readonly k: number; readonly S: number; readonly rule128Holds: boolean };
}

export interface Certificate {
  readonly logicalLimit: number;
  readonly countParams: boolean;
  readonly thunkZeroCost: boolean;
  readonly functions: readonly FunctionCertificate[];
  readonly targets: readonly TargetCertificate[];
}

/**
 * The certificate from the static reports of the instrumented module's artifacts (one per target,
 * in the order the certificate lists them).
 */
export function certify(
  original: ValidatedModule,
  instrumentation: Instrumentation,
  reports: readonly StaticReport[],
): Certificate {
  const { limit, countParams, thunkZeroCost } = instrumentation.options;
  const imported = original.funcTypes.length - original.module.bodies.length;
  const otherCosts = stackCosts(original, !countParams);
  const otherImportCharge = (funcIndex: number) =>
    ACTIVATION_FRAME_COST + (!countParams ? original.funcTypes[funcIndex]!.params.length : 0);
  const thunkOf = new Map(instrumentation.thunks.map((thunk) => [thunk.callee, thunk]));
  // The host enters a thunk through an export or the start section: once, as the outermost frame. A
  // table (any function reference) may hold it too: then as often as call_indirects are active.
  const byHost = (thunk: Thunk) => thunk.entries.some((e) => e.kind === "export" || e.kind === "start");
  const inTables = (thunk: Thunk) => thunk.entries.some((e) => e.kind !== "export" && e.kind !== "start");
  const hostEntered = instrumentation.thunks.filter(byHost);
  const hasImports = imported > 0;

  const deepest = (report: StaticReport, funcIndex: number) => {
    const found = report.functions.find((f) => f.funcIndex === funcIndex);
    if (found === undefined) throw new InternalError(`no static report of f${funcIndex} on ${report.target}`);
    return found.frameBytes;
  };
  const hostEntry = (target: Target) =>
    hasImports ? planFrame(target, "logical", HOST_CALLEE).entryBytes : 0;

  const functions: FunctionCertificate[] = [];
  for (let funcIndex = 0; funcIndex < original.funcTypes.length; funcIndex++) {
    const thunk = thunkOf.get(funcIndex);
    const isImport = funcIndex < imported;
    // An import costs something only through a thunk (thunkZeroCost): its charge.
    if (isImport && thunk === undefined) continue;
    const cost = isImport ? thunk!.charge : instrumentation.costs[funcIndex]!;
    const otherCost = isImport ? otherImportCharge(funcIndex) : otherCosts[funcIndex]!;
    const perTarget = reports.map((report): ActivationOnTarget => {
      const frameBytes = isImport ? hostEntry(report.target) : deepest(report, funcIndex);
      const thunkBytes = thunk && inTables(thunk) ? deepest(report, thunk.funcIndex) : null;
      const activationBytes = frameBytes + (thunkBytes ?? 0);
      return {
        target: report.target,
        frameBytes,
        thunkBytes,
        activationBytes,
        bytesPerUnit: activationBytes / cost,
      };
    });
    functions.push({ funcIndex, cost, otherCost, perTarget });
  }

  const targets = reports.map((report, i): TargetCertificate => {
    const thunkBytes = instrumentation.thunks.map((thunk) => deepest(report, thunk.funcIndex));
    const outermost = Math.max(0, ...hostEntered.map((thunk) => deepest(report, thunk.funcIndex)));
    const c = outermost + Math.max(0, hostEntry(report.target), ...thunkBytes);
    const bound = (costOf: (f: FunctionCertificate) => number) => {
      let k = 0;
      let worst: number | null = null;
      let reach = 0;
      for (const f of functions) {
        const { activationBytes } = f.perTarget[i]!;
        const cost = costOf(f);
        if (cost <= 0) continue;
        if (worst === null || activationBytes / cost > k) {
          k = activationBytes / cost;
          worst = f.funcIndex;
        }
        reach = Math.max(reach, Math.ceil((activationBytes * limit) / cost));
      }
      const S = alignUp16(reach + c);
      return { k, worst, S, rule128Holds: S <= POLKADOT_BYTES_PER_UNIT * limit };
    };
    const own = bound((f) => f.cost);
    const other = bound((f) => f.otherCost);
    return {
      target: report.target,
      k: own.k,
      worstFunction: own.worst,
      c,
      S: own.S,
      rule128: { holds: own.rule128Holds, marginBytes: POLKADOT_BYTES_PER_UNIT * limit - own.S },
      other: { k: other.k, S: other.S, rule128Holds: other.rule128Holds },
    };
  });
  return { logicalLimit: limit, countParams, thunkZeroCost, functions, targets };
}

/** The largest S over the targets: at or above it, every target's logical limit trips first. */
export function certifiedStack(certificate: Certificate): number {
  return Math.max(0, ...certificate.targets.map((t) => t.S));
}

/**
 * The functions that come closest to the 128-byte rule: the highest bytes per unit on any target
 * first, at most `count`.
 */
export function worstFunctions(certificate: Certificate, count: number): FunctionCertificate[] {
  const worst = (f: FunctionCertificate) => Math.max(...f.perTarget.map((t) => t.bytesPerUnit));
  return [...certificate.functions]
    .sort((a, b) => worst(b) - worst(a) || a.funcIndex - b.funcIndex)
    .slice(0, count);
}

function alignUp16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
