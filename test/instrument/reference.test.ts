// The reference limiter's own seven cases (LICENSE.md): each fixture instrumented with limit 1024
// must equal the reference's output as a module — types, imports, functions and their code,
// tables, memories, globals, exports, elements, start and names.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import { watToBinary } from "../../src/wasm/text.js";
import { comparable, instrumentWat } from "./module-compare.js";

const here = import.meta.dirname;
const CASES = readdirSync(path.join(here, "fixtures"))
  .filter((name) => name.endsWith(".wat"))
  .sort();
const read = (folder: string, name: string) => readFileSync(path.join(here, folder, name), "utf8");

describe("the reference limiter's cases, limit 1024", () => {
  it("are all seven, each with its expectation", () => {
    expect(CASES).toHaveLength(7);
    expect(readdirSync(path.join(here, "expectations")).sort()).toEqual(CASES);
  });

  it.each(CASES)("%s", async (name) => {
    const { output } = await instrumentWat(read("fixtures", name), { limit: 1024 });
    const expected = decodeModule(await watToBinary(read("expectations", name)));
    expect(comparable(output.module)).toEqual(comparable(expected));
  });
});
