// The reference limiter's cost of a function: how many logical stack units one activation of it is
// charged. The count is the reference's own abstract interpretation, quirks included, so that every
// module it accepts gets exactly its costs (README.md in this folder lists the quirks):
//
//   cost = declared locals + the highest operand count met before any instruction of reachable code,
//          where the count starts at ACTIVATION_FRAME_COST (parameters count only with countParams)
//
// Where WebAssembly 2.0 goes beyond what the reference reads (block params and several results,
// reference and bulk operators), the same rules are extended by arity: a block's frame starts below
// its params, its end leaves its results, a branch to a loop carries the loop's params, and an
// operator with a fixed signature pops its operands at once and pushes its result.
import { InternalError } from "../wasm/errors.js";
import type { FunctionBody, FunctionInfo, Instr, ValidatedModule } from "../wasm/ir.js";
import { NONE, OP_BY_NAME } from "../wasm/opcodes.js";
import { LimiterRejects } from "./errors.js";

/** What the reference charges every activation besides its locals and operands. */
export const ACTIVATION_FRAME_COST = 2;

const MAX_COST = 0xffff_ffff;

/**
 * The logical cost of every function of `validated`, by function index: imported functions cost 0
 * (the reference cannot see their frames), defined ones as above, their parameters added when
 * `countParams` is set.
 */
export function stackCosts(validated: ValidatedModule, countParams: boolean): number[] {
  const imported = validated.funcTypes.length - validated.functions.length;
  return validated.funcTypes.map((type, funcIndex) => {
    if (funcIndex < imported) return 0;
    const body = validated.module.bodies[funcIndex - imported]!;
    const info = validated.functions[funcIndex - imported]!;
    const cost =
      localCount(body) + highestOperandCount(validated, info, body) + (countParams ? type.params.length : 0);
    if (cost > MAX_COST) throw new LimiterRejects(`its cost ${cost} exceeds ${MAX_COST}`, funcIndex, null);
    return cost;
  });
}

/** Declared locals, parameters not included. */
function localCount(body: FunctionBody): number {
  return body.localRuns?.reduce((sum, [count]) => sum + count, 0) ?? body.locals.length;
}

/** One open block, as the reference tracks it. */
interface Frame {
  /** Set once the rest of the block is unreachable; its operand counts then no longer matter. */
  polymorphic: boolean;
  /** Values the block leaves at its end. */
  readonly endArity: number;
  /** Values a branch to it carries. */
  readonly branchArity: number;
  /** The operand count when the block was entered, below its params. */
  readonly startHeight: number;
  /** Its params: the count an `else` starts from at least. */
  readonly params: number;
}

/**
 * The highest operand count of one function's body. The reference's rules, which differ from
 * validation on purpose: the count starts at ACTIVATION_FRAME_COST while the function's own frame
 * starts at 0; it is observed before each instruction unless the innermost block is polymorphic;
 * `else` keeps the count and the polymorphic mark of the `then` arm; popping in a polymorphic block
 * stops only exactly at the block's start.
 */
function highestOperandCount(validated: ValidatedModule, info: FunctionInfo, body: FunctionBody): number {
  const counter = new OperandCounter(info);
  for (const [instrIndex, instr] of body.code.entries()) {
    counter.observe();
    counter.step(validated, instr, instrIndex);
  }
  return counter.highest;
}

/** The reference's abstract operand stack: a count and the open blocks. */
class OperandCounter {
  highest = 0;
  private height = ACTIVATION_FRAME_COST;
  private readonly frames: Frame[];
  private readonly results: number;
  /** The instruction being stepped, for errors. */
  private instrIndex = 0;
  private offset = -1;

  constructor(private readonly info: FunctionInfo) {
    const results = info.type.results.length;
    this.results = results;
    // The function's own block starts at 0, below the activation frame cost the count starts at.
    this.frames = [
      { polymorphic: false, endArity: results, branchArity: results, startHeight: 0, params: 0 },
    ];
  }

  /** Before each instruction: the count is a candidate unless the innermost block is polymorphic. */
  observe(): void {
    if (this.height > this.highest && !this.top().polymorphic) this.highest = this.height;
  }

  step(validated: ValidatedModule, instr: Instr, instrIndex: number): void {
    this.instrIndex = instrIndex;
    this.offset = instr.offset;
    switch (instr.op) {
      case "block":
      case "loop":
        this.enter(instr.op === "loop");
        break;
      case "if":
        this.pop(1);
        this.enter(false);
        break;
      case "else": {
        // The reference keeps the then arm's count; a 2.0 else arm starts from its params at least.
        const block = this.top();
        if (block.params > 0) this.height = Math.max(this.height, block.startHeight + block.params);
        break;
      }
      case "end": {
        const block = this.frames.pop();
        if (!block) throw this.invariant("end without an open block");
        this.height = block.startHeight + block.endArity;
        break;
      }
      case "unreachable":
        this.top().polymorphic = true;
        break;
      case "br":
        this.pop(this.frame(instr.depth).branchArity);
        this.top().polymorphic = true;
        break;
      case "br_if": {
        const arity = this.frame(instr.depth).branchArity;
        this.pop(arity);
        this.pop(1);
        this.push(arity);
        break;
      }
      case "br_table": {
        const arity = this.frame(instr.defaultDepth).branchArity;
        if (instr.depths.some((depth) => this.frame(depth).branchArity !== arity)) {
          throw this.invariant("br_table targets of different arities");
        }
        this.pop(arity);
        this.top().polymorphic = true;
        break;
      }
      case "return":
        this.pop(this.results);
        this.top().polymorphic = true;
        break;
      case "call": {
        const callee = validated.funcTypes[instr.func]!;
        this.pop(callee.params.length);
        this.push(callee.results.length);
        break;
      }
      case "call_indirect": {
        const type = validated.module.types[instr.typeIndex]!;
        this.pop(1);
        this.pop(type.params.length);
        this.push(type.results.length);
        break;
      }
      case "select":
      case "select_t":
        this.pop(2);
        this.pop(1);
        this.push(1);
        break;
      case "drop":
      case "local.set":
      case "global.set":
        this.pop(1);
        break;
      case "local.get":
      case "global.get":
      case "ref.null":
      case "ref.func":
      case "table.size":
        this.push(1);
        break;
      case "local.tee":
      case "ref.is_null":
      case "table.get":
        this.pop(1);
        this.push(1);
        break;
      case "table.set":
        this.pop(2);
        break;
      case "table.grow":
        this.pop(2);
        this.push(1);
        break;
      case "memory.init":
      case "table.init":
      case "table.copy":
      case "table.fill":
        this.pop(3);
        break;
      case "data.drop":
      case "elem.drop":
        break;
      default: {
        const operator = OP_BY_NAME.get(instr.op);
        if (!operator?.params) throw this.invariant(`no stack effect for ${instr.op}`);
        this.pop(operator.params.length);
        this.push(operator.result === NONE ? 0 : 1);
      }
    }
  }

  private top(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  private frame(depth: number): Frame {
    const found = this.frames[this.frames.length - 1 - depth];
    if (!found) throw this.invariant(`branch depth ${depth} beyond the open blocks`);
    return found;
  }

  private enter(isLoop: boolean): void {
    const params = this.info.blockParams[this.instrIndex]!;
    const results = this.info.blockResults[this.instrIndex]!;
    this.frames.push({
      polymorphic: false,
      endArity: results,
      branchArity: isLoop ? params : results,
      startHeight: Math.max(0, this.height - params),
      params,
    });
  }

  private push(count: number): void {
    this.height += count;
  }

  private pop(count: number): void {
    if (count === 0) return;
    const block = this.top();
    if (this.height === block.startHeight) {
      if (block.polymorphic) return;
      throw this.invariant("operands popped beyond the block's start in reachable code");
    }
    if (this.height < count) {
      throw new LimiterRejects(
        "its operand count drops below zero in unreachable code",
        this.info.funcIndex,
        this.instrIndex,
      );
    }
    this.height -= count;
  }

  private invariant(reason: string): InternalError {
    return new InternalError(`stack cost: ${reason}`, this.offset, this.info.funcIndex);
  }
}
