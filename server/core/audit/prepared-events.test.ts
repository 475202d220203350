import { describe, expect, it } from "vitest";
import { prepareEvent, sealEvents, sealPrepared } from "./canonical-hash";
import type { AuditEventInput } from "./types";

// The prepared path must produce exactly the bytes and hashes of the plain one:
// a difference would be a fork in meaning between writers and verifiers.
describe("prepared events", () => {
  const inputs: AuditEventInput[] = [
    { category: "LOCK_OPERATION", severity: "INFO", actor: "alice@example.com", action: "lock.acquired", service: "payment-service", operationId: "0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B", correlationId: "corr-1", payload: { scope: "SERVICE", fencingToken: "1730000000000001", ttlMs: 300000, nested: { b: [1, 2.5, -0, 1e21, 1e-7], a: null, "é": "ünïcødé \u2028 \" \\ \n" } } },
    { category: "STATE_TRANSITION", severity: "WARNING", actor: "system", action: "operation.transition", payload: {} },
    { category: "MANUAL_INTERVENTION", severity: "CRITICAL", actor: "bob \"the approver\"", action: "review.approved", service: null, operationId: null, correlationId: null, payload: { notes: "emoji 🚀 and \ud83d\ude00", z: true, y: false, x: [{ q: 1 }, "s"] } },
  ];

  it("seals to the same canonical text and hashes as sealEvents, from genesis and after a head", () => {
    for (const head of [null, { seq: 41, hash: "a".repeat(64) }]) {
      const at = ["2026-11-23T17:00:00.123456Z", "2026-11-23T17:00:00.123457Z", "2026-11-23T17:00:00.123458Z"];
      const plain = sealEvents(head, inputs.map((input, i) => ({ input, at: at[i]! })));
      const prepared = sealPrepared(head, inputs.map((input, i) => ({ event: prepareEvent(input), at: at[i]! })));
      expect(prepared).toEqual(plain);
    }
  });
});
