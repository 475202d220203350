// The locks API on the real container: the list shows a lease with its
// fencing token, TTL and waiter; the statistics count the acquisitions and
// the contention a waiter caused; an admin's force release says what it took
// and is audited with the reason.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZAuditPage } from "@/lib/api/audit";
import { ZForceReleaseResult, ZLockList, ZLockStatistics } from "@/lib/api/locks";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("locks_api");
});
afterAll(async () => {
  await api?.close();
});

async function send(role: Role, path: string, init: { body?: unknown } = {}) {
  const headers: Record<string, string> = { ...(await api.as(role)) };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.body === undefined ? "GET" : "POST", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: response.status, json: (await response.json()) as any };
}

describe("locks through the API", () => {
  it("lists a held lock with its waiter, counts acquisitions and contention, and force-releases it with an audited reason", async () => {
    const manager = api.container.locks.manager;
    const key = { scope: "SERVICE" as const, resource: "locks-api-test" };
    const first = await manager.acquire("test:first", key, { ttlMs: 60_000 });
    const second = manager.acquire("test:second", key, { ttlMs: 60_000, waitTimeoutMs: 10_000 });

    // The waiter shows up next to the holder.
    let list = ZLockList.parse((await send("VIEWER", "/api/v1/locks")).json);
    for (let i = 0; i < 100 && !list.locks.find((l) => l.key.resource === key.resource)?.waiters.length; i++) {
      await new Promise((r) => setTimeout(r, 20));
      list = ZLockList.parse((await send("VIEWER", "/api/v1/locks")).json);
    }
    const listed = list.locks.find((l) => l.key.resource === key.resource)!;
    expect(listed.holders).toEqual([expect.objectContaining({ holderId: "test:first", mode: "EXCLUSIVE", fencingToken: first.fencingToken.toString() })]);
    expect(listed.holders[0]!.ttlLeftMs).toBeGreaterThan(50_000);
    expect(listed.waiters).toEqual([expect.objectContaining({ holderId: "test:second", mode: "EXCLUSIVE" })]);

    await new Promise((r) => setTimeout(r, 50));
    await first.release();
    const granted = await second;
    expect(granted.fencingToken).toBeGreaterThan(first.fencingToken);

    const statistics = ZLockStatistics.parse((await send("VIEWER", "/api/v1/locks/statistics")).json);
    expect(statistics.backend).toBe(api.container.locks.store.backend);
    const row = statistics.locks.find((s) => s.key.resource === key.resource)!;
    expect(row).toMatchObject({ key, acquisitions: 2, contentions: 1, releases: 1, contentionRate: 0.5 });
    expect(row.avgWaitMs).toBeGreaterThan(0);
    expect(row.maxHoldMs).toBeGreaterThan(0);

    // Only an admin may force-release; the result names what was released.
    expect((await send("APPROVER", "/api/v1/locks/force-release", { body: { ...key, reason: "stuck holder" } })).status).toBe(403);
    const released = await send("ADMIN", "/api/v1/locks/force-release", { body: { ...key, holderId: "test:second", reason: "stuck holder" } });
    expect(released.status).toBe(200);
    expect(ZForceReleaseResult.parse(released.json).released).toEqual([{ holderId: "test:second", mode: "EXCLUSIVE", fencingToken: granted.fencingToken.toString() }]);
    expect(ZLockList.parse((await send("VIEWER", "/api/v1/locks")).json).locks.find((l) => l.key.resource === key.resource)).toBeUndefined();

    const audit = ZAuditPage.parse((await send("VIEWER", "/api/v1/audit/events?category=LOCK_OPERATION&limit=5")).json);
    expect(audit.events.find((e) => e.action === "lock.force_released")).toMatchObject({ actor: "admin@interlock.local", payload: { resource: key.resource, reason: "stuck holder" } });
    await granted.release();
  });
});
