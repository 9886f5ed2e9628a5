// The commands of one spec script on one configuration (an executor, and a strategy for emulated
// targets): modules are instantiated with the `spectest` host module and the registered modules as
// imports, and every command gets one verdict. The suite is WebAssembly 2.0's: a module that needs a
// 2.0 feature the run's profile leaves out is skipped with the commands on it; anything else the
// front end refuses where the suite expects a module fails.
import {
  type Executor,
  type ExecutorInstance,
  type ExecutorInstantiation,
  type Executors,
  type LoadedModule,
  type ModuleExports,
  spectestExports,
} from "../../emulators/executor.js";
import { v8TrapMatches } from "../../emulators/v8/v8.js";
import type { Strategy } from "../compiler/target.js";
import { type LimiterOptions, LimiterRejects } from "../instrument/index.js";
import { POLKADOT_BYTES_PER_UNIT } from "../logical/certificate.js";
import { DEFAULT_LIMITER_OPTIONS, LimitedModules } from "../logical/limited.js";
import type { OriginalTerms } from "../logical/terms.js";
import {
  FeatureOutsideProfile,
  FrontEndError,
  ImplementationLimit,
  MalformedModule,
} from "../wasm/errors.js";
import { WASM_2_0 } from "../wasm/features.js";
import { type ExpectedValue, isNanBits, isNanPattern, type Outcome, type TrapKind } from "../wasm/outcome.js";
import { outcomeText } from "../wasm/outcome-text.js";
import type { SpecAction, SpecCommand } from "./commands.js";
import { checkReturn, checkTrap, differsInNanBitsOnly, trapKindOfText } from "./expect.js";
import { SKIP } from "./skips.js";

export interface SpecConfiguration {
  readonly executor: Executor;
  /** Ignored by V8. */
  readonly strategy: Strategy;
}

export type Verdict =
  | { readonly kind: "pass" }
  | { readonly kind: "fail"; readonly message: string }
  | { readonly kind: "skip"; readonly reason: string }
  /** `native` only: the values differ in NaN bits alone (the hardware's NaNs are kept there). */
  | { readonly kind: "nan-bits"; readonly message: string };

export const PASS: Verdict = { kind: "pass" };
export const fail = (message: string): Verdict => ({ kind: "fail", message });
const skip = (reason: string): Verdict => ({ kind: "skip", reason });

/** The module files of a script, read once under the run's profile. */
export interface SpecModules {
  /** A binary module decoded and validated, or why the front end rejected it. */
  binary(filename: string): LoadedModule | FrontEndError;
  /** Why wabt could not parse a text module, or null when it parsed it. */
  textParseError(filename: string): MalformedModule | null;
}

const IN_2_0: ReadonlySet<string> = WASM_2_0;

/**
 * Why a module rejected by the front end is skipped: it needs a 2.0 feature the profile leaves out
 * (under 1.0, one that would read bytes 1.0 finds malformed too).
 */
function outsideProfile(error: FrontEndError): string | null {
  const outside =
    error instanceof FeatureOutsideProfile
      ? error
      : error instanceof MalformedModule
        ? error.needs
        : undefined;
  return outside !== undefined && IN_2_0.has(outside.feature)
    ? SKIP.outsideProfile(outside.profile, outside.feature)
    : null;
}

/** A module of the script, as one configuration sees it. */
interface ModuleState {
  /** Null when the front end rejected it. */
  readonly loaded: LoadedModule | null;
  /** Under `logical` on an emulated target: how its runs read in the original module's terms. */
  readonly terms?: OriginalTerms;
  /** Null when it did not instantiate: commands on it fail, or are skipped when `skip` says why. */
  readonly instance: ExecutorInstance | null;
  readonly skip: string | null;
}

export class Session {
  private current: ModuleState | null = null;
  private readonly named = new Map<string, ModuleState>();
  /** Instances kept until the session ends: others may call into them (see `retireCurrent`). */
  private readonly kept = new Set<ModuleState>();
  private readonly imports = new Map<string, ModuleExports>();
  /** Names modules registered as while skipped, with why: the modules importing from them are skipped too. */
  private readonly skippedRegistrations = new Map<string, string>();
  /** What spectest's print functions printed. */
  readonly printed: string[] = [];
  /** The outcome of every assert_exhaustion, by line, to compare across targets. */
  readonly exhaustions = new Map<number, Outcome>();
  /** Under `logical`: instances a logical overflow left with a raised height. */
  private readonly raisedHeight = new Set<ModuleState>();

  constructor(
    readonly configuration: SpecConfiguration,
    private readonly executors: Executors,
    private readonly modules: SpecModules,
    private readonly logical: LogicalSpecOptions = DEFAULT_LOGICAL_SPEC_OPTIONS,
  ) {
    this.imports.set("spectest", spectestExports(configuration.executor, this.printed));
  }

  verdict(command: SpecCommand): Verdict {
    switch (command.type) {
      case "module":
        return this.defineModule(command.filename, command.name);
      case "register":
        return this.register(command.as, command.name);
      case "action":
        return this.act(command.action, (outcome) =>
          outcome.outcome === "return" ? PASS : fail(`got ${outcomeText(outcome)}`),
        );
      case "assert_return":
        return this.act(
          command.action,
          (outcome) => this.checkReturn(outcome, command.expected),
          command.expected,
        );
      case "assert_trap":
        return this.assertTrap(command.action, command.text);
      case "assert_exhaustion":
        return this.assertTrap(
          command.action,
          command.text,
          (outcome) => {
            this.exhaustions.set(command.line, outcome);
          },
          this.isLogical ? logicalExhaustion : undefined,
        );
      case "assert_invalid":
      case "assert_malformed":
        if (command.module_type === "text") return this.assertTextMalformed(command.filename);
        return this.assertRejected(command.filename);
      case "assert_unlinkable":
        return this.assertInstantiationFails(command.filename, "link", null);
      case "assert_uninstantiable":
        return this.assertInstantiationFails(command.filename, "instantiate", command.text);
    }
  }

  close(): void {
    this.retireCurrent();
    for (const state of this.kept) state.instance?.close();
    this.kept.clear();
  }

  private get emulated(): boolean {
    return this.configuration.executor !== "v8";
  }

  /** Whether this configuration runs the limiter's output: `logical` on an emulated target. */
  private get isLogical(): boolean {
    return this.emulated && this.configuration.strategy === "logical";
  }

  /** What runs for `loaded`: itself, or under `logical` its instrumented form (LimiterRejects when the reference refuses it). */
  private running(loaded: LoadedModule): { loaded: LoadedModule; terms?: OriginalTerms } {
    if (!this.isLogical) return { loaded };
    const limited = this.logical.modules.of(loaded, this.logical.limiter);
    return { loaded: limited.instrumented, terms: limited.terms };
  }

  /**
   * Closes the current module's instance unless others may still reach it: it has a name or was
   * registered (later commands call it, later modules import it), or it imports something (its
   * functions may sit in an imported table, its memory be another's).
   */
  private retireCurrent(): void {
    const current = this.current;
    this.current = null;
    if (current === null) return;
    if (this.kept.has(current) || (current.loaded?.validated.module.imports.length ?? 0) > 0) {
      this.kept.add(current);
    } else current.instance?.close();
  }

  private defineModule(filename: string, name?: string): Verdict {
    this.retireCurrent();
    const [state, verdict] = this.moduleState(this.modules.binary(filename));
    this.current = state;
    if (name !== undefined) {
      this.named.set(name, state);
      this.kept.add(state);
    }
    return verdict;
  }

  /**
   * Instantiates a module; one outside the run's profile, one the reference limiter refuses (under
   * `logical`), or one importing from a module skipped, is skipped, and so are the commands on it.
   */
  private moduleState(loaded: LoadedModule | FrontEndError): [ModuleState, Verdict] {
    const reason = this.skipReason(loaded);
    if (reason !== null) return [{ loaded: null, instance: null, skip: reason }, skip(reason)];
    if (loaded instanceof FrontEndError) {
      return [{ loaded: null, instance: null, skip: null }, fail(`rejected: ${loaded.message}`)];
    }
    let running: ReturnType<Session["running"]>;
    try {
      running = this.running(loaded);
    } catch (error) {
      if (!(error instanceof LimiterRejects)) throw error;
      const reason = SKIP.limiterRejects(error.message);
      return [{ loaded, instance: null, skip: reason }, skip(reason)];
    }
    const result = this.instantiate(running.loaded);
    if (result.ok) {
      const terms = running.terms ? { terms: running.terms } : {};
      return [{ loaded, ...terms, instance: result.instance, skip: null }, PASS];
    }
    const why =
      result.stage === "instantiate"
        ? outcomeText(running.terms ? running.terms.outcome(result.outcome) : result.outcome)
        : result.message;
    return [{ loaded, instance: null, skip: null }, fail(`${result.stage} failed: ${why}`)];
  }

  private instantiate(loaded: LoadedModule): ExecutorInstantiation {
    const { executor, strategy } = this.configuration;
    return this.executors.instantiate(loaded, executor, strategy, this.imports);
  }

  /** Why a module is skipped before it runs: it needs a 2.0 feature outside the profile, or imports from a skipped one. */
  private skipReason(loaded: LoadedModule | FrontEndError): string | null {
    if (loaded instanceof FrontEndError) return outsideProfile(loaded);
    for (const { module } of loaded.validated.module.imports) {
      const reason = this.skippedRegistrations.get(module);
      if (reason !== undefined) return reason;
    }
    return null;
  }

  private register(as: string, name?: string): Verdict {
    const state = name === undefined ? this.current : this.named.get(name);
    if (state?.skip) {
      this.skippedRegistrations.set(as, state.skip);
      return skip(state.skip);
    }
    if (!state?.instance) return fail(`nothing to register as "${as}"`);
    this.imports.set(as, state.instance.exports);
    this.kept.add(state);
    return PASS;
  }

  /** Runs an action and judges its outcome; `results` are values V8 must carry exactly. */
  private act(
    action: SpecAction,
    judge: (outcome: Outcome) => Verdict,
    results: readonly ExpectedValue[] = [],
  ): Verdict {
    const state = action.module === undefined ? this.current : this.named.get(action.module);
    if (state === undefined || state === null) return fail(`no module ${action.module ?? "defined"}`);
    if (state.skip !== null) return skip(state.skip);
    if (state.instance === null || state.loaded === null) return fail("the module did not instantiate");
    if (action.type === "get") return located(action.field, judge(state.instance.getGlobal(action.field)));
    const args = action.args ?? [];
    if (!this.emulated && [...args, ...results].some(hasNanBits)) return skip(SKIP.v8Nan);
    const call = `${action.field}(${args.map((a) => a.value).join(", ")})`;
    if (state.terms === undefined) return located(call, judge(state.instance.invoke(action.field, args)));
    const outcome = state.terms.outcome(
      state.instance.invoke(action.field, args, { stackLimit: this.logical.stackLimit }),
    );
    const verdict = judge(outcome);
    // The limiter does not lower the height when a call traps: after a logical overflow the
    // instance's height stays near the limit, and later calls may overflow at once.
    const logicalOverflow = outcome.outcome === "trap" && outcome.overflow === "logical";
    const heightKept = logicalOverflow && this.raisedHeight.has(state);
    if (logicalOverflow) this.raisedHeight.add(state);
    return heightKept && verdict.kind !== "pass" ? skip(SKIP.heightKept) : located(call, verdict);
  }

  /** A return check; under `native` a difference in NaN bits alone is told apart from a failure. */
  private checkReturn(outcome: Outcome, expected: readonly ExpectedValue[]): Verdict {
    const message = checkReturn(outcome, expected);
    if (message === null) return PASS;
    const hardwareNans = this.emulated && this.configuration.strategy === "native";
    return hardwareNans && differsInNanBitsOnly(outcome, expected)
      ? { kind: "nan-bits", message }
      : fail(message);
  }

  private assertTrap(
    action: SpecAction,
    text: string,
    onOutcome?: (outcome: Outcome) => void,
    requirement?: (outcome: Outcome) => Verdict,
  ): Verdict {
    const kind = trapKindOfText(text);
    if (kind === undefined) return fail(`unknown trap text "${text}"`);
    return this.act(action, (outcome) => {
      onOutcome?.(outcome);
      const verdict = this.checkTrap(outcome, kind);
      return verdict.kind === "pass" && requirement ? requirement(outcome) : verdict;
    });
  }

  private checkTrap(outcome: Outcome, kind: TrapKind): Verdict {
    const message = checkTrap(outcome, kind, this.emulated ? undefined : v8TrapMatches);
    return message === null ? PASS : fail(message);
  }

  /**
   * A malformed or invalid module must be rejected: as malformed, invalid, or needing a feature
   * outside the profile (the suite's modules beyond 2.0, e.g. extended-const constant expressions,
   * are invalid in 2.0). The implementation limit is checked only once a module is valid.
   */
  private assertRejected(filename: string): Verdict {
    const loaded = this.modules.binary(filename);
    if (!(loaded instanceof FrontEndError)) return fail("the module was accepted");
    if (loaded instanceof ImplementationLimit) return fail(`the module was valid: ${loaded.message}`);
    return PASS;
  }

  /** A malformed text module must not parse (wabt's text parser, under the run's profile). */
  private assertTextMalformed(filename: string): Verdict {
    return this.modules.textParseError(filename) === null ? fail("wabt parsed the text module") : PASS;
  }

  private assertInstantiationFails(
    filename: string,
    stage: "link" | "instantiate",
    text: string | null,
  ): Verdict {
    const loaded = this.modules.binary(filename);
    const reason = this.skipReason(loaded);
    if (reason !== null) return skip(reason);
    if (loaded instanceof FrontEndError) return fail(`rejected by the front end: ${loaded.message}`);
    let running: ReturnType<Session["running"]>;
    try {
      running = this.running(loaded);
    } catch (error) {
      if (!(error instanceof LimiterRejects)) throw error;
      return skip(SKIP.limiterRejects(error.message));
    }
    const result = this.instantiate(running.loaded);
    if (result.ok) {
      result.instance.close();
      return fail(`expected ${stage} to fail, but the module instantiated`);
    }
    if (result.stage !== stage) return fail(`expected ${stage} to fail, ${result.stage} failed`);
    if (result.stage !== "instantiate" || text === null) return PASS;
    const kind = trapKindOfText(text);
    if (kind === undefined) return fail(`unknown trap text "${text}"`);
    return this.checkTrap(running.terms ? running.terms.outcome(result.outcome) : result.outcome, kind);
  }
}

/** The limiter's options in a spec run, and the native stack its `logical` invocations get. */
export interface LogicalSpecOptions {
  readonly limiter: LimiterOptions;
  /** Polkadot's consistency rule by default: 128 bytes per logical unit. */
  readonly stackLimit: number;
  /** Shared across sessions, so each module is instrumented once. */
  readonly modules: LimitedModules;
}

export const DEFAULT_LOGICAL_SPEC_OPTIONS: LogicalSpecOptions = {
  limiter: DEFAULT_LIMITER_OPTIONS,
  stackLimit: POLKADOT_BYTES_PER_UNIT * DEFAULT_LIMITER_OPTIONS.limit,
  modules: new LimitedModules(),
};

/** Under `logical`, an exhaustion must be the logical limit's, not the machine stack's. */
function logicalExhaustion(outcome: Outcome): Verdict {
  return outcome.outcome === "trap" && outcome.overflow === "logical"
    ? PASS
    : fail(`expected the logical limit to trip first, got ${outcomeText(outcome)}`);
}

/** A verdict's message prefixed with what was called or read. */
function located(what: string, verdict: Verdict): Verdict {
  return verdict.kind === "fail" || verdict.kind === "nan-bits"
    ? { ...verdict, message: `${what}: ${verdict.message}` }
    : verdict;
}

/** A float value with NaN bits (not a NaN pattern): V8 may not pass or return it bit-exactly. */
function hasNanBits(value: ExpectedValue): boolean {
  return (
    value.type !== "i32" && value.type !== "i64" && !isNanPattern(value) && isNanBits(value.type, value.value)
  );
}
