// `samestack compile`: what the compiler made of a module on each target — a summary of every
// function's code and frame, or (--disasm) the machine code annotated with the Wasm it belongs to.
import type { Command } from "commander";
import { disassemble } from "../../emulators/capstone.js";
import { Executors, type LoadedModule } from "../../emulators/runner-executor.js";
import { type Artifact, type SourceMapEntry, unwindAt } from "../compiler/artifact.js";
import { type Strategy, TARGETS, type Target } from "../compiler/target.js";
import { functionName, instructionText } from "../verify/check-wasm-text.js";
import type { CommandContext } from "./context.js";
import { loadModuleFile } from "./load-module.js";
import { parseStrategy, parseTarget } from "./options.js";

interface CompileOptions {
  readonly target?: Target;
  readonly strategy: Strategy;
  readonly disasm?: boolean;
}

export function registerCompile(program: Command, context: CommandContext): void {
  program
    .command("compile")
    .description("compile a module and show each function's code and frame, or its annotated disassembly")
    .argument("<module>", "module file, .wat or .wasm")
    .option("--target <target>", `${TARGETS.join(" or ")} (default: both)`, parseTarget)
    .option("--strategy <strategy>", "stack strategy", parseStrategy, "intersect")
    .option(
      "--disasm",
      "disassemble, annotated with each range's Wasm instruction and the depth at its start",
    )
    .action(async (path: string, options: CompileOptions) => {
      const loaded = await loadModuleFile(path);
      const executors = new Executors();
      for (const target of options.target ? [options.target] : TARGETS) {
        const artifact = executors.compile(loaded, target, options.strategy);
        context.io.stdout(options.disasm ? disassembly(loaded, artifact) : summary(loaded, artifact));
      }
    });
}

function header(artifact: Artifact): string {
  const base = `0x${artifact.codeBase.toString(16)}`;
  return `;; ${artifact.target}, ${artifact.strategy}: ${artifact.code.length} bytes of code at ${base}\n`;
}

/** One line per defined function: code bytes, deepest stack use, and why it was not compiled. */
function summary(loaded: LoadedModule, artifact: Artifact): string {
  const lines = [header(artifact)];
  for (const [funcIndex, entry] of artifact.entries.entries()) {
    if (funcIndex < artifact.imports.length) continue;
    const end = artifact.entries[funcIndex + 1] ?? artifact.code.length;
    const stub = artifact.trapSites.find((site) => site.funcIndex === funcIndex && site.unsupported);
    const note = stub ? `  not compiled: ${stub.unsupported}` : "";
    lines.push(
      `${functionTitle(loaded, funcIndex)}: ${end - entry} bytes, frame ${artifact.frameBytes[funcIndex]} bytes${note}\n`,
    );
  }
  return `${lines.join("")}\n`;
}

/** The code range by range: each range's owner and depth, then its instructions as Capstone prints them. */
function disassembly(loaded: LoadedModule, artifact: Artifact): string {
  const out = [header(artifact)];
  let currentFunction: number | undefined;
  for (const range of artifact.sourceMap) {
    if (range.kind === "exit") continue;
    const funcIndex = owner(artifact, range);
    if (funcIndex !== currentFunction) {
      currentFunction = funcIndex;
      out.push(`\n${functionTitle(loaded, funcIndex)}, frame ${artifact.frameBytes[funcIndex]} bytes\n`);
    }
    out.push(
      `  ${rangeTitle(loaded, artifact, range).padEnd(48)} depth ${depthAt(artifact, funcIndex, range)}\n`,
    );
    const address = artifact.codeBase + BigInt(range.start);
    const bytes = artifact.code.subarray(range.start, range.end);
    let decoded = 0;
    for (const instruction of disassemble(artifact.target, bytes, address)) {
      const hex = Buffer.from(instruction.bytes)
        .toString("hex")
        .replace(/(..)(?!$)/g, "$1 ");
      const text = `${instruction.mnemonic} ${instruction.opStr}`.trim();
      out.push(`    0x${instruction.address.toString(16)}  ${hex.padEnd(30)} ${text}\n`);
      decoded += instruction.size;
    }
    if (decoded < bytes.length) out.push(`    (${bytes.length - decoded} bytes Capstone does not decode)\n`);
  }
  return `${out.join("")}\n`;
}

function owner(artifact: Artifact, range: Exclude<SourceMapEntry, { kind: "exit" }>): number {
  return range.kind === "trap-stub" ? artifact.trapSites[range.site]!.funcIndex : range.funcIndex;
}

function rangeTitle(loaded: LoadedModule, artifact: Artifact, range: SourceMapEntry): string {
  switch (range.kind) {
    case "prologue":
      return "prologue (belongs to the caller's call)";
    case "instr": {
      const body = loaded.validated.module.bodies[range.funcIndex - artifact.imports.length]!;
      return `${range.instrIndex}: ${instructionText(loaded.validated, range.funcIndex, body.code[range.instrIndex]!)}`;
    }
    case "trap-stub": {
      const site = artifact.trapSites[range.site]!;
      const at = site.instrIndex === null ? "the prologue" : `instruction ${site.instrIndex}`;
      return `trap stub: ${site.unsupported ? "not compiled" : site.kind} at ${at}`;
    }
    case "exit":
      return `exit ${range.exit}`;
  }
}

/** Bytes SP is below the function's reference where the range starts. */
function depthAt(artifact: Artifact, funcIndex: number, range: SourceMapEntry): number | string {
  if (range.kind === "instr") return artifact.stackMap[funcIndex]?.[range.instrIndex]?.depthAtStart ?? "?";
  return unwindAt(artifact, funcIndex, range.start)?.spBelowReference ?? "?";
}

function functionTitle(loaded: LoadedModule, funcIndex: number): string {
  const name = functionName(loaded.validated, funcIndex);
  const type = loaded.validated.funcTypes[funcIndex]!;
  const signature = [
    type.params.length ? ` (param ${type.params.join(" ")})` : "",
    type.results.length ? ` (result ${type.results.join(" ")})` : "",
  ].join("");
  return `function ${funcIndex}${name === null ? "" : ` $${name}`}${signature}`;
}
