// Starts one of this folder's TypeScript modules (its first argument) in a child process from the
// sources (tsx, vitest): registers tsx's loader first. Built runs (dist/) start the JS directly.
import { register } from "tsx/esm/api";

register();
await import(new URL(process.argv[2], import.meta.url).href);
