// One module under `check`: read and validate it, compile it for every target, verify each artifact
// statically and compare the targets, describe its functions' frames, then check every invocation.
// Problems with the input become findings of the module (the other modules are still checked).
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { emulatedHosts, HostImportError, type HostSettings } from "../../emulators/hosts/instance-hosts.js";
import { WASI_MODULE } from "../../emulators/hosts/wasi-abi.js";
import { CODE_BASE } from "../../emulators/runtime/layout.js";
import { linkImports } from "../../emulators/runtime/link.js";
import type { Runner } from "../../emulators/runtime/runner.js";
import type { Artifact } from "../compiler/artifact.js";
import { compileModule } from "../compiler/compile.js";
import type { Target } from "../compiler/target.js";
import { LimiterRejects } from "../instrument/index.js";
import { type LimitedModule, limitModule } from "../logical/limited.js";
import type { OriginalTerms } from "../logical/terms.js";
import type { Invocation } from "../verify/dynamic.js";
import { compareTargets, type StaticIssue, type StaticReport, verifyArtifact } from "../verify/static.js";
import { InputError } from "../wasm/errors.js";
import { FrontEndError, featureSet, readModule } from "../wasm/index.js";
import { functionName } from "../wasm/instruction-text.js";
import type { Module, ValidatedModule } from "../wasm/ir.js";
import { locationText } from "../wasm/outcome-text.js";
import { frameDrawings } from "./frames.js";
import { type HostOptions, hostSettings, NO_HOST_OPTIONS, overriding } from "./host-options.js";
import { generatedInvocations, readSidecar, sidecarPath } from "./inputs.js";
import { checkInvocation } from "./invocation.js";
import { certifyForCheck, logicalOptionsOf } from "./logical.js";
import type {
  CheckOptions,
  Finding,
  FunctionResult,
  InvocationResult,
  InvocationSource,
  LogicalModuleResult,
  ModuleFeature,
  ModuleHosts,
  ModuleResult,
  ModuleStatus,
  UnplacedFinding,
} from "./model.js";
import type { ModuleUnderCheck } from "./under-check.js";

/** Static findings listed one by one up to this many per target; the rest are counted. */
const MAX_LISTED = 12;
/** The smallest stack given to a recorded run (bytes). */
const MIN_RECORDING_LIMIT = 64 * 1024;
/** Pages memory.grow may reach: linear memory is mapped at its maximum, and a smaller mapping is cheaper. */
const MEMORY_GROW_CAP = 1024;

/** Checks one module; an exception (a bug in samestack) becomes an internal finding of the module. */
export async function checkModule(
  path: string,
  options: CheckOptions,
  runners: ReadonlyMap<Target, Runner>,
): Promise<ModuleResult> {
  try {
    return await checkModuleOrThrow(path, options, runners);
  } catch (error) {
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const message = `internal error (a bug in samestack): ${error instanceof Error ? error.message : stack}`;
    const findings: Finding[] = [
      { severity: "internal", kind: "internal", stack, message, invocation: null },
    ];
    return { ...emptyResult(path, options), findings, status: statusOf(findings) };
  }
}

function emptyResult(path: string, options: CheckOptions) {
  return {
    path,
    sha256: null as string | null,
    strategy: options.strategy,
    targets: options.targets,
    name: null as string | null,
    features: null as ModuleFeature[] | null,
    invocationSource: { kind: "none" } as InvocationSource,
    hosts: null as ModuleHosts | null,
    limits: [...options.limits],
    recordingLimit: recordingLimitFor(options.limits),
    functions: [] as FunctionResult[],
    invocations: [] as InvocationResult[],
  };
}

async function checkModuleOrThrow(
  path: string,
  options: CheckOptions,
  runners: ReadonlyMap<Target, Runner>,
): Promise<ModuleResult> {
  const findings: Finding[] = [];
  const base = emptyResult(path, options);
  let logicalResult: LogicalModuleResult | null = null;
  const done = (): ModuleResult => ({
    ...base,
    ...(logicalResult ? { logical: logicalResult } : {}),
    findings,
    status: statusOf(findings),
  });
  const fail = (finding: UnplacedFinding) => {
    findings.push({ ...finding, invocation: null });
    return done();
  };

  const file = await readFile(path).catch((error: Error) => error);
  if (file instanceof Error) return fail({ severity: "input", kind: "unreadable", message: file.message });
  base.sha256 = createHash("sha256").update(file).digest("hex");

  let bytes: Uint8Array;
  let validated: ValidatedModule;
  try {
    ({ bytes, validated } = await readModule(file, path, featureSet(options.features)));
  } catch (error) {
    if (!(error instanceof FrontEndError)) throw error;
    return fail({
      severity: "input",
      kind: "front-end",
      id: error.id,
      offset: error.offset,
      funcIndex: error.funcIndex ?? null,
      message: `${error.name}: ${error.message}`,
    });
  }
  base.name = validated.module.names.module ?? null;
  base.features = validated.features.map(({ feature, offset, funcIndex }) => ({
    feature,
    offset,
    funcIndex: funcIndex ?? null,
  }));

  let invocations: readonly Invocation[];
  let hostOptions: HostOptions;
  let hosts: HostSettings;
  let sidecarStackLimit: number | null = null;
  try {
    const sidecar = await readSidecar(path, validated);
    hostOptions = overriding(options.hosts ?? NO_HOST_OPTIONS, sidecar?.hosts ?? {});
    hosts = await hostSettings(hostOptions, path, options.seed);
    invocations = sidecar?.invocations ?? generatedInvocations(validated, options.seed);
    base.invocationSource = sidecar
      ? { kind: "sidecar", path: sidecarPath(path) }
      : { kind: "generated", seed: options.seed };
    base.limits = [...new Set([...(sidecar?.limits ?? []), ...options.limits])].sort((a, b) => a - b);
    base.recordingLimit = recordingLimitFor(base.limits);
    sidecarStackLimit = sidecar?.stackLimit ?? null;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return fail({ severity: "input", kind: "bad-sidecar", message: error.message });
  }
  if (usesHosts(validated.module, hosts)) base.hosts = moduleHosts(hosts, hostOptions.stdin);
  const unlinkable = linkProblem(validated.module, hosts);
  if (unlinkable !== null) return fail({ severity: "input", kind: "unlinkable", message: unlinkable });

  // Under `logical` the instrumented module runs everywhere; reports speak of the original.
  let limited: LimitedModule | null = null;
  if (options.strategy === "logical") {
    try {
      limited = limitModule(validated, logicalOptionsOf(options));
    } catch (error) {
      if (!(error instanceof LimiterRejects)) throw error;
      return fail({ severity: "input", kind: "limiter-rejects", message: error.message });
    }
  }
  const running = limited?.instrumented ?? { bytes, validated };

  const artifacts: Artifact[] = options.targets.map((target) =>
    compileModule(running.validated, {
      target,
      strategy: options.strategy,
      layout: { codeBase: BigInt(CODE_BASE) },
      memoryGrowCap: MEMORY_GROW_CAP,
    }),
  );

  const reports = artifacts.map(verifyArtifact);
  // Under `logical` the targets' frames differ by design: what must hold is the certificate.
  for (const finding of staticFindings(reports, limited === null))
    findings.push({ ...finding, invocation: null });
  base.functions = validated.module.bodies.map((_, definedIndex) =>
    functionResult(validated, running.validated, definedIndex, artifacts, options, limited?.terms ?? null),
  );

  let logical: ModuleUnderCheck["logical"] = null;
  if (limited) {
    const stackLimit = sidecarStackLimit ?? logicalOptionsOf(options).stackLimit;
    const certified = certifyForCheck(validated, limited, reports, stackLimit, base.recordingLimit);
    logicalResult = certified.result;
    if (certified.finding) findings.push({ ...certified.finding, invocation: null });
    base.recordingLimit = certified.recordingLimit;
    logical = certified.underCheck;
  }

  const module: ModuleUnderCheck = {
    validated: running.validated,
    bytes: running.bytes,
    artifacts,
    runners,
    options,
    hosts,
    limits: base.limits,
    recordingLimit: base.recordingLimit,
    logical,
  };
  invocations.forEach((invocation, index) => {
    const checked = checkInvocation(module, invocation);
    base.invocations.push(checked.result);
    for (const finding of checked.findings) findings.push({ ...finding, invocation: index });
  });
  return done();
}

/** Why the module's imports cannot be bound to the hosts, or null. */
function linkProblem(module: Module, hosts: HostSettings): string | null {
  try {
    const linking = linkImports(module, emulatedHosts(module, hosts).imports);
    if (linking.ok) return null;
    return linking.message.startsWith("unknown import")
      ? `${linking.message}: a module other than spectest, env and ${WASI_MODULE} needs --stub-imports or a sidecar's "stubImports"`
      : linking.message;
  } catch (error) {
    if (error instanceof HostImportError) return error.message;
    throw error;
  }
}

/** Whether the module's program sees the host settings: it imports WASI or a stubbed module. */
function usesHosts(module: Module, hosts: HostSettings): boolean {
  const modules = [WASI_MODULE, ...hosts.stubImports];
  return module.imports.some((i) => modules.includes(i.module));
}

function moduleHosts({ wasi, stubImports }: HostSettings, stdin: string | null): ModuleHosts {
  return {
    args: wasi.args,
    env: wasi.env,
    dirs: wasi.preopens.map((dir) => `${dir.host}::${dir.guest}`),
    stdin,
    stubImports,
  };
}

/** Above every limit, so that each limit's overflow point is inside the recorded profile. */
function recordingLimitFor(limits: readonly number[]): number {
  return Math.max(MIN_RECORDING_LIMIT, 2 * Math.max(0, ...limits));
}

function statusOf(findings: readonly Finding[]): ModuleStatus {
  if (findings.some((f) => f.severity === "internal")) return "internal-error";
  if (findings.some((f) => f.severity === "input")) return "input-error";
  return findings.length > 0 ? "fail" : "pass";
}

/** Every target's static issues, and (when they must be equal) the differences of each target from the first. */
function staticFindings(reports: readonly StaticReport[], compareAcross: boolean): UnplacedFinding[] {
  const findings: UnplacedFinding[] = [];
  for (const report of reports) {
    report.issues.slice(0, MAX_LISTED).forEach((issue) => {
      findings.push({
        severity: "divergence",
        kind: "static-issue",
        target: report.target,
        details: JSON.stringify(issue, (_, value) =>
          typeof value === "bigint" ? `0x${value.toString(16)}` : value,
        ),
        message: `${report.target}: static verifier: ${issueText(issue)}`,
      });
    });
    if (report.issues.length > MAX_LISTED) {
      findings.push({
        severity: "divergence",
        kind: "static-issue",
        target: report.target,
        details: "",
        message: `${report.target}: static verifier: ${report.issues.length - MAX_LISTED} more issues`,
      });
    }
  }
  const [reference, ...others] = reports;
  for (const other of compareAcross ? others : []) {
    const differences = compareTargets(reference!, other);
    if (differences.length === 0) continue;
    const details = differences.slice(0, MAX_LISTED).map((d) => {
      const at = locationText(d);
      const depth = (x: typeof d.a) => (x ? `${x.depthAtStart}→${x.deepest}` : "no code");
      return `${at}: ${reference!.target} ${depth(d.a)}, ${other.target} ${depth(d.b)}`;
    });
    findings.push({
      severity: "divergence",
      kind: "static-difference",
      count: differences.length,
      details,
      message: `static depths differ between ${reference!.target} and ${other.target} at ${differences.length} places, first ${details[0]}`,
    });
  }
  return findings;
}

function issueText(issue: StaticIssue): string {
  const where = "address" in issue ? ` at 0x${issue.address.toString(16)} (${issue.text})` : "";
  return `${issue.kind} in f${issue.funcIndex}${where}`;
}

/**
 * One function of the module, as `validated` declares it; its frames as compiled from `running`
 * (under `logical` the instrumented module, whose instructions `terms` maps back).
 */
function functionResult(
  validated: ValidatedModule,
  running: ValidatedModule,
  definedIndex: number,
  artifacts: readonly Artifact[],
  options: CheckOptions,
  terms: OriginalTerms | null,
): FunctionResult {
  const funcIndex = validated.funcTypes.length - validated.module.bodies.length + definedIndex;
  const type = validated.funcTypes[funcIndex]!;
  return {
    funcIndex,
    name: functionName(validated, funcIndex),
    exportedAs: validated.module.exports
      .filter((e) => e.kind === "func" && e.index === funcIndex)
      .map((e) => e.name),
    params: type.params,
    results: type.results,
    perTarget: artifacts.map((artifact) => ({
      target: artifact.target,
      frameBytes: artifact.frameBytes[funcIndex] ?? 0,
      prologueDepth: artifact.prologueDepth[funcIndex] ?? 0,
      codeBytes: (artifact.entries[funcIndex + 1] ?? artifact.code.length) - artifact.entries[funcIndex]!,
    })),
    drawing: originalDrawing(
      frameDrawings(running, definedIndex, artifacts, options.strategy),
      funcIndex,
      terms,
    ),
  };
}

function originalDrawing(
  drawing: FunctionResult["drawing"],
  funcIndex: number,
  terms: OriginalTerms | null,
): FunctionResult["drawing"] {
  if (drawing === null || terms === null) return drawing;
  const at = terms.location({ funcIndex, instrIndex: drawing.instrIndex, offset: -1 });
  return at ? { ...drawing, instrIndex: at.instrIndex } : drawing;
}
