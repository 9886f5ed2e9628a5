// `samestack compile`: what the compiler made of a module on each target — a summary of every
// function's code and frame, or (--disasm) the machine code annotated with the Wasm it belongs to.
import type { Command } from "commander";
import { Executors, type LoadedModule } from "../../emulators/executor.js";
import type { Artifact } from "../compiler/artifact.js";
import { type Strategy, TARGETS, type Target } from "../compiler/target.js";
import { limitModule } from "../logical/limited.js";
import { annotatedDisassembly, functionTitle, listingHeader } from "../verify/listing.js";
import type { Features } from "../wasm/features.js";
import type { CommandContext } from "./context.js";
import { loadModuleFile } from "./load-module.js";
import { type LogicalFlags, limiterOptionsOf, withLogicalOptions } from "./logical-options.js";
import { featuresOption, parseStrategy, parseTarget } from "./options.js";

interface CompileOptions extends LogicalFlags {
  readonly features: Features;
  readonly target?: Target;
  readonly strategy: Strategy;
  readonly disasm?: boolean;
}

export function registerCompile(program: Command, context: CommandContext): void {
  const command = program
    .command("compile")
    .description("compile a module and show each function's code and frame, or its annotated disassembly")
    .argument("<module>", "module file, .wat or .wasm")
    .option("--target <target>", `${TARGETS.join(" or ")} (default: both)`, parseTarget)
    .option("--strategy <strategy>", "stack strategy", parseStrategy, "intersect")
    .addOption(featuresOption())
    .option(
      "--disasm",
      "disassemble, annotated with each range's Wasm instruction and the depth at its start",
    );
  withLogicalOptions(command).action(async (path: string, options: CompileOptions) => {
    // Under `logical` what is compiled (and shown) is the module with the limiter's code.
    const given = await loadModuleFile(path, options.features);
    const loaded =
      options.strategy === "logical"
        ? limitModule(given.validated, limiterOptionsOf(options)).instrumented
        : given;
    const executors = new Executors();
    for (const target of options.target ? [options.target] : TARGETS) {
      const artifact = executors.compile(loaded, target, options.strategy);
      context.io.stdout(
        options.disasm ? annotatedDisassembly(loaded.validated, artifact) : summary(loaded, artifact),
      );
    }
  });
}

/** One line per defined function: code bytes and deepest stack use. */
function summary(loaded: LoadedModule, artifact: Artifact): string {
  const lines = [listingHeader(artifact)];
  for (const [funcIndex, entry] of artifact.entries.entries()) {
    if (funcIndex < artifact.imports.length) continue;
    const end = artifact.entries[funcIndex + 1] ?? artifact.code.length;
    lines.push(
      `${functionTitle(loaded.validated, funcIndex)}: ${end - entry} bytes, frame ${artifact.frameBytes[funcIndex]} bytes\n`,
    );
  }
  return `${lines.join("")}\n`;
}
