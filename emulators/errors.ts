// Errors of the emulator harness and the runtime over it: all internal (a samestack bug, or a broken
// installation), named after their class. Programs that misbehave are stop reasons or outcomes, not errors.
import { InternalError } from "../src/wasm/errors.js";

export class EmulatorError extends InternalError {}

/** The native helper is not built or a native library is missing. */
export class NativeLibraryError extends EmulatorError {}

/** The engine was closed (or replaced by its pool) and cannot be used any more. */
export class EngineClosedError extends EmulatorError {}

/** A region cannot be mapped: unaligned, empty, too large, out of the address space, or overlapping. */
export class MappingError extends EmulatorError {}

/** Host-side read or write of emulated memory that is not mapped. */
export class MemoryAccessError extends EmulatorError {}

/** A run was asked to start where no executable region is mapped. */
export class InvalidEntryError extends EmulatorError {}

/** A register name this target does not have (or that the harness does not expose). */
export class UnknownRegisterError extends EmulatorError {}

/**
 * Any other argument out of its documented domain: fuel, a stack limit, addresses outside the
 * instrumented range, an artifact for another target or code base, a closed instance, a module's
 * exports of the wrong executor, a global the module does not have.
 */
export class InvalidArgumentError extends EmulatorError {}

/** More of something than the runtime has room for (exit slots for foreign functions in a table). */
export class CapacityError extends EmulatorError {}

/** Unicorn refused an operation the harness had validated: an internal invariant failed. */
export class UnicornError extends EmulatorError {
  constructor(
    readonly operation: string,
    readonly code: number,
    message: string,
  ) {
    super(`${operation} failed: ${message} (uc_err ${code})`);
  }
}
