/**
 * Reuses one engine across runs and replaces it after a number of runs: Unicorn's translation cache
 * only grows, and a fresh engine costs 0.2–0.7 ms, so replacement is rare but bounded.
 */
import type { Target } from "../../src/compiler/target.js";
import { InvalidArgumentError } from "../errors.js";
import { createEngine, type Engine, type EngineOptions } from "./engine.js";

export interface EnginePoolOptions {
  /** Runs after which the engine is closed and replaced (default 50,000). */
  maxRunsPerEngine?: number;
  engine?: EngineOptions;
  /** Prepares every new engine (maps its regions, sets its exits...). */
  prepare?: (engine: Engine) => void;
}

export class EnginePool {
  private current: Engine | null = null;
  private readonly maxRuns: number;
  /** Engines created so far, including the current one. */
  created = 0;

  constructor(
    readonly target: Target,
    private readonly options: EnginePoolOptions = {},
  ) {
    this.maxRuns = options.maxRunsPerEngine ?? 50_000;
    if (!Number.isSafeInteger(this.maxRuns) || this.maxRuns <= 0) {
      throw new InvalidArgumentError(`maxRunsPerEngine must be a positive integer, got ${this.maxRuns}`);
    }
  }

  /** The engine to use for the next run; a previously returned one may have been closed. */
  acquire(): Engine {
    if (this.current !== null && this.current.runCount >= this.maxRuns) this.close();
    if (this.current === null) {
      const engine = createEngine(this.target, this.options.engine);
      this.options.prepare?.(engine);
      this.current = engine;
      this.created++;
    }
    return this.current;
  }

  close(): void {
    this.current?.close();
    this.current = null;
  }
}
