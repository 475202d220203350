import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConflictPolicy } from "../../core/conflicts/get-conflict-policy";
import { CONFLICT_POLICY_SETTING, DEFAULT_CONFLICT_POLICY } from "../../core/conflicts/policy";
import { updateConflictPolicy } from "../../core/conflicts/update-conflict-policy";
import { openTestStore, type TestStore } from "../../testing/stores";
import { PrismaConflictPolicyStore } from "./conflict-policy-store";
import type { Database } from "./database";

describe.each(["postgres", "pglite"] as const)("conflict policy in the settings table on %s", (kind) => {
  let store_: TestStore;
  let db: Database;
  let deps: { policies: PrismaConflictPolicyStore };

  beforeAll(async () => {
    store_ = await openTestStore(kind, "policy", { poolSize: 2 });
    db = store_.db;
    deps = { policies: new PrismaConflictPolicyStore(db.prisma) };
  });
  afterAll(async () => {
    await store_?.close();
  });

  it("is the default policy until one is saved", async () => {
    expect(await getConflictPolicy(deps)).toEqual(DEFAULT_CONFLICT_POLICY);
    expect(await db.prisma.setting.count({ where: { key: CONFLICT_POLICY_SETTING } })).toBe(0);
  });

  it("saves a validated policy with its author and reads it back; a second save replaces it", async () => {
    await updateConflictPolicy(deps, { rules: { DOWNSTREAM: { severity: "medium", action: "warn" } } }, "alice@example.com");
    await updateConflictPolicy(deps, { depth: 2, rules: { CASCADE: { enabled: false } } }, "bob@example.com");
    const policy = await getConflictPolicy(deps);
    expect(policy.depth).toBe(2);
    expect(policy.rules.CASCADE.enabled).toBe(false);
    expect(policy.rules.DOWNSTREAM).toEqual(DEFAULT_CONFLICT_POLICY.rules.DOWNSTREAM); // the second save is a whole policy
    const row = await db.prisma.setting.findUniqueOrThrow({ where: { key: CONFLICT_POLICY_SETTING } });
    expect(row.updatedBy).toBe("bob@example.com");
    expect(row.value).toEqual(policy);
  });

  it("writes nothing for an invalid policy", async () => {
    const before = await getConflictPolicy(deps);
    await expect(updateConflictPolicy(deps, { rules: { DIRECT: { action: "ignore" } } }, "mallory")).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    expect(await getConflictPolicy(deps)).toEqual(before);
    expect((await db.prisma.setting.findUniqueOrThrow({ where: { key: CONFLICT_POLICY_SETTING } })).updatedBy).toBe("bob@example.com");
  });

  it("refuses to run on a row edited by hand into something invalid", async () => {
    await db.prisma.setting.update({ where: { key: CONFLICT_POLICY_SETTING }, data: { value: { depth: "deep" } } });
    await expect(getConflictPolicy(deps)).rejects.toMatchObject({ code: "INTERNAL" });
  });
});
