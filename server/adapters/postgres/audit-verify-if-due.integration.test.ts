// The background verification of the audit chain runs once per interval across
// replicas: the second replica inside the interval finds a recent verification
// and does nothing; past the interval it verifies again; a broken chain is
// recorded as such (what hash_chain_valid and its alert read).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyIfDue } from "../../core/audit/verify-if-due";
import { VERIFICATION_ACTION } from "../../core/audit/verify-and-record";
import { LockManager } from "../../core/locks/lock-manager";
import { auditFixture } from "../../testing/audit";
import { openTestStore, type TestStore } from "../../testing/stores";
import { PostgresLockStore } from "./lock-store";

let testStore: TestStore;
let audit: ReturnType<typeof auditFixture>;
let replicas: LockManager[];

beforeAll(async () => {
  testStore = await openTestStore("postgres", "verify_if_due");
  audit = auditFixture(testStore.db);
  replicas = await Promise.all([0, 1].map(() => LockManager.start({ store: new PostgresLockStore(testStore.db), config: { recheckMs: 60_000 } })));
  for (let i = 0; i < 20; i++) await audit.log.append({ category: "DEPLOYMENT", severity: "INFO", actor: "test", action: "deploy.step", payload: { i } });
});
afterAll(async () => {
  for (const m of replicas ?? []) await m.close();
  audit?.cleanup();
  await testStore?.close();
});

const deps = (replica: number, now: Date) => ({ store: audit.store, sink: audit.sink, publicKey: audit.publicKey, log: audit.log, locks: replicas[replica]!, holderId: `replica-${replica}`, now, intervalMs: 60 * 60_000 });

async function verifications() {
  return (await audit.store.query({ action: VERIFICATION_ACTION, limit: 50 })).events;
}

describe("verifyIfDue", () => {
  it("verifies once per interval whichever replica asks, and records a broken chain as broken", async () => {
    const now = new Date();
    const [a, b] = await Promise.all([verifyIfDue(deps(0, now)), verifyIfDue(deps(1, now))]);
    expect([a, b].filter((r) => r !== null)).toHaveLength(1);
    expect((a ?? b)!.valid).toBe(true);
    expect(await verifications()).toHaveLength(1);

    expect(await verifyIfDue(deps(1, new Date(now.getTime() + 30 * 60_000)))).toBeNull();
    expect(await verifications()).toHaveLength(1);

    await testStore.db.query(`UPDATE audit_events SET payload = '{"i": 999}'::jsonb WHERE seq = 5`);
    const later = await verifyIfDue(deps(1, new Date(now.getTime() + 61 * 60_000)));
    expect(later).toMatchObject({ valid: false, firstBadSeq: 5 });
    const recorded = await verifications();
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toMatchObject({ severity: "CRITICAL", actor: "system", payload: { valid: false, firstBadSeq: 5 } });
  });
});
