// The identity store's offboarding writes on both stores (Postgres, and the
// embedded PGlite, which has one connection and its own transactions): a
// change of a user, its session epoch, the revocation of their tokens and the
// audit events commit together or not at all; the last-admin rule holds
// against two admins demoting each other at once; a reset never re-enables;
// a disabled creator's token is refused; and a token name stands for everyone
// who created a token of that name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditLog } from "../../core/audit/audit-log";
import { hashApiToken } from "../../core/identity/api-tokens";
import { actorPeople } from "../../core/identity/actor-people";
import { authenticateApiToken } from "../../core/identity/authenticate-api-token";
import { changeUser } from "../../core/identity/change-user";
import type { Role } from "../../core/identity/roles";
import { saveUser } from "../../core/identity/save-user";
import { auditFixture } from "../../testing/audit";
import { insertApiToken } from "../../testing/identity";
import { openTestStore, type StoreKind, type TestStore } from "../../testing/stores";
import { BcryptPasswordHasher } from "../auth/bcrypt-password-hasher";
import { PostgresIdentityStore } from "./identity-store";

const hasher = new BcryptPasswordHasher(4);

describe.each<StoreKind>(["postgres", "pglite"])("offboarding in the identity store (%s)", (kind) => {
  let store: TestStore;
  let identities: PostgresIdentityStore;
  let audit: ReturnType<typeof auditFixture>;
  const deps = () => ({ identities, audit: audit.log, hasher, now: new Date() });

  beforeAll(async () => {
    store = await openTestStore(kind, "identity_store");
    identities = new PostgresIdentityStore(store.db);
    audit = auditFixture(store.db);
  });
  afterAll(async () => {
    audit?.cleanup();
    await store?.close();
  });

  async function user(email: string, role: Role) {
    return saveUser(deps(), { email, name: email.split("@")[0]!, role, password: "correct horse battery staple" }, { actor: "test", mode: "insert" });
  }
  const token = (createdById: string | null, name: string) => insertApiToken(identities, { name, createdById });

  it("disables, raises the epoch and revokes the user's tokens with the audit events in one transaction, or writes nothing", async () => {
    await user("root@example.com", "ADMIN");
    const ops = await user("ops@example.com", "ADMIN");
    const mine = await token(ops.id, "ops-bot");
    const others = await token(null, "cli-bot");

    // An audit log that fails inside the transaction: the change must roll back with it.
    const failing = { ...audit.log, appendInTransaction: async () => Promise.reject(new Error("audit store is down")), committed: () => {} } as unknown as Pick<AuditLog, "appendInTransaction" | "committed">;
    await expect(changeUser({ identities, audit: failing, now: new Date() }, ops.id, { disabled: true, reason: "left" }, { actor: "root@example.com", personId: null })).rejects.toThrow(/audit store is down/);
    expect(await identities.findUserById(ops.id)).toMatchObject({ disabledAt: null, sessionEpoch: 0 });
    expect((await identities.findTokenByHash(hashApiToken(mine.secret)))!.revokedAt).toBeNull();

    const result = await changeUser(deps(), ops.id, { disabled: true, reason: "left" }, { actor: "root@example.com", personId: null });
    expect(result.changes).toEqual(["disabled"]);
    expect(result.revokedTokens.map((t) => t.id)).toEqual([mine.record.id]);
    expect(await identities.findUserById(ops.id)).toMatchObject({ sessionEpoch: 1, disabledAt: expect.any(Date) });
    expect((await identities.findTokenByHash(hashApiToken(mine.secret)))!.revokedAt).not.toBeNull();
    expect((await identities.findTokenByHash(hashApiToken(others.secret)))!.revokedAt).toBeNull();
    await audit.log.settle();
    const events = (await audit.store.query({ actor: "root@example.com", limit: 10 })).events;
    expect(events.map((e) => e.action).sort()).toEqual(["api_token.revoked", "user.disabled"]);
    expect((await audit.verify()).valid).toBe(true);
  });

  it("refuses the token of a disabled creator even when it is not revoked", async () => {
    const ops = (await identities.findUserByEmail("ops@example.com"))!;
    const restored = await token(ops.id, "ops-restored");
    await expect(authenticateApiToken({ identities, now: new Date() }, restored.secret)).rejects.toThrow(/created by a user who is disabled/);
  });

  it("never lets two admins demote each other into having none", async () => {
    const a = await user("a-admin@example.com", "ADMIN");
    const b = await user("b-admin@example.com", "ADMIN");
    const root = (await identities.findUserByEmail("root@example.com"))!;
    await changeUser(deps(), root.id, { role: "VIEWER", reason: "only a and b now" }, { actor: "a-admin@example.com", personId: a.id });
    const outcomes = await Promise.allSettled([
      changeUser(deps(), b.id, { role: "OPERATOR", reason: "a demotes b" }, { actor: "a-admin@example.com", personId: a.id }),
      changeUser(deps(), a.id, { role: "OPERATOR", reason: "b demotes a" }, { actor: "b-admin@example.com", personId: b.id }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(String((outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult).reason)).toMatch(/last enabled admin/);
    expect((await identities.listUsers()).filter((u) => u.role === "ADMIN" && !u.disabledAt)).toHaveLength(1);
  });

  it("a reset (user:create --reset) refuses a disabled user, and the store's upsert never clears disabled_at", async () => {
    const ops = (await identities.findUserByEmail("ops@example.com"))!;
    await expect(saveUser(deps(), { email: "ops@example.com", name: "Ops", role: "ADMIN", password: "another long password" }, { actor: "cli:root", mode: "upsert" })).rejects.toThrow(
      /is disabled.*PATCH \/api\/v1\/users\//,
    );
    await identities.saveUser({ email: "ops@example.com", name: "Ops", role: "ADMIN", passwordHash: null }, "upsert");
    expect((await identities.findUserById(ops.id))!.disabledAt).not.toBeNull();
  });

  it("names everyone who created a token of a name as the people behind its actor", async () => {
    const a = (await identities.findUserByEmail("a-admin@example.com"))!;
    const b = (await identities.findUserByEmail("b-admin@example.com"))!;
    await token(a.id, "shared-name");
    await token(b.id, "shared-name");
    const people = actorPeople(identities);
    expect((await people.peopleOf("token:shared-name")).sort()).toEqual([a.id, b.id].sort());
    expect(await people.peopleOf("A-Admin@Example.com")).toEqual([a.id]);
    expect(await people.peopleOf("token:cli-bot")).toEqual([]);
    expect(await people.peopleOf("rule:restart-on-oom")).toEqual([]);
  });
});
