// The front end's diagnostics. For any input, only these escape decodeModule, validateModule and
// the text front end; MalformedModule, InvalidModule and UnsupportedFeature describe the input,
// InternalError is a bug in the front end.

export type FrontEndErrorId =
  | "malformed-module"
  | "invalid-module"
  | "unsupported-feature"
  | "internal-error";

export abstract class FrontEndError extends Error {
  abstract readonly id: FrontEndErrorId;
  /** What is wrong, without the location. */
  readonly reason: string;
  /** Byte offset in the module (for text input: character offset in the source); -1 when unknown. */
  readonly offset: number;
  /** Function index (imports included) when the error is inside a function. */
  readonly funcIndex: number | undefined;

  constructor(reason: string, offset: number, funcIndex?: number, options?: ErrorOptions) {
    const where = funcIndex === undefined ? "" : ` in function ${funcIndex}`;
    const at = offset < 0 ? "" : ` at offset ${offset} (0x${offset.toString(16)})`;
    super(`${reason}${where}${at}`, options);
    this.reason = reason;
    this.offset = offset;
    this.funcIndex = funcIndex;
  }
}

/** The bytes are not a WebAssembly binary (spec: "malformed"). */
export class MalformedModule extends FrontEndError {
  readonly id = "malformed-module";
  override readonly name = "MalformedModule";
}

/** The module is well formed but breaks a validation rule (spec: "invalid"). */
export class InvalidModule extends FrontEndError {
  readonly id = "invalid-module";
  override readonly name = "InvalidModule";
}

/** The module needs a feature beyond WebAssembly 1.0, named by `feature`. */
export class UnsupportedFeature extends FrontEndError {
  readonly id = "unsupported-feature";
  override readonly name = "UnsupportedFeature";
  readonly feature: string;

  constructor(feature: string, offset: number, funcIndex?: number) {
    super(`unsupported feature: ${feature}`, offset, funcIndex);
    this.feature = feature;
  }
}

/** An invariant of the front end itself failed; `cause` holds the original exception. */
export class InternalError extends FrontEndError {
  readonly id = "internal-error";
  override readonly name = "InternalError";
}

/** Runs `work`, letting front-end errors through and wrapping anything else as an InternalError. */
export function guarded<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof FrontEndError) throw error;
    throw new InternalError(`internal error: ${String(error)}`, -1, undefined, { cause: error });
  }
}

/**
 * The module needs a feature outside the profile it was read under (SIMD is outside every profile).
 * The message names the feature, the function (when in a body) and the offset, then says which
 * toolchain flag avoids the feature.
 */
export class FeatureOutsideProfile extends UnsupportedFeature {
  /** The profile or feature list the module was read under, e.g. "polkadot". */
  readonly profile: string;
  /** How to build the module without the feature. */
  readonly hint: string;

  constructor(feature: string, offset: number, funcIndex: number | undefined, profile: string, hint: string) {
    super(feature, offset, funcIndex);
    this.profile = profile;
    this.hint = hint;
    this.message = `${this.message}, which profile ${profile} does not include; ${hint}`;
  }
}
