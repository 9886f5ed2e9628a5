// One fixed seed for every property test, overridable to replay a failure: FC_SEED=<n> npx vitest run <file>.
import fc from "fast-check";

export const DEFAULT_SEED = 20261125;

/** A property found a counterexample: what fast-check reports, with the seed and the replay command. */
export class PropertyFailure extends Error {
  override name = "PropertyFailure";
}

/** Parameters for fc.assert: the seed from FC_SEED (or the fixed default) and a replay hint on failure. */
export function propertyParameters<Ts>(testFile: string, numRuns = 100): fc.Parameters<Ts> {
  const seed = process.env.FC_SEED === undefined ? DEFAULT_SEED : Number(process.env.FC_SEED);
  return {
    seed,
    numRuns,
    reporter(details) {
      if (!details.failed) return;
      const replay = `FC_SEED=${details.seed} npx vitest run ${testFile}`;
      const cause =
        details.errorInstance instanceof Error
          ? details.errorInstance.message
          : String(details.errorInstance);
      throw new PropertyFailure(
        `${fc.defaultReportMessage(details)}\nfailure: ${cause}\nseed ${details.seed}; replay: ${replay}`,
        {
          cause: details.errorInstance,
        },
      );
    },
  };
}
