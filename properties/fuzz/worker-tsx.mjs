// Starts worker.ts in a worker thread from the TypeScript sources (tsx, vitest): registers tsx's
// loader in this thread first. Built runs (dist/) start worker.js directly.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
