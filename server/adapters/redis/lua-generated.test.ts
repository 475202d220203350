// lua.generated.ts must be exactly what scripts/generate-lua.ts makes of ./lua/*.lua:
// the scripts Redis runs come from it, not from the .lua files.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED_PATH, generatedModule } from "../../../scripts/generate-lua";

describe("lua.generated.ts", () => {
  it("is up to date with lua/*.lua (else run: npm run lua:generate)", () => {
    expect(readFileSync(GENERATED_PATH, "utf8")).toBe(generatedModule());
  });
});
