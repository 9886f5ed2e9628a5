// Starts worker.ts in a worker process from the TypeScript sources (tsx, vitest): registers tsx's
// loader first. Built runs (dist/) start worker.js directly.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
