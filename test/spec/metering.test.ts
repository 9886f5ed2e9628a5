// Block metering gives the answer instruction metering gives on the spec suite's invocations
// (emulators/runtime/metering-check.ts): every third spec file that links no module to another
// (a registered module's shared state would be changed twice), on both targets, each file under one
// strategy (in turn, so all of them are met), each invocation run on a block-metered and an
// instruction-metered instance in step and compared in outcome, Wasm instructions executed,
// registers and stack bytes.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import {
  type ExecutorImports,
  type ExecutorInstantiation,
  Executors,
  type LoadedModule,
} from "../../emulators/executor.js";
import { compareMeterings } from "../../emulators/runtime/metering-check.js";
import { STRATEGIES, type Strategy, TARGETS } from "../../src/compiler/target.js";
import { runSpecFile, specSuiteDirectory } from "../../src/spec/runner.js";

const directory = specSuiteDirectory();
const SAMPLE = readdirSync(directory)
  .filter((name) => name.endsWith(".json"))
  .sort()
  .filter((_, i) => i % 3 === 0)
  .map((name) => name.slice(0, -".json".length))
  .filter((name) => !readFileSync(join(directory, `${name}.json`), "utf8").includes('"type": "register"'));

/** Executors whose emulated instances run every invocation metered both ways, noting differences. */
class BothMeterings extends Executors {
  readonly differences: string[] = [];
  invocations = 0;
  private readonly precise = new Executors({ metering: "instruction" });

  constructor(private readonly file: string) {
    super({ metering: "block" });
  }

  override instantiate(
    loaded: LoadedModule,
    executor: "x64" | "aarch64" | "v8",
    strategy: Strategy,
    imports?: ExecutorImports,
  ): ExecutorInstantiation {
    const fast = super.instantiate(loaded, executor, strategy, imports);
    if (!fast.ok || fast.instance.emulated === null) return fast;
    const shadow = this.precise.instantiate(loaded, executor, strategy, imports);
    if (!shadow.ok || shadow.instance.emulated === null) {
      this.differences.push(`${this.file} ${executor}/${strategy}: only block metering instantiated`);
      return fast;
    }
    const [a, b] = [fast.instance.emulated, shadow.instance.emulated];
    return {
      ok: true,
      instance: {
        ...fast.instance,
        invoke: (name, args, options) => {
          const { outcome, difference } = compareMeterings(a, b, name, args, options);
          this.invocations++;
          if (difference)
            this.differences.push(`${this.file} ${executor}/${strategy} ${name}: ${difference}`);
          return outcome;
        },
        close: () => {
          a.close();
          b.close();
        },
      },
    };
  }

  override close(): void {
    super.close();
    this.precise.close();
  }
}

const opened: Executors[] = [];
afterAll(() => {
  for (const executors of opened) executors.close();
});

it(`runs ${SAMPLE.length} spec files the same metered per block and per instruction`, async () => {
  const differences: string[] = [];
  let invocations = 0;
  for (const [i, file] of SAMPLE.entries()) {
    // Metering is the engines' concern, not the strategy's: each file runs under one strategy, in
    // turn, so every strategy meets a quarter of the sample, on both targets.
    const strategy = STRATEGIES[i % STRATEGIES.length]!;
    const configurations = TARGETS.map((executor) => ({ executor, strategy }));
    const executors = new BothMeterings(file);
    opened.push(executors);
    await runSpecFile(file, { configurations, executors });
    differences.push(...executors.differences);
    invocations += executors.invocations;
    executors.close();
  }
  console.log(`spec sample: ${SAMPLE.length} files, ${invocations} invocations compared`);
  expect(differences).toEqual([]);
  expect(invocations).toBeGreaterThan(1000);
}, 600_000);
