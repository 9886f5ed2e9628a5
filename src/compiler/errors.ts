// Compiler errors. The front end refuses what samestack does not support, so both are samestack bugs:
// an operator the front end accepts without a visitor here, or a broken invariant.

/** An operator without a visitor: the front end accepted what the compiler cannot compile. */
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
