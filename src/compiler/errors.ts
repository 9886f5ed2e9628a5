// Compiler errors: unsupported input is the user's business; an invariant failure is a samestack bug.

/** A Wasm construct this compiler does not (yet) support. */
export class UnsupportedOperator extends Error {
  readonly id = "compiler/unsupported-operator";
  constructor(
    readonly op: string,
    readonly funcIndex: number,
    readonly instrIndex: number,
  ) {
    super(`unsupported operator ${op} in function ${funcIndex} at instruction ${instrIndex}`);
    this.name = "UnsupportedOperator";
  }
}

/** An internal invariant of the compiler was broken (a bug in samestack, never bad input). */
export class CompilerInvariantError extends Error {
  readonly id = "compiler/invariant";
  constructor(message: string) {
    super(message);
    this.name = "CompilerInvariantError";
  }
}
