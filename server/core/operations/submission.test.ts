// Which SYSTEM locks a submission may name: shared resources, yes; the locks
// Interlock takes for itself, no (docs/specification.md#operations).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isAppError } from "../errors";
import { isReservedLockName, prepareOperation } from "./submission";

const root = path.resolve(import.meta.dirname, "../../..");
const NOW = new Date("2026-01-01T00:00:00Z");
const submit = (systemLocks: string[]) => () =>
  prepareOperation({ type: "DEPLOYMENT", service: "payment-service", actor: "alice@example.com", params: { version: "1" }, systemLocks }, "0190a000-0000-7000-8000-000000000001", NOW);

function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("systemLocks", () => {
  it("takes a shared resource at SYSTEM scope, before the service", () => {
    expect(submit(["postgres-db"])().lockKeys).toEqual([
      { scope: "SYSTEM", resource: "postgres-db", mode: "EXCLUSIVE" },
      { scope: "SERVICE", resource: "payment-service", mode: "EXCLUSIVE" },
    ]);
  });

  it.each([["audit-chain-verification"], ["Audit-Chain-Verification"], ["interlock:anything"], ["INTERLOCK:maintenance"]])("refuses %s, naming the field", (name) => {
    const error = refusal(submit(["postgres-db", name]));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toMatch(/systemLocks\.1: reserved for Interlock's own locks/);
    expect(error.details).toEqual({ problems: [expect.stringMatching(/^systemLocks\.1: reserved/)] });
  });

  it("does not refuse names that merely contain a reserved word", () => {
    for (const name of ["audit-chain-verification-db", "my-interlock:queue", "interlock-db"]) expect(submit([name])().lockKeys[0]).toMatchObject({ scope: "SYSTEM", resource: name });
  });

  // The list must follow the code: every SYSTEM lock the server takes under a fixed name is reserved.
  it("reserves every SYSTEM lock the server itself takes", () => {
    const files = fs
      .readdirSync(path.join(root, "server"), { recursive: true, encoding: "utf8" })
      .filter((f) => /\.ts$/.test(f) && !/\.test\.ts$/.test(f) && !f.startsWith("testing") && !f.includes("generated"));
    const taken = new Set<string>();
    for (const file of files) {
      const text = fs.readFileSync(path.join(root, "server", file), "utf8");
      for (const m of text.matchAll(/scope:\s*"SYSTEM"(?:\s+as\s+const)?\s*,\s*resource:\s*"([^"]+)"/g)) taken.add(m[1]!);
    }
    expect([...taken]).toContain("audit-chain-verification");
    for (const name of taken) expect(isReservedLockName(name), name).toBe(true);
  });
});
