/**
 * The emulated address space of one instance, the same on every target, and the registers through
 * which the host hands it to generated code.
 *
 *   0x0010_0000  code (RWX): exit block, then the functions          ≤ CODE_LIMIT bytes
 *                then, from the next page, exit slots for functions outside the instance that its
 *                table holds (bindings.ts)                    FOREIGN_EXIT_BYTES
 *                then trapping bytes up to codeMappingBytes (a power of two, so the instances an
 *                engine serves map one region, which it reuses: engine.ts, `reset`)
 *   0x0800_0000  VM context (RW): fields, globals, descriptors and the module's function-reference
 *                records (src/compiler/README.md, "VM context"), then the records of functions
 *                from outside the instance (FOREIGN_FUNCTION_REFS) and the passive segments'
 *                contents (bindings.ts)                             ≤ VMCTX_LIMIT bytes
 *   0x0c00_0000  guard: never mapped                                  GUARD_BYTES
 *   0x1000_0000  stack limit address (page aligned)  ┐ stack (RW): an invocation uses [limit,
 *                …                                   │ reference + host call area), its top the next
 *   limit + L    reference: SP before the entry call ┘ multiple of STACK_MAP_STEP; L = limit. The
 *                engine maps the largest such stack its instances used, one region (runner.ts)
 *   0x1_0000_0000 linear memory (RW), mapped at its maximum size    ≤ 4 GiB
 *   0x2_0000_0000 tables (RW), one after the other, each mapped at its maximum length: a funcref
 *                table's call entries, then every table's references (src/compiler/artifact.ts,
 *                "TableImage")                                       ≤ TABLES_LIMIT bytes
 */

import {
  EXIT_SLOT_BYTES,
  REFERENCE_BYTES,
  TABLE_ENTRY_BYTES,
  type TableImage,
} from "../../src/compiler/artifact.js";
import type { IsaRegisters } from "../../src/compiler/isa.js";
import { TARGETS, type Target } from "../../src/compiler/target.js";
import { lookup } from "../../src/compiler/targets/index.js";
import { PAGE_SIZE } from "../unicorn/engine.js";

export const CODE_BASE = 0x0010_0000;
/** The most code an instance may have; its code range is instrumented (exact fault pcs, instruction counts). */
export const CODE_LIMIT = 16 * 1024 * 1024;
/** Exit slots (EXIT_SLOT_BYTES each) for table entries that call outside the instance. */
export const FOREIGN_EXIT_BYTES = PAGE_SIZE;
/** Records for functions from outside the instance: one per foreign exit slot, which they call. */
export const FOREIGN_FUNCTION_REFS = FOREIGN_EXIT_BYTES / EXIT_SLOT_BYTES;
export const VMCTX_BASE = 0x0800_0000;
/** Accesses in [STACK_LIMIT_ADDRESS − GUARD_BYTES, STACK_LIMIT_ADDRESS) are stack overflows. */
export const GUARD_BYTES = 0x0400_0000;
export const STACK_LIMIT_ADDRESS = 0x1000_0000;
/** The VM context region ends where the guard begins. */
export const VMCTX_LIMIT = STACK_LIMIT_ADDRESS - GUARD_BYTES - VMCTX_BASE;
export const MEMORY_BASE = 0x1_0000_0000;
export const TABLES_BASE = 0x2_0000_0000;
/** Bytes all of an instance's tables may take. */
export const TABLES_LIMIT = 0x4_0000_0000;
/**
 * The top of the stack an invocation uses is rounded up to this, so invocations with the same limit
 * use the same stack whatever their entry's arguments (the bytes `Instance.machineState` shows).
 */
export const STACK_MAP_STEP = 0x1_0000;
/** The largest stack limit: the stack must end below linear memory. */
export const MAX_STACK_LIMIT = 1024 * 1024 * 1024;

export function pageAlignUp(bytes: number): number {
  return Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE;
}

/** Bytes a table of `elemType` mapped for `entries` entries takes: call entries (funcref), references. */
export function tableRegionBytes(elemType: TableImage["elemType"], entries: number): number {
  const entryBytes = elemType === "funcref" ? TABLE_ENTRY_BYTES : 0;
  return pageAlignUp(entries * (entryBytes + REFERENCE_BYTES));
}

/** The executable region of an instance with `codeBytes` of code: its code pages, then the foreign exits. */
export function codeRegionBytes(codeBytes: number): number {
  return pageAlignUp(codeBytes) + FOREIGN_EXIT_BYTES;
}

/**
 * The code region as mapped: the executable region rounded up to a power of two from 64 KiB (also
 * the engine's instrumented range), past it CODE_FILL.
 */
export function codeMappingBytes(codeBytes: number): number {
  const bytes = codeRegionBytes(codeBytes);
  let size = 64 * 1024;
  while (size < bytes) size *= 2;
  return Math.min(size, CODE_LIMIT);
}

/** What the code mapping holds past the executable region: the target's trapping fill byte. */
export const CODE_FILL = byTarget((target) => lookup(target).isa.trapFillByte);

/** Whether a faulting access at `address` hit the guard region below the stack limit. */
export function inGuard(address: number): boolean {
  return address >= STACK_LIMIT_ADDRESS - GUARD_BYTES && address < STACK_LIMIT_ADDRESS;
}

/** The registers the host sets before an entry call and reads after an exit (the target's ISA facts). */
export type RuntimeRegisters = Pick<IsaRegisters, "vmctx" | "memoryBase" | "trapSite">;

export const RUNTIME_REGISTERS = byTarget((target): RuntimeRegisters => {
  const { vmctx, memoryBase, trapSite } = lookup(target).isa.registers;
  return { vmctx, memoryBase, trapSite };
});

function byTarget<T>(value: (target: Target) => T): Readonly<Record<Target, T>> {
  return Object.fromEntries(TARGETS.map((target) => [target, value(target)])) as Record<Target, T>;
}
