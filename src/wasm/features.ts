// Feature profiles: which WebAssembly features beyond 1.0 the front end accepts. A construct that
// needs a feature outside the profile is a FeatureOutsideProfile error naming the feature, where it
// is, and which toolchain flag avoids it.

/** The post-1.0 features samestack knows, each the narrowest that covers some construct. */
export const FEATURES = [
  "sign-extension",
  "saturating-float-to-int",
  "multi-value",
  "bulk-memory",
  /** memory.copy and memory.fill only (LLVM's bulk-memory-opt); implied by bulk-memory. */
  "bulk-memory-opt",
  "reference-types",
  /** call_indirect's table index 0 written as an overlong LEB128 (LLVM's call-indirect-overlong); implied by reference-types. */
  "call-indirect-overlong",
  "extended-const",
] as const;
export type Feature = (typeof FEATURES)[number];

/** A set of enabled features, closed under implication (bulk-memory brings bulk-memory-opt, …). */
export type Features = ReadonlySet<Feature>;

/** Features that enabling one brings along. */
const IMPLIES: Readonly<Partial<Record<Feature, readonly Feature[]>>> = {
  "bulk-memory": ["bulk-memory-opt"],
  "reference-types": ["call-indirect-overlong"],
};

/** The profiles, by name. */
export const PROFILES = {
  /** WebAssembly 1.0 exactly. */
  "1.0": [],
  /** WebAssembly 2.0 without fixed-width SIMD: the default. */
  "2.0": ["sign-extension", "saturating-float-to-int", "multi-value", "bulk-memory", "reference-types"],
  /** What Polkadot's PVF executor always enables. */
  polkadot: ["sign-extension", "saturating-float-to-int"],
  /** LLVM's frozen `lime1` CPU (mutable-globals is part of 1.0). */
  lime1: [
    "multi-value",
    "sign-extension",
    "saturating-float-to-int",
    "bulk-memory-opt",
    "extended-const",
    "call-indirect-overlong",
  ],
} as const satisfies Record<string, readonly Feature[]>;
export type Profile = keyof typeof PROFILES;

/** Each feature's name in LLVM (clang's `-mno-<name>`, Rust's `-C target-feature=-<name>`). */
const LLVM_NAMES: Readonly<Record<Feature, string>> = {
  "sign-extension": "sign-ext",
  "saturating-float-to-int": "nontrapping-fptoint",
  "multi-value": "multivalue",
  "bulk-memory": "bulk-memory",
  "bulk-memory-opt": "bulk-memory-opt",
  "reference-types": "reference-types",
  "call-indirect-overlong": "call-indirect-overlong",
  "extended-const": "extended-const",
};

/** LLVM's names that parseFeatures accepts beside ours; mutable-globals is part of 1.0 and adds nothing. */
const ALIASES: Readonly<Record<string, readonly Feature[]>> = {
  ...Object.fromEntries(FEATURES.map((feature) => [LLVM_NAMES[feature], [feature]])),
  "mutable-globals": [],
};

/** Closes a list of features under implication. */
export function featureSet(features: Iterable<Feature>): Features {
  const set = new Set<Feature>();
  const add = (feature: Feature) => {
    if (set.has(feature)) return;
    set.add(feature);
    for (const implied of IMPLIES[feature] ?? []) add(implied);
  };
  for (const feature of features) add(feature);
  return set;
}

/** The default profile: WebAssembly 2.0 without SIMD. */
export const WASM_2_0: Features = featureSet(PROFILES["2.0"]);
export const WASM_1_0: Features = featureSet(PROFILES["1.0"]);

/** A feature list that parseFeatures cannot read. */
export class BadFeatureList extends Error {
  override readonly name = "BadFeatureList";
}

/**
 * Reads a profile or a comma list of profiles and feature names (ours or LLVM's), e.g. `2.0`,
 * `polkadot,bulk-memory`, `lime1`, `sign-ext,multivalue`. Throws BadFeatureList for unknown names.
 */
export function parseFeatures(text: string): Features {
  const names = text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (names.length === 0) throw new BadFeatureList(`no features given ("${text}")`);
  const features: Feature[] = [];
  for (const name of names) {
    if (Object.hasOwn(PROFILES, name)) features.push(...PROFILES[name as Profile]);
    else if ((FEATURES as readonly string[]).includes(name)) features.push(name as Feature);
    else if (Object.hasOwn(ALIASES, name)) features.push(...ALIASES[name]!);
    else if (name === "simd" || name === "simd128")
      throw new BadFeatureList("fixed-width SIMD (simd128) is not supported by samestack");
    else
      throw new BadFeatureList(
        `unknown feature or profile "${name}": profiles are ${Object.keys(PROFILES).join(", ")}; ` +
          `features are ${FEATURES.join(", ")} (LLVM's names work too)`,
      );
  }
  return featureSet(features);
}

/**
 * What text is converted under, whatever the profile: every feature samestack knows, so that the
 * binary front end, not wabt's parser, refuses a feature outside the profile, naming the feature,
 * the function and the offset (in the converted binary).
 */
export const TEXT_FEATURES: Features = featureSet(FEATURES);

/** The features as text: a profile's name when they equal one, else the sorted feature names. */
export function featuresText(features: Features): string {
  for (const [name, list] of Object.entries(PROFILES)) {
    const profile = featureSet(list);
    if (profile.size === features.size && [...profile].every((f) => features.has(f))) return name;
  }
  return FEATURES.filter((feature) => features.has(feature)).join(",");
}

/** How to build without `feature` (or a proposal samestack does not support, given by its LLVM name) with clang and with Rust. */
export function toolchainHint(feature: Feature | { readonly llvm: string }): string {
  const llvm = typeof feature === "object" ? feature.llvm : LLVM_NAMES[feature];
  return (
    `to avoid it, build with clang -mcpu=mvp (or -mno-${llvm}), ` +
    `or with Rust for target wasm32v1-none (or -C target-cpu=mvp)`
  );
}

/** wabt's feature flags for parsing and validating text or binaries under `features`. */
export function wabtFeatures(features: Features): WabtFeatureFlags {
  return {
    exceptions: false,
    mutable_globals: true,
    sat_float_to_int: features.has("saturating-float-to-int"),
    sign_extension: features.has("sign-extension"),
    simd: false,
    threads: false,
    function_references: false,
    multi_value: features.has("multi-value"),
    tail_call: false,
    // wabt has no flags for the two sub-features; the front end checks them exactly afterwards
    bulk_memory: features.has("bulk-memory-opt"),
    reference_types: features.has("reference-types") || features.has("call-indirect-overlong"),
    annotations: false,
    code_metadata: false,
    gc: false,
    memory64: false,
    multi_memory: false,
    extended_const: features.has("extended-const"),
    relaxed_simd: false,
  };
}

/** The flags wabt.js takes (its typings leave some out). */
export interface WabtFeatureFlags {
  readonly exceptions: boolean;
  readonly mutable_globals: boolean;
  readonly sat_float_to_int: boolean;
  readonly sign_extension: boolean;
  readonly simd: boolean;
  readonly threads: boolean;
  readonly function_references: boolean;
  readonly multi_value: boolean;
  readonly tail_call: boolean;
  readonly bulk_memory: boolean;
  readonly reference_types: boolean;
  readonly annotations: boolean;
  readonly code_metadata: boolean;
  readonly gc: boolean;
  readonly memory64: boolean;
  readonly multi_memory: boolean;
  readonly extended_const: boolean;
  readonly relaxed_simd: boolean;
}
