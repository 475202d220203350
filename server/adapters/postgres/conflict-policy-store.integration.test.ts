import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConflictPolicy } from "../../core/conflicts/get-conflict-policy";
import { CONFLICT_POLICY_SETTING, DEFAULT_CONFLICT_POLICY } from "../../core/conflicts/policy";
import { changeConflictPolicy } from "../../core/settings/change-conflict-policy";
import { auditFixture } from "../../testing/audit";
import { openTestStore, type TestStore } from "../../testing/stores";
import { PrismaConflictPolicyStore } from "./conflict-policy-store";
import type { Database } from "./database";

describe.each(["postgres", "pglite"] as const)("conflict policy in the settings table on %s", (kind) => {
  let store_: TestStore;
  let db: Database;
  let audit: ReturnType<typeof auditFixture>;
  let deps: { policies: PrismaConflictPolicyStore; audit: ReturnType<typeof auditFixture>["log"] };

  beforeAll(async () => {
    store_ = await openTestStore(kind, "policy", { poolSize: 2 });
    db = store_.db;
    audit = auditFixture(db);
    deps = { policies: new PrismaConflictPolicyStore(db), audit: audit.log };
  });
  afterAll(async () => {
    audit?.cleanup();
    await store_?.close();
  });

  it("is the default policy until one is saved", async () => {
    expect(await getConflictPolicy(deps)).toEqual(DEFAULT_CONFLICT_POLICY);
    expect(await db.prisma.setting.count({ where: { key: CONFLICT_POLICY_SETTING } })).toBe(0);
  });

  it("saves a validated policy with its author and its audit event, and reads it back; a second save replaces it", async () => {
    await changeConflictPolicy(deps, { rules: { DOWNSTREAM: { severity: "medium", action: "warn" } } }, "alice@example.com");
    await changeConflictPolicy(deps, { depth: 2, rules: { CASCADE: { enabled: false } } }, "bob@example.com");
    const policy = await getConflictPolicy(deps);
    expect(policy.depth).toBe(2);
    expect(policy.rules.CASCADE.enabled).toBe(false);
    expect(policy.rules.DOWNSTREAM).toEqual(DEFAULT_CONFLICT_POLICY.rules.DOWNSTREAM); // the second save is a whole policy
    const row = await db.prisma.setting.findUniqueOrThrow({ where: { key: CONFLICT_POLICY_SETTING } });
    expect(row.updatedBy).toBe("bob@example.com");
    expect(row.value).toEqual(policy);
    const events = await db.query<{ actor: string; payload: { after: unknown } }>(`SELECT actor, payload FROM audit_events WHERE action = 'settings.conflict_policy_updated' ORDER BY seq`);
    expect(events.map((e) => e.actor)).toEqual(["alice@example.com", "bob@example.com"]);
    expect(events[1]!.payload.after).toEqual(policy);
    expect((await audit.verify()).valid).toBe(true);
  });

  it("a change whose audit event cannot be written is not stored: the value and its event commit together", async () => {
    const before = await db.prisma.setting.findUniqueOrThrow({ where: { key: CONFLICT_POLICY_SETTING } });
    const eventsBefore = await db.prisma.auditEvent.count();
    // The same write the change makes, with the audit append failing inside its transaction.
    await expect(
      deps.policies.write({ ...DEFAULT_CONFLICT_POLICY, depth: 5 }, "carol@example.com", async () => {
        throw new Error("the audit chain is unavailable");
      }),
    ).rejects.toThrow("the audit chain is unavailable");
    expect(await db.prisma.setting.findUniqueOrThrow({ where: { key: CONFLICT_POLICY_SETTING } })).toEqual(before);
    expect(await db.prisma.auditEvent.count()).toBe(eventsBefore);
    // And the other way: an event already appended in the transaction goes when the transaction fails after it.
    await expect(
      deps.policies.write({ ...DEFAULT_CONFLICT_POLICY, depth: 5 }, "carol@example.com", async (tx) => {
        await audit.log.appendInTransaction(tx, [{ category: "MANUAL_INTERVENTION", severity: "WARNING", actor: "carol@example.com", action: "settings.conflict_policy_updated" }]);
        throw new Error("the connection dropped before commit");
      }),
    ).rejects.toThrow("the connection dropped before commit");
    expect(await db.prisma.setting.findUniqueOrThrow({ where: { key: CONFLICT_POLICY_SETTING } })).toEqual(before);
    expect(await db.prisma.auditEvent.count()).toBe(eventsBefore);
    expect((await audit.verify()).valid).toBe(true);
  });

  it("writes nothing for an invalid policy", async () => {
    const before = await getConflictPolicy(deps);
    await expect(changeConflictPolicy(deps, { rules: { DIRECT: { action: "ignore" } } }, "mallory")).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    expect(await getConflictPolicy(deps)).toEqual(before);
    expect((await db.prisma.setting.findUniqueOrThrow({ where: { key: CONFLICT_POLICY_SETTING } })).updatedBy).toBe("bob@example.com");
  });

  it("refuses to run on a row edited by hand into something invalid", async () => {
    await db.prisma.setting.update({ where: { key: CONFLICT_POLICY_SETTING }, data: { value: { depth: "deep" } } });
    await expect(getConflictPolicy(deps)).rejects.toMatchObject({ code: "INTERNAL" });
  });
});
