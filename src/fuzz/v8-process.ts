// A V8 child of a fuzz worker (v8-oracle.ts): runs the requests of each message on V8, in order.
import type { EntryRun, OracleRequest } from "./v8-oracle.js";
import { runOnV8 } from "./v8-oracle.js";

process.on("message", (request: OracleRequest) => {
  if (request.kind === "close") process.exit(0);
  process.send!(request.runs.map(({ request, module }) => runOnV8(request, module)) satisfies EntryRun[]);
});
