#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli (built to dist/ by scripts/setup.sh).
import { runFromProcess } from "../dist/src/cli/main.js";

await runFromProcess();
