// The two kinds of failure every part of samestack reports, and the front end's diagnostics.
//
// InputError: the input is at fault (arguments, files, modules, sidecars, spec scripts); the CLI says
// what is wrong and exits 2. InternalError: an invariant of samestack itself failed, a bug; the CLI
// prints its stack and exits 3. Neither extends the other, so no bug passes for bad input. Each
// subclass is named after itself (the bases set `name`), so a subclass needs no body.
//
// For any input, only FrontEndErrors (bad input) and InternalErrors escape decodeModule,
// validateModule and the text front end.

import type { Feature } from "./features.js";

export type FrontEndErrorId = "malformed-module" | "invalid-module" | "unsupported-feature";

/** The input is at fault: reported as the input's problem, with exit code 2 and no stack trace. */
export class InputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A samestack bug: an invariant of its own failed (exit code 3). `cause` holds any original exception. */
export class InternalError extends Error {
  constructor(reason: string, offset = -1, funcIndex?: number, options?: ErrorOptions) {
    super(placed(reason, offset, funcIndex), options);
    this.name = new.target.name;
  }
}

/** `reason in function 2 at offset 79 (0x4f)`: where in the module, when known. */
function placed(reason: string, offset: number, funcIndex: number | undefined): string {
  const where = funcIndex === undefined ? "" : ` in function ${funcIndex}`;
  const at = offset < 0 ? "" : ` at offset ${offset} (0x${offset.toString(16)})`;
  return `${reason}${where}${at}`;
}

/** What is wrong with a module, located in it. */
export abstract class FrontEndError extends InputError {
  abstract readonly id: FrontEndErrorId;
  /** What is wrong, without the location. */
  readonly reason: string;
  /** Byte offset in the module (for text input: character offset in the source); -1 when unknown. */
  readonly offset: number;
  /** Function index (imports included) when the error is inside a function. */
  readonly funcIndex: number | undefined;

  constructor(reason: string, offset: number, funcIndex?: number, options?: ErrorOptions) {
    super(placed(reason, offset, funcIndex), options);
    this.reason = reason;
    this.offset = offset;
    this.funcIndex = funcIndex;
  }
}

/** A feature outside the profile that would read bytes the profile finds malformed. */
export interface UnreadFeature {
  readonly feature: Feature;
  /** The profile or feature list the module was read under. */
  readonly profile: string;
  /** What needs the feature, and how to build without it. */
  readonly hint: string;
}

/** The bytes are not a WebAssembly binary (spec: "malformed"). */
export class MalformedModule extends FrontEndError {
  readonly id = "malformed-module";
  /** Set when a feature outside the profile would read the bytes (e.g. under 1.0, clang's padded call_indirect table index). */
  readonly needs: UnreadFeature | undefined;

  constructor(reason: string, offset: number, funcIndex?: number, needs?: UnreadFeature) {
    super(reason, offset, funcIndex);
    this.needs = needs;
    if (needs !== undefined) this.message = `${this.message}; ${needs.hint}`;
  }
}

/** The module is well formed but breaks a validation rule (spec: "invalid"). */
export class InvalidModule extends FrontEndError {
  readonly id = "invalid-module";
}

/**
 * The module needs what samestack does not take: a feature outside the profile it was read under
 * (FeatureOutsideProfile), or more than an implementation limit allows (ImplementationLimit).
 */
export abstract class UnsupportedFeature extends FrontEndError {
  readonly id = "unsupported-feature";
  /** The feature's name (FEATURES, or an unsupported proposal's: "simd", "tail-call", …), or "implementation-limit". */
  readonly feature: string;
  /** How to build the module without it. */
  readonly hint: string;

  constructor(feature: string, reason: string, offset: number, funcIndex: number | undefined, hint: string) {
    super(reason, offset, funcIndex);
    this.feature = feature;
    this.hint = hint;
  }
}

/** Runs `work`, letting front-end and internal errors through and wrapping anything else as an InternalError. */
export function guarded<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof FrontEndError || error instanceof InternalError) throw error;
    throw new InternalError(`internal error: ${String(error)}`, -1, undefined, { cause: error });
  }
}

/**
 * The module needs a feature outside the profile it was read under (SIMD and the proposals past 2.0
 * are outside every profile).
 * The message names the feature, the function (when in a body) and the offset, then says which
 * toolchain flag avoids the feature.
 */
export class FeatureOutsideProfile extends UnsupportedFeature {
  /** The profile or feature list the module was read under, e.g. "polkadot". */
  readonly profile: string;

  constructor(feature: string, offset: number, funcIndex: number | undefined, profile: string, hint: string) {
    super(feature, `unsupported feature: ${feature}`, offset, funcIndex, hint);
    this.profile = profile;
    this.message = `${this.message}, which profile ${profile} does not include; ${hint}`;
  }
}

/**
 * A valid module beyond a limit samestack shares with the engines (V8's included): more locals in
 * one function than they accept. The message says which limit, where, and how to stay below it.
 */
export class ImplementationLimit extends UnsupportedFeature {
  constructor(reason: string, offset: number, funcIndex: number, hint: string) {
    super("implementation-limit", reason, offset, funcIndex, hint);
    this.message = `${this.message}; ${hint}`;
  }
}
