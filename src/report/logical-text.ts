// How the `logical` strategy's certificate and verdicts read, the same in HTML, Markdown and on the
// command line: L, k, c and S per target, Polkadot's 128-byte rule, the functions that come closest.

import { limitRangesText } from "../check/limit-text.js";
import type { LogicalModuleResult } from "../check/model.js";
import {
  type Certificate,
  type FunctionCertificate,
  POLKADOT_BYTES_PER_UNIT,
  type TargetCertificate,
  worstFunctions,
} from "../logical/certificate.js";
import type { NativeLimitVerdict } from "../logical/verdict.js";
import { locationText } from "../wasm/outcome-text.js";

/** Functions listed as the closest to the 128-byte rule. */
export const WORST_SHOWN = 5;

export function bytesPerUnitText(value: number): string {
  return value.toFixed(1);
}

/** `k 37.8 B/unit, c 208 B, S 2478672 B` */
export function targetFiguresText(target: TargetCertificate): string {
  return `k ${bytesPerUnitText(target.k)} B/unit, c ${target.c} B, S ${target.S} B`;
}

/** Polkadot's rule on one target: whether 128·L covers S, and by what margin. */
export function rule128Text(target: TargetCertificate, limit: number): string {
  const budget = POLKADOT_BYTES_PER_UNIT * limit;
  const times = target.k > 0 ? ` (${(POLKADOT_BYTES_PER_UNIT / target.k).toFixed(1)}× the largest k)` : "";
  return target.rule128.holds
    ? `holds: 128·L = ${budget} B ≥ S, margin ${target.rule128.marginBytes} B${times}`
    : `FAILS: 128·L = ${budget} B < S by ${-target.rule128.marginBytes} B (k ${bytesPerUnitText(target.k)} > ${POLKADOT_BYTES_PER_UNIT} B/unit)`;
}

/** What the other parameter rule would give: `with --count-params: k 20.8 B/unit, S 1363360 B (128× holds)`. */
export function otherRuleText(certificate: Certificate, target: TargetCertificate): string {
  const rule = certificate.countParams ? "without --count-params" : "with --count-params";
  return `${rule}: k ${bytesPerUnitText(target.other.k)} B/unit, S ${target.other.S} B (128× ${target.other.rule128Holds ? "holds" : "fails"})`;
}

/** One module's certificate in one line per target, for logs and Markdown. */
export function certificateLines({ certificate }: { readonly certificate: Certificate }): string[] {
  return certificate.targets.map(
    (t) =>
      `${t.target}: L ${certificate.logicalLimit}, ${targetFiguresText(t)}; 128× rule ${rule128Text(t, certificate.logicalLimit)}; ${otherRuleText(certificate, t)}`,
  );
}

export function worstOf(certificate: Certificate): FunctionCertificate[] {
  return worstFunctions(certificate, WORST_SHOWN);
}

/** `f1 cost 11: x64 416 B (37.8 B/unit) · aarch64 384 B (34.9 B/unit)` */
export function functionFiguresText(f: FunctionCertificate): string {
  const perTarget = f.perTarget
    .map((t) => `${t.target} ${t.activationBytes} B (${bytesPerUnitText(t.bytesPerUnit)} B/unit)`)
    .join(" · ");
  return `f${f.funcIndex} cost ${f.cost}: ${perTarget}`;
}

/** The gate's verdict for one module. */
export function gateText(logical: LogicalModuleResult): string {
  const certified = Math.max(...logical.certificate.targets.map((t) => t.S));
  return logical.tripsFirst
    ? `the logical limit trips first at the ${logical.stackLimit}-byte native stack (needs ${certified})`
    : `a native overflow can come first at the ${logical.stackLimit}-byte native stack (needs ${certified})`;
}

/** The verdict for every native limit of one invocation. */
export function logicalVerdictText(verdict: NativeLimitVerdict): string {
  const ending = verdict.logicalOverflow
    ? `the same logical overflow at ${locationText(verdict.logicalOverflow)}`
    : "the same outcome (no logical overflow)";
  const same = verdict.sameOutcome ? ending : "DIFFERENT outcomes";
  const below =
    verdict.divergentLimits.length === 0
      ? "the targets' native overflow points agree"
      : `the targets' native overflow points differ for limits ${limitRangesText(verdict.divergentLimits)}`;
  return `native stack ≥ ${verdict.nativeFirstBelow} B (certified for every path: ≥ ${verdict.certified} B): ${same} on every target; below ${verdict.nativeFirstBelow} B a native overflow comes first, and ${below}`;
}
