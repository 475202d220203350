// The approval store on both stores (docs/approvals.md): policies round-trip
// with their lists (roles as the Role enum, teams as text[]), a taken name is
// a CONFLICT, approvals are one per review and person, and users' teams are
// read for the count.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApprovalPolicy, changeApprovalPolicy, deleteApprovalPolicy } from "../../core/approvals/manage-approval-policies";
import { isAppError } from "../../core/errors";
import { auditFixture } from "../../testing/audit";
import { openTestStore, type TestStore } from "../../testing/stores";
import { PostgresApprovalStore } from "./approval-store";
import { PostgresIdentityStore } from "./identity-store";

describe.each(["postgres", "pglite"] as const)("approval store on %s", (kind) => {
  let store: TestStore;
  let approvals: PostgresApprovalStore;
  let audit: ReturnType<typeof auditFixture>;
  const deps = () => ({ policies: approvals, audit: audit.log, now: new Date("2026-12-07T15:00:00Z"), newId: () => crypto.randomUUID() });

  beforeAll(async () => {
    store = await openTestStore(kind, "approval_store", { poolSize: 2 });
    approvals = new PostgresApprovalStore(store.db);
    audit = auditFixture(store.db);
  });
  afterAll(async () => {
    audit?.cleanup();
    await store?.close();
  });

  it("creates, reads, changes and deletes a policy with its lists; a taken name is refused", async () => {
    const created = await createApprovalPolicy(deps(), { name: "tier-1", requiredApprovals: 2, fromTeams: ["owning", "sre"], scope: { tiers: [1], types: ["DEPLOYMENT"] } }, "admin@x.test");
    expect(await approvals.getPolicy(created.id)).toMatchObject({ name: "tier-1", requiredApprovals: 2, fromRoles: ["APPROVER", "ADMIN"], fromTeams: ["owning", "sre"], scope: { services: [], teams: [], tiers: [1], types: ["DEPLOYMENT"] }, enabled: true, createdBy: "admin@x.test" });
    const taken = await createApprovalPolicy(deps(), { name: "tier-1", requiredApprovals: 1 }, "admin@x.test").catch((e: unknown) => e);
    expect(isAppError(taken) && taken.code).toBe("CONFLICT");
    const changed = await changeApprovalPolicy(deps(), created.id, { fromRoles: ["ADMIN"], enabled: false }, "admin@x.test");
    expect(changed).toMatchObject({ fromRoles: ["ADMIN"], enabled: false, fromTeams: ["owning", "sre"] });
    expect((await approvals.listPolicies()).map((p) => p.name)).toEqual(["tier-1"]);
    await deleteApprovalPolicy(deps(), created.id, "admin@x.test");
    expect(await approvals.listPolicies()).toEqual([]);
    await audit.log.settle();
    expect((await audit.store.query({ limit: 10 })).events.map((e) => e.action).sort()).toEqual(["approval_policy.created", "approval_policy.deleted", "approval_policy.updated"]);
  });

  it("reads users' teams and the approvers' pool", async () => {
    const identities = new PostgresIdentityStore(store.db);
    const u = await identities.saveUser({ email: "p@x.test", name: "P", role: "APPROVER", passwordHash: null }, "insert");
    expect(u.teams).toEqual([]);
    await store.db.query(`UPDATE users SET teams = $2::text[] WHERE id = $1::uuid`, [u.id, ["payments", "sre"]]);
    expect(await approvals.usersStanding([u.id])).toEqual([{ id: u.id, email: "p@x.test", role: "APPROVER", teams: ["payments", "sre"] }]);
    expect((await approvals.approvers()).map((a) => a.email)).toContain("p@x.test");
    expect((await identities.findUserById(u.id))?.teams).toEqual(["payments", "sre"]);
  });
});
