// What samestack states about an instruction-set architecture, once per target, in
// targets/<isa>/isa.ts, and hands to every layer through `lookup(target)` (targets/index.ts).
// Register names are as Capstone prints them, the names the emulator harness also accepts.

/** Registers whose role some layer outside the backend needs: the harness, the runtime, reports. */
export interface IsaRegisters {
  readonly pc: string;
  readonly sp: string;
  readonly fp: string;
  /**
   * The link register, or null on an ISA whose call pushes the return address on the stack. The ABI
   * constants follow from it (abi.ts): the frame record holds fp, and lr where there is one.
   */
  readonly lr: string | null;
  /** Where a function's first result comes back. */
  readonly result: string;
  /** Where a second result comes back (the ABI returns a two-word struct in result:secondResult). */
  readonly secondResult: string;
  /**
   * Where the ABI passes the address of a caller-reserved area for results that do not fit the two
   * result registers (a returned struct of more than two words); it may be an argument register.
   */
  readonly indirectResult: string;
  /** Integer argument registers, in order; their count is the ABI's `intArgRegs`. */
  readonly intArgs: readonly string[];
  /** Pinned VM context pointer, set by the host and never written by generated code. */
  readonly vmctx: string;
  /** Pinned linear memory base, set by the host and never written by generated code. */
  readonly memoryBase: string;
  /** Holds the trap-site index (low 32 bits) when a trap stub branches to its exit. */
  readonly trapSite: string;
}

export interface IsaFacts {
  /** How reports name the ISA ("x86-64"). */
  readonly displayName: string;
  readonly registers: IsaRegisters;
  /** Whether a leaf function may skip the frame record under the ISA's own ABI. */
  readonly leafMayOmitFrameRecord: boolean;
  /** Required alignment of the stack pointer at a call. */
  readonly stackAlignment: number;
  /** Whether SP must be aligned at every SP-based memory access, not only at calls. */
  readonly spAlignedAtEveryAccess: boolean;
  /** Whether the callee hands the indirect result area's address back in the result register. */
  readonly indirectResultReturned: boolean;
  /** A byte whose repetition traps when executed: fills code memory past the generated code. */
  readonly trapFillByte: number;
}
