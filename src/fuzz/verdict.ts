// What checking one property on one generated case concludes.

export type Verdict =
  | { readonly status: "pass" }
  /** The case could not be compared (say, a run ran out of fuel): neither a pass nor a failure. */
  | { readonly status: "skip"; readonly reason: string }
  | {
      readonly status: "fail";
      readonly reason: string;
      readonly evidence: Readonly<Record<string, unknown>>;
    };

export const PASS: Verdict = { status: "pass" };

export function skip(reason: string): Verdict {
  return { status: "skip", reason };
}

export function fail(reason: string, evidence: Readonly<Record<string, unknown>>): Verdict {
  return { status: "fail", reason, evidence };
}
