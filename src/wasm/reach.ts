// Which functions may run into a post-1.0 construct: their own, or one of a function they may
// call. A runner skips exactly the invocations of those functions.
import type { FuncType, UnsupportedUse, ValidatedModule } from "./ir.js";

/**
 * Per function index (imports included): the post-1.0 construct a call to that function may reach,
 * or null. Calls are followed directly and, for call_indirect, to every function of an equal
 * signature placed in table 0 by an element segment. An imported function reaches one when its
 * signature is post-1.0.
 */
export function postMvpReach({ module, functions, funcTypes }: ValidatedModule): (UnsupportedUse | null)[] {
  const imported = funcTypes.length - functions.length;
  const reach: (UnsupportedUse | null)[] = funcTypes.map((type, index) =>
    index < imported ? signatureUse(type) : functions[index - imported]!.unsupported,
  );
  const inTable = [
    ...new Set(
      module.elems.flatMap((elem) => (elem.mode === "active" && elem.table === 0 ? elem.funcs : [])),
    ),
  ];
  // only functions validated to their end: the others already reach a construct
  const callees = module.bodies.map((body, i) => {
    const targets = new Set<number>();
    if (reach[imported + i] !== null) return [];
    for (const instr of body.code) {
      if (instr.op === "call") targets.add(instr.func);
      else if (instr.op === "call_indirect") {
        const type = module.types[instr.typeIndex]!;
        for (const func of inTable) if (sameSignature(funcTypes[func]!, type)) targets.add(func);
      }
    }
    return [...targets];
  });
  // Propagate from callees to callers until nothing changes; each round marks at least one more.
  for (let changed = true; changed; ) {
    changed = false;
    callees.forEach((targets, i) => {
      const caller = imported + i;
      if (reach[caller] !== null) return;
      const found = targets.find((target) => reach[target] !== null);
      if (found !== undefined) {
        reach[caller] = reach[found]!;
        changed = true;
      }
    });
  }
  return reach;
}

function signatureUse(type: FuncType): UnsupportedUse | null {
  return type.unsupported ?? null;
}

function sameSignature(a: FuncType, b: FuncType): boolean {
  if (a.unsupported || b.unsupported) return a === b;
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((t, i) => t === y[i]);
  return same(a.params, b.params) && same(a.results, b.results);
}
