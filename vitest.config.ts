import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "properties/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // The tests are emulation, CPU-bound in the workers: one per core (vitest's default leaves one
    // core to its own process, which idles).
    maxWorkers: availableParallelism(),
  },
});
