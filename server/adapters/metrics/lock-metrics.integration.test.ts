import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LockManager } from "../../core/locks/lock-manager";
import { PostgresLockStore } from "../postgres/lock-store";
import { openTestStore, type TestStore } from "../../testing/stores";
import { registerLockMetrics } from "./lock-metrics";

describe("lock metrics for Prometheus", () => {
  let testStore: TestStore;
  beforeAll(async () => {
    testStore = await openTestStore("pglite", "lock_metrics");
  });
  afterAll(async () => testStore?.close());

  it("exposes the documented names: active locks and lock ages read from the store, waits counted by the manager", async () => {
    const registry = new Registry();
    const store = new PostgresLockStore(testStore.db);
    const manager = await LockManager.start({ store, metrics: registerLockMetrics(registry, store), config: { recheckMs: 60_000 } });
    try {
      const held = await manager.acquire("op-1", { scope: "SERVICE", resource: "payment-service" });
      const shared = await manager.acquire("verify-1", { scope: "SERVICE", resource: "user-service" }, { mode: "SHARED" });
      const text = await registry.metrics();
      expect(text).toMatch(/^active_locks_total\{scope="SERVICE",mode="EXCLUSIVE"\} 1$/m);
      expect(text).toMatch(/^active_locks_total\{scope="SERVICE",mode="SHARED"\} 1$/m);
      expect(text).toMatch(/^lock_age_seconds\{scope="SERVICE",resource_id="payment-service",holder_id="op-1"\} \d/m);
      expect(text).toMatch(/^lock_wait_seconds_count\{scope="SERVICE"\} 2$/m);
      expect(text).toMatch(/^lock_acquisitions_total\{scope="SERVICE",mode="EXCLUSIVE"\} 1$/m);
      await held.release();
      await shared.release();
      const after = await registry.metrics();
      expect(after).not.toMatch(/^active_locks_total\{/m);
      expect(after).toMatch(/^lock_hold_seconds_count\{scope="SERVICE"\} 2$/m);
    } finally {
      await manager.close();
    }
  });
});
