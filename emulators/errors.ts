/** Errors of the emulator harness. Programs that misbehave are stop reasons, not errors. */

export class EmulatorError extends Error {
  override name = "EmulatorError";
}

/** The native helper is not built or a native library is missing. */
export class NativeLibraryError extends EmulatorError {
  override name = "NativeLibraryError";
}

/** The engine was closed (or replaced by its pool) and cannot be used any more. */
export class EngineClosedError extends EmulatorError {
  override name = "EngineClosedError";
}

/** A region cannot be mapped: unaligned, empty, too large, out of the address space, or overlapping. */
export class MappingError extends EmulatorError {
  override name = "MappingError";
}

/** Host-side read or write of emulated memory that is not mapped. */
export class MemoryAccessError extends EmulatorError {
  override name = "MemoryAccessError";
}

/** A run was asked to start where no executable region is mapped. */
export class InvalidEntryError extends EmulatorError {
  override name = "InvalidEntryError";
}

/** A register name this target does not have (or that the harness does not expose). */
export class UnknownRegisterError extends EmulatorError {
  override name = "UnknownRegisterError";
}

/** Any other argument out of its documented domain (fuel, addresses outside the instrumented range...). */
export class InvalidArgumentError extends EmulatorError {
  override name = "InvalidArgumentError";
}

/** Unicorn refused an operation the harness had validated: an internal invariant failed. */
export class UnicornError extends EmulatorError {
  override name = "UnicornError";
  constructor(
    readonly operation: string,
    readonly code: number,
    message: string,
  ) {
    super(`${operation} failed: ${message} (uc_err ${code})`);
  }
}
