// A child process running one of this folder's modules — the built JS under dist/, or the
// TypeScript source through tsx (tsx-entry.mjs) — that answers one request at a time over IPC.
// Its listeners stay attached for its whole life: Node's IPC channel replays messages queued while
// no listener was attached, and a channel closing during that replay throws inside Node.
import { type ChildProcess, fork } from "node:child_process";
import { InternalError } from "../wasm/errors.js";

/** Every child exits on this message. */
export interface CloseRequest {
  readonly kind: "close";
}

export class Child<Request extends object, Reply> {
  private readonly process: ChildProcess;
  private pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | null = null;
  private readonly exited: Promise<void>;

  /**
   * Runs `module` (a sibling of this file, named without extension) with `setup` as its argument,
   * and `v8Flags` as its V8 options.
   */
  constructor(module: string, setup: unknown, v8Flags: readonly string[] = []) {
    const source = import.meta.url.endsWith(".ts");
    const entry = new URL(source ? "./tsx-entry.mjs" : `./${module}.js`, import.meta.url);
    const args = [...(source ? [`./${module}.ts`] : []), JSON.stringify(setup)];
    this.process = fork(entry, args, { execArgv: [...v8Flags], serialization: "advanced" });
    this.process.on("message", (reply: Reply) => this.settle((p) => p.resolve(reply)));
    this.process.on("error", (error) => this.settle((p) => p.reject(error)));
    this.exited = new Promise((resolve) => {
      this.process.on("exit", (code, signal) => {
        const why = new InternalError(`a ${module} process exited (${signal ?? `code ${code}`})`);
        this.settle((p) => p.reject(why));
        resolve();
      });
    });
  }

  request(message: Request): Promise<Reply> {
    if (this.pending) throw new InternalError("a child process takes one request at a time");
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.process.send(message);
    });
  }

  /** Asks the child to exit; kills it if it has not within 5 s. */
  async close(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    if (this.process.connected) this.process.send({ kind: "close" } satisfies CloseRequest);
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5000).unref());
    if ((await Promise.race([this.exited, timeout])) === "timeout") {
      this.process.kill();
      await this.exited;
    }
  }

  private settle(how: (pending: NonNullable<Child<Request, Reply>["pending"]>) => void): void {
    const pending = this.pending;
    this.pending = null;
    if (pending) how(pending);
  }
}

/** A child's setup: its last argument. */
export function childSetup<T>(): T {
  return JSON.parse(process.argv.at(-1)!) as T;
}
