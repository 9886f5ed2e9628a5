// Option values shared by the commands, checked when commander parses them.
import { InvalidArgumentError, Option } from "commander";
import { EXECUTORS, type Executor } from "../../emulators/executor.js";
import { MAX_STACK_LIMIT } from "../../emulators/runtime/layout.js";
import { STRATEGIES, type Strategy, TARGETS, type Target } from "../compiler/target.js";
import type { LimiterOptions } from "../instrument/index.js";
import { BadFeatureList, type Features, PROFILES, parseFeatures, WASM_2_0 } from "../wasm/features.js";
import type { HostFlags } from "./host-flags.js";

/** `samestack run`'s options; a batch line's own fields override them. */
export interface RunOptions extends HostFlags {
  readonly features: Features;
  readonly target: Executor[];
  readonly strategy: Strategy;
  readonly stackLimit?: number;
  readonly fuel?: number;
  /** Seeds WASI's random_get. */
  readonly seed: number;
  readonly batch?: string;
  readonly json?: boolean;
  /** Under `logical`: the limiter's options, for every line of a batch. */
  readonly limiter?: LimiterOptions;
}

export function parseTarget(text: string): Target {
  const target = TARGETS.find((t) => t === text);
  if (!target) throw new InvalidArgumentError(`expected one of ${TARGETS.join(", ")}`);
  return target;
}

/** A comma-separated list of executors: `x64,aarch64,v8`. */
export function parseExecutors(text: string): Executor[] {
  const names = text.split(",").map((name) => name.trim());
  const executors = names.map((name) => EXECUTORS.find((e) => e === name));
  if (names.length === 0 || executors.some((e) => e === undefined)) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${EXECUTORS.join(", ")}`);
  }
  return [...new Set(executors as Executor[])];
}

export function parseStrategy(text: string): Strategy {
  const strategy = STRATEGIES.find((s) => s === text);
  if (!strategy) throw new InvalidArgumentError(`expected one of ${STRATEGIES.join(", ")}`);
  return strategy;
}

export function isStackLimit(value: unknown): value is number {
  return (
    Number.isSafeInteger(value) &&
    (value as number) > 0 &&
    (value as number) % 16 === 0 &&
    (value as number) <= MAX_STACK_LIMIT
  );
}

export const STACK_LIMIT_RULE = `a positive multiple of 16 up to ${MAX_STACK_LIMIT}`;

export function parseStackLimit(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!isStackLimit(value)) throw new InvalidArgumentError(`expected bytes: ${STACK_LIMIT_RULE}`);
  return value;
}

export function isFuel(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

export function parseSeed(text: string): number {
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`"${text}" is not an integer`);
  return value;
}

export function parseFuel(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!isFuel(value)) throw new InvalidArgumentError("expected a positive number of Wasm instructions");
  return value;
}

/**
 * `--features <profile|list>`, for every command that reads modules: what they may use (default
 * 2.0). A bad list is a usage error naming the unknown name and the valid ones (exit 2).
 */
export function featuresOption(): Option {
  return new Option(
    "--features <profile|list>",
    `WebAssembly features modules may use: a profile (${Object.keys(PROFILES).join(", ")}) or a comma list of profiles and feature names`,
  )
    .argParser(parseFeatureOption)
    .default(WASM_2_0, "2.0");
}

function parseFeatureOption(text: string): Features {
  try {
    return parseFeatures(text);
  } catch (error) {
    if (error instanceof BadFeatureList) throw new InvalidArgumentError(error.message);
    throw error;
  }
}
