// A recorded run of the instrumented module as the verifier sees it under `logical`: its steps and
// outcome in the original module's terms (terms.ts), and every step checked against the target's
// certificate: native depth ≤ k·(logical height) + c. A step deeper than that means the certificate
// (or the mapping) is wrong: a samestack bug, raised as a TraceError like any broken trace.
import type { RunView } from "../verify/dynamic.js";
import { TraceError } from "../verify/trace.js";
import { locationText } from "../wasm/outcome-text.js";
import type { TargetCertificate } from "./certificate.js";
import type { LogicalSteps, OriginalTerms } from "./terms.js";

/** An executed step went deeper than its target's certificate allows. */
export class BoundViolation extends TraceError {}

/** Runs in the original's terms; with a certificate, every step is checked against its bound. */
export function logicalView(terms: OriginalTerms, certificate?: TargetCertificate): RunView {
  return {
    outcome: (outcome) => terms.outcome(outcome),
    steps: (traced) => {
      const mapped = terms.mapSteps(traced);
      if (certificate) checkBound(mapped, certificate);
      return mapped;
    },
  };
}

/** Throws BoundViolation at the first step (or the entry call) deeper than k·height + c. */
export function checkBound(mapped: LogicalSteps, certificate: TargetCertificate): void {
  const { k, c, target } = certificate;
  const allowed = (height: number) => k * height + c;
  // k is a ratio of integers: compare with a margin far below one byte.
  const exceeds = (depth: number, height: number) => depth > allowed(height) + 1e-6;
  if (exceeds(mapped.entryDepth, mapped.entryHeight)) {
    throw new BoundViolation(
      `${target}: the entry call reaches depth ${mapped.entryDepth} at logical height ${mapped.entryHeight}, above k·height + c = ${allowed(mapped.entryHeight)}`,
    );
  }
  mapped.steps.forEach((step, index) => {
    if (exceeds(step.depth, step.height)) {
      throw new BoundViolation(
        `${target}: step ${index} (${locationText(step.location)}) reaches depth ${step.depth} at logical height ${step.height}, above k·height + c = ${allowed(step.height)}`,
      );
    }
  });
}
