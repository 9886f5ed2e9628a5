// Reports are checked against reports/schema/report.schema.json before anything reads them
// (`report html`, `report merge`), and the tests check every report samestack writes.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { packageRoot } from "../verify/files.js";
import type { Report } from "./report.js";

const SCHEMA_PATH = "reports/schema/report.schema.json";

let validator: ValidateFunction | undefined;

function validate(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(path.join(packageRoot(), SCHEMA_PATH), "utf8")) as object;
  const ajv = new Ajv({
    allErrors: true,
    allowUnionTypes: true,
    formats: { "date-time": /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/ },
  });
  validator = ajv.compile(schema);
  return validator;
}

export type SchemaCheck =
  | { readonly ok: true; readonly report: Report }
  | { readonly ok: false; readonly errors: string[] };

/** Whether `json` is a report of this schema version, with every violation when it is not. */
export function checkReport(json: unknown): SchemaCheck {
  const check = validate();
  if (check(json)) return { ok: true, report: json as Report };
  const errors = (check.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
  return { ok: false, errors: [...new Set(errors)] };
}
