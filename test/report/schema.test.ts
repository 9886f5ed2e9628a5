// Every report samestack writes validates against reports/schema/report.schema.json (ajv, compiled
// here straight from the file), and the schema is not vacuous: broken reports are rejected.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { type Report, SCHEMA_VERSION } from "../../src/report/report.js";
import { checkReport } from "../../src/report/schema.js";
import { copy, fixtureReport } from "./fixture.js";

const schemaFile = path.resolve(import.meta.dirname, "../../reports/schema/report.schema.json");
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, formats: { "date-time": true } });
const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")) as object);

let native: Report;
let intersect: Report;
beforeAll(async () => {
  [native, intersect] = await Promise.all([fixtureReport("native"), fixtureReport("intersect")]);
});

describe("the report schema", () => {
  it("accepts the reports of passing and diverging runs, which are plain JSON", () => {
    for (const report of [native, intersect]) {
      const json = copy(report);
      expect(json).toStrictEqual(report);
      expect(validate(json), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
      expect(checkReport(json).ok).toBe(true);
    }
    // The diverging run exercises the evidence parts of the schema.
    const kinds = native.modules.flatMap((m) => m.invocations.map((i) => i.verdict.kind));
    expect(kinds).toContain("diverged");
  });

  // biome-ignore lint/suspicious/noExplicitAny: each case reaches into the report's JSON by path
  type Json = Record<string, any>;
  const breakages: [string, (report: Json) => void][] = [
    ["another schema version", (r) => (r.schemaVersion = SCHEMA_VERSION + 1)],
    ["a module without findings", (r) => delete r.modules[0].findings],
    ["an unknown trap kind", (r) => (r.modules[1].invocations[0].perTarget[0].outcome.trap = "segfault")],
    ["a value that is not an unsigned decimal", (r) => (r.modules[0].invocations[0].args[0].value = "-1")],
    ["a limit that is not a multiple of 16", (r) => (r.modules[0].limits[0] = 100)],
    ["an unknown property", (r) => (r.modules[0].extra = true)],
    [
      "a front-end finding without its offset",
      (r) =>
        r.modules[0].findings.push({
          severity: "input",
          kind: "front-end",
          message: "x",
          invocation: null,
          id: "x",
          funcIndex: null,
        }),
    ],
    ["a commit that is not a git hash", (r) => (r.runs[0].tool.commit = "HEAD")],
  ];
  for (const [what, breakIt] of breakages) {
    it(`rejects a report with ${what}`, () => {
      const json = copy(native) as unknown as Json;
      breakIt(json);
      expect(validate(json)).toBe(false);
      const checked = checkReport(json);
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.errors.length).toBeGreaterThan(0);
    });
  }
});
