// The test for code localization and patch generation (docs/demo.md#the-sample-services):
// the generated diffs, applied to copies of the sample services, parse and fix the injected fault — each sample's own
// check fails before the patch and passes after it.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyPatch } from "diff";
import { afterAll, describe, expect, it } from "vitest";
import type { ErrorPattern } from "../types";
import { checkSyntax, generatePatch } from "./generate-patch";
import { localizeCode } from "./localize-code";

const root = path.resolve(import.meta.dirname, "../../..");
const tsx = path.join(root, "node_modules/.bin/tsx");

interface Sample {
  service: string;
  file: string;
  check: string;
  fn: string;
  pattern: ErrorPattern;
  property?: string;
}

const SAMPLES: Sample[] = [
  { service: "payment-service", file: "src/payment-processor.ts", check: "test/payment-processor.check.ts", fn: "processPayment", pattern: "NULL_POINTER_EXCEPTION", property: "email" },
  { service: "user-service", file: "src/profile-service.ts", check: "test/profile-service.check.ts", fn: "buildProfileSummary", pattern: "NULL_POINTER_EXCEPTION", property: "displayName" },
  { service: "fulfillment-service", file: "src/inventory-client.ts", check: "test/inventory-client.check.ts", fn: "reserveStock", pattern: "UPSTREAM_TIMEOUT" },
  { service: "payment-service", file: "src/db-pool.ts", check: "test/db-pool.check.ts", fn: "getConnection", pattern: "CONNECTION_POOL_EXHAUSTED" },
  { service: "inventory-service", file: "src/warehouse-client.ts", check: "test/warehouse-client.check.ts", fn: "fetchStockLevel", pattern: "TRANSIENT_NETWORK_ERROR" },
];

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function copyService(service: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `interlock-${service}-`));
  tempDirs.push(dir);
  fs.cpSync(path.join(root, "demo/services", service), dir, { recursive: true });
  return dir;
}

/** Runs a sample's check script with tsx; resolves with its exit code and output. */
function runCheck(script: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(tsx, [script], { cwd: root, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      // Stack lines are dropped: Vitest would try to source-map their paths into the temp copy when reporting a failure.
      const output = `${stdout}\n${stderr}`.split("\n").filter((line) => !/^\s+at\s/.test(line)).join("\n").slice(0, 4000);
      resolve({ code, output });
    });
  });
}

describe("generated patches fix the sample services", () => {
  for (const sample of SAMPLES) {
    it(`${sample.service}/${sample.file}: ${sample.pattern}`, async () => {
      const dir = copyService(sample.service);
      const target = path.join(dir, sample.file);
      const check = path.join(dir, sample.check);

      // The injected fault is real: the sample's own check fails on the original.
      const before = await runCheck(check);
      expect(before.code, before.output).not.toBe(0);
      expect(before.output).toContain("FAILED");

      // Localize and patch from the original source.
      const original = fs.readFileSync(target, "utf8");
      const location = localizeCode({ file: sample.file, source: original, frame: { file: sample.file, function: sample.fn }, pattern: sample.pattern, property: sample.property });
      const patch = generatePatch({ file: sample.file, source: original, location });
      expect(patch.syntaxValid, patch.diagnostics.join("\n")).toBe(true);

      // Apply the diff itself (not patchedSource) to the copy.
      const applied = applyPatch(original, patch.diff);
      expect(applied).not.toBe(false);
      expect(applied).toBe(patch.patchedSource);
      fs.writeFileSync(target, applied as string);
      expect(checkSyntax(sample.file, fs.readFileSync(target, "utf8"))).toEqual({ valid: true, diagnostics: [] });

      // And the fault is gone.
      const after = await runCheck(check);
      expect(after.code, after.output).toBe(0);
      expect(after.output).toContain("check: ok");
    });
  }
});
