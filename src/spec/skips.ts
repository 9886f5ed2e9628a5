// Skip reasons of the spec runner: stable labels, so that skips can be counted per class.

export const SKIP = {
  /** Only on V8: an argument or result whose NaN bits JS numbers may not carry exactly. */
  v8Nan: "V8: NaN bits cannot cross the JS boundary exactly",
  /** The run's profile leaves out a WebAssembly 2.0 feature the module needs (`spec --features`). */
  outsideProfile: (profile: string, feature: string) => `outside profile ${profile}: ${feature}`,
  /** Under `logical`: the reference limiter refuses the module, so Polkadot would not run it either. */
  limiterRejects: (message: string) => `logical: ${message}`,
  /** Under `logical`: calls after a logical overflow, which left the limiter's height raised. */
  heightKept: "logical: the height stays raised after a logical overflow (the reference does not lower it)",
} as const;
