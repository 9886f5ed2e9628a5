// Runs the WebAssembly spec tests' command lists (wast2json's NAME.json) on any executor: every
// command is counted once per configuration as passed, failed, or skipped with a reason.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Executor, ExecutorInstance, Executors, LoadedModule } from "../../emulators/runner-executor.js";
import { v8TrapMatches } from "../../emulators/v8.js";
import type { Strategy } from "../compiler/target.js";
import { decodeModule } from "../wasm/decoder.js";
import { FrontEndError, InvalidModule, MalformedModule, UnsupportedFeature } from "../wasm/errors.js";
import type { Outcome } from "../wasm/outcome.js";
import { validateModule } from "../wasm/validator.js";
import {
  type ExpectedValue,
  isNanBits,
  isNanPattern,
  parseSpecScript,
  type SpecAction,
  type SpecCommand,
  type SpecCommandType,
} from "./spec-commands.js";
import { checkReturn, checkTrap, describeOutcome, trapKindOfText } from "./spec-expect.js";
import { compiledSupport, postMvpSupport, SKIP, unsupportedReach } from "./spec-support.js";

export interface SpecConfiguration {
  readonly executor: Executor;
  /** Ignored by V8. */
  readonly strategy: Strategy;
}

export function configurationName({ executor, strategy }: SpecConfiguration): string {
  return executor === "v8" ? "v8" : `${executor}/${strategy}`;
}

export interface SpecFailure {
  readonly line: number;
  readonly command: SpecCommandType;
  readonly message: string;
}

export interface SpecSkip {
  readonly line: number;
  readonly command: SpecCommandType;
  readonly reason: string;
}

export interface SpecFileResult {
  readonly name: string;
  readonly configuration: string;
  readonly passed: number;
  readonly failed: number;
  /** Skip reason → number of commands skipped for it. */
  readonly skipped: Readonly<Record<string, number>>;
  readonly failures: readonly SpecFailure[];
  readonly skips: readonly SpecSkip[];
}

/** The spec test suite beside the repository is missing. */
export class SpecSuiteMissing extends Error {
  override name = "SpecSuiteMissing";
}

/** `../shared/spec-testsuite` relative to the repository root (the folder holding package.json). */
export function specSuiteDirectory(): string {
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(root, "package.json"))) {
    const parent = dirname(root);
    if (parent === root)
      throw new SpecSuiteMissing("cannot find the repository root (no package.json above spec-runner)");
    root = parent;
  }
  const directory = resolve(root, "../shared/spec-testsuite");
  if (!existsSync(directory)) {
    throw new SpecSuiteMissing(`the spec test suite is missing: expected wast2json output in ${directory}`);
  }
  return directory;
}

export interface SpecRunOptions {
  readonly configurations: readonly SpecConfiguration[];
  /** Shared across files, so engines and compiled modules are reused. */
  readonly executors: Executors;
  /** Default: specSuiteDirectory(). */
  readonly directory?: string;
}

/** Runs `NAME.json` once per configuration; modules are decoded once and compiled once per configuration. */
export async function runSpecFile(name: string, options: SpecRunOptions): Promise<SpecFileResult[]> {
  const directory = options.directory ?? specSuiteDirectory();
  const file = join(directory, `${name}.json`);
  const script = parseSpecScript(await readFile(file, "utf8"), file);
  const modules = new ModuleFiles(directory);
  await modules.preload(script.commands);
  return options.configurations.map((configuration) => {
    const session = new Session(name, configuration, options.executors, modules);
    try {
      for (const command of script.commands) session.run(command);
    } finally {
      session.close();
    }
    return session.result();
  });
}

/** Module files of one script, decoded and validated once: a module, or why the front end rejected it. */
class ModuleFiles {
  private readonly loaded = new Map<string, LoadedModule | FrontEndError>();

  constructor(private readonly directory: string) {}

  async preload(commands: readonly SpecCommand[]): Promise<void> {
    for (const command of commands) {
      if (!("filename" in command) || (command.type === "assert_malformed" && command.module_type === "text"))
        continue;
      const bytes = new Uint8Array(await readFile(join(this.directory, command.filename)));
      try {
        this.loaded.set(command.filename, { bytes, validated: validateModule(decodeModule(bytes)) });
      } catch (error) {
        if (!(error instanceof FrontEndError)) throw error;
        this.loaded.set(command.filename, error);
      }
    }
  }

  get(filename: string): LoadedModule | FrontEndError {
    const module = this.loaded.get(filename);
    if (module === undefined) throw new RangeError(`${filename} was not preloaded`);
    return module;
  }
}

/** A module of the script, as one configuration sees it. */
interface ModuleState {
  readonly loaded: LoadedModule;
  /** Null when instantiation failed (commands on it fail) or was skipped (`skip` says why). */
  readonly instance: ExecutorInstance | null;
  readonly skip: string | null;
}

type Verdict =
  | { readonly kind: "pass" }
  | { readonly kind: "fail"; readonly message: string }
  | { readonly kind: "skip"; readonly reason: string };

const PASS: Verdict = { kind: "pass" };
const fail = (message: string): Verdict => ({ kind: "fail", message });
const skip = (reason: string): Verdict => ({ kind: "skip", reason });

/** The commands of one script on one configuration. */
class Session {
  private current: ModuleState | null = null;
  private readonly named = new Map<string, ModuleState>();
  private readonly registered: Record<string, WebAssembly.Exports> = {};
  private readonly spectest = spectestForV8();
  private passed = 0;
  private failed = 0;
  private readonly skipped: Record<string, number> = {};
  private readonly failures: SpecFailure[] = [];
  private readonly skips: SpecSkip[] = [];

  constructor(
    private readonly name: string,
    private readonly configuration: SpecConfiguration,
    private readonly executors: Executors,
    private readonly modules: ModuleFiles,
  ) {}

  run(command: SpecCommand): void {
    const verdict = this.verdict(command);
    const { line, type } = command;
    if (verdict.kind === "pass") this.passed++;
    else if (verdict.kind === "skip") {
      this.skipped[verdict.reason] = (this.skipped[verdict.reason] ?? 0) + 1;
      this.skips.push({ line, command: type, reason: verdict.reason });
    } else {
      this.failed++;
      this.failures.push({ line, command: type, message: verdict.message });
    }
  }

  result(): SpecFileResult {
    const { name, passed, failed, skipped, failures, skips } = this;
    const configuration = configurationName(this.configuration);
    return { name, configuration, passed, failed, skipped, failures, skips };
  }

  close(): void {
    this.retireCurrent();
    for (const state of this.named.values()) state.instance?.close();
    this.named.clear();
  }

  /** Closes the current module's instance unless a name keeps it reachable. */
  private retireCurrent(): void {
    const current = this.current;
    this.current = null;
    if (current && ![...this.named.values()].includes(current)) current.instance?.close();
  }

  private get emulated(): boolean {
    return this.configuration.executor !== "v8";
  }

  private verdict(command: SpecCommand): Verdict {
    switch (command.type) {
      case "module":
        return this.defineModule(command.filename, command.name);
      case "register":
        return this.register(command.as, command.name);
      case "action":
        return this.act(command.action, (outcome) =>
          outcome.outcome === "return" ? null : `got ${describeOutcome(outcome)}`,
        );
      case "assert_return":
        return this.act(
          command.action,
          (outcome) => checkReturn(outcome, command.expected),
          command.expected,
        );
      case "assert_trap":
      case "assert_exhaustion":
        return this.assertTrap(command.action, command.text);
      case "assert_invalid":
      case "assert_malformed":
        if (command.module_type === "text") return skip(SKIP.textModule);
        return this.assertRejected(command.filename);
      case "assert_unlinkable":
        return this.assertInstantiationFails(command.filename, "link", null);
      case "assert_uninstantiable":
        return this.assertInstantiationFails(command.filename, "instantiate", command.text);
    }
  }

  private defineModule(filename: string, name?: string): Verdict {
    this.retireCurrent();
    const loaded = this.modules.get(filename);
    if (loaded instanceof FrontEndError) {
      return loaded instanceof UnsupportedFeature
        ? skip(SKIP.postMvp(loaded.feature))
        : fail(`rejected: ${loaded.message}`);
    }
    const [state, verdict] = this.instantiate(loaded);
    this.current = state;
    if (name !== undefined) this.named.set(name, state);
    return verdict;
  }

  private instantiate(loaded: LoadedModule): [ModuleState, Verdict] {
    if (this.emulated && loaded.validated.module.imports.length > 0) {
      return [{ loaded, instance: null, skip: SKIP.imports }, skip(SKIP.imports)];
    }
    const imports = { spectest: this.spectest, ...this.registered };
    const result = this.executors.instantiate(
      loaded,
      this.configuration.executor,
      this.configuration.strategy,
      imports,
    );
    if (!result.ok) {
      const why = result.stage === "instantiate" ? describeOutcome(result.outcome) : result.message;
      return [{ loaded, instance: null, skip: null }, fail(`${result.stage} failed: ${why}`)];
    }
    return [{ loaded, instance: result.instance, skip: null }, PASS];
  }

  private register(as: string, name?: string): Verdict {
    if (this.emulated) return skip(SKIP.imports);
    const state = name === undefined ? this.current : this.named.get(name);
    if (!state?.instance?.v8Exports) return fail(`nothing to register as "${as}"`);
    this.registered[as] = state.instance.v8Exports;
    return PASS;
  }

  /** Runs an action and checks its outcome; `values` are the arguments and results V8 must carry exactly. */
  private act(
    action: SpecAction,
    check: (outcome: Outcome) => string | null,
    results: readonly ExpectedValue[] = [],
  ): Verdict {
    const state = action.module === undefined ? this.current : this.named.get(action.module);
    if (state === undefined || state === null) return fail(`no module ${action.module ?? "defined"}`);
    if (state.skip !== null) return skip(state.skip);
    if (state.instance === null) return fail("the module did not instantiate");
    if (action.type === "get") {
      const message = check(state.instance.getGlobal(action.field));
      return message === null ? PASS : fail(`${action.field}: ${message}`);
    }
    const args = action.args ?? [];
    const reason = this.skipReason(state.loaded, action.field);
    if (reason !== null) return skip(reason);
    if (!this.emulated && [...args, ...results].some(hasNanBits)) return skip(SKIP.v8Nan);
    const message = check(state.instance.invoke(action.field, args));
    return message === null
      ? PASS
      : fail(`${action.field}(${args.map((a) => a.value).join(", ")}): ${message}`);
  }

  private assertTrap(action: SpecAction, text: string): Verdict {
    const kind = trapKindOfText(text);
    if (kind === undefined) return fail(`unknown trap text "${text}"`);
    const sameKind = this.emulated ? undefined : v8TrapMatches;
    return this.act(action, (outcome) => checkTrap(outcome, kind, sameKind));
  }

  /** Why invoking export `field` is skipped on this configuration, or null. */
  private skipReason(loaded: LoadedModule, field: string): string | null {
    const { validated } = loaded;
    const exported = validated.module.exports.find((e) => e.name === field && e.kind === "func");
    if (exported === undefined) return null;
    const { executor, strategy } = this.configuration;
    const support =
      executor === "v8"
        ? postMvpSupport(validated)
        : compiledSupport(validated, this.executors.compile(loaded, executor, strategy));
    return unsupportedReach(validated, support, exported.index);
  }

  private assertRejected(filename: string): Verdict {
    const loaded = this.modules.get(filename);
    if (loaded instanceof UnsupportedFeature) return skip(SKIP.postMvp(loaded.feature));
    if (loaded instanceof MalformedModule || loaded instanceof InvalidModule) return PASS;
    if (loaded instanceof FrontEndError) return fail(`front end failed: ${loaded.message}`);
    // The front end does not validate what it does not support: the module may be invalid there.
    const { module, functions } = loaded.validated;
    const postMvp = module.postMvp?.[0] ?? functions.find((f) => f.unsupported)?.unsupported;
    return postMvp ? skip(SKIP.postMvp(postMvp.feature)) : fail("the module was accepted");
  }

  private assertInstantiationFails(
    filename: string,
    stage: "link" | "instantiate",
    text: string | null,
  ): Verdict {
    const loaded = this.modules.get(filename);
    if (loaded instanceof UnsupportedFeature) return skip(SKIP.postMvp(loaded.feature));
    if (loaded instanceof FrontEndError) return fail(`rejected by the front end: ${loaded.message}`);
    if (this.emulated && loaded.validated.module.imports.length > 0) return skip(SKIP.imports);
    const imports = { spectest: this.spectest, ...this.registered };
    const result = this.executors.instantiate(
      loaded,
      this.configuration.executor,
      this.configuration.strategy,
      imports,
    );
    if (result.ok) {
      result.instance.close();
      return fail(`expected ${stage} to fail, but the module instantiated`);
    }
    if (result.stage !== stage) return fail(`expected ${stage} to fail, ${result.stage} failed`);
    if (result.stage !== "instantiate" || text === null) return PASS;
    const kind = trapKindOfText(text);
    if (kind === undefined) return fail(`unknown trap text "${text}"`);
    const message = checkTrap(result.outcome, kind, this.emulated ? undefined : v8TrapMatches);
    return message === null ? PASS : fail(message);
  }
}

/** A float value with NaN bits (not a NaN pattern): V8 may not pass or return it bit-exactly. */
function hasNanBits(value: ExpectedValue): boolean {
  return (
    value.type !== "i32" && value.type !== "i64" && !isNanPattern(value) && isNanBits(value.type, value.value)
  );
}

/** The spec tests' `spectest` module, as V8 imports (wast's reference interpreter defines the same). */
function spectestForV8(): WebAssembly.ModuleImports {
  const print = () => {};
  return {
    print,
    print_i32: print,
    print_i64: print,
    print_f32: print,
    print_f64: print,
    print_i32_f32: print,
    print_f64_f64: print,
    global_i32: new WebAssembly.Global({ value: "i32", mutable: false }, 666),
    global_i64: new WebAssembly.Global({ value: "i64", mutable: false }, 666n),
    global_f32: new WebAssembly.Global({ value: "f32", mutable: false }, 666.6),
    global_f64: new WebAssembly.Global({ value: "f64", mutable: false }, 666.6),
    table: new WebAssembly.Table({ initial: 10, maximum: 20, element: "anyfunc" }),
    memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
  };
}
