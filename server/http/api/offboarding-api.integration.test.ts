// Offboarding through the API on the real container (docs/security.md#offboarding-users-sessions-and-tokens):
// disabling a user or changing their role signs out every session they hold
// and revokes every API token they created, on their very next request, with
// the change and its audit events in one transaction; enabling is audited too;
// nobody disables themselves and the last enabled admin stays; tokens expire
// by default; and four-eyes holds between a token and the person who created it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZErrorBody } from "@/lib/api/common";
import { ZUserChange } from "@/lib/api/identity";
import { ZOperationDetail } from "@/lib/api/operations";
import type { SimulatedSignalSource } from "../../adapters/signals/simulated-signal-source";
import { authenticateApiToken } from "../../core/identity/authenticate-api-token";
import { ORIGIN, startApiHarness, type ApiHarness } from "../../testing/api";
import { insertApiToken } from "../../testing/identity";

let api: ApiHarness;

// A shorter default and maximum than the shipped 90 and 365, so the test shows the server reads them.
beforeAll(async () => {
  api = await startApiHarness("offboarding_api", { API_TOKEN_DEFAULT_TTL_DAYS: "30", API_TOKEN_MAX_TTL_DAYS: "60" });
});
afterAll(async () => {
  await api?.close();
});

type Headers = Record<string, string>;

/** A session signed in now (the account's current epoch), as the browser would hold it. */
async function signIn(email: string): Promise<Headers> {
  const user = await api.container.identity.store.findUserByEmail(email);
  if (!user) throw new Error(`no user ${email}`);
  return { cookie: await api.sessionCookie(user.id), origin: ORIGIN, host: new URL(ORIGIN).host };
}

const bearer = (token: string): Headers => ({ authorization: `Bearer ${token}` });

async function send(headers: Headers, path: string, init: { method?: string; body?: unknown } = {}) {
  const h: Headers = { ...headers };
  if (init.body !== undefined) h["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.method ?? (init.body === undefined ? "GET" : "POST"), headers: h, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: response.status, json: (await response.json()) as any };
}

async function createUser(admin: Headers, email: string, role: string): Promise<string> {
  const created = await send(admin, "/api/v1/users", { body: { email, name: email.split("@")[0], role, password: "correct horse battery staple" } });
  expect(created.status).toBe(201);
  return created.json.id as string;
}

async function createToken(headers: Headers, name: string, role: string, expiresInDays?: number): Promise<{ token: string; id: string; expiresAt: string | null }> {
  const created = await send(headers, "/api/v1/tokens", { body: { name, role, ...(expiresInDays !== undefined ? { expiresInDays } : {}) } });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  return { token: created.json.token, id: created.json.record.id, expiresAt: created.json.record.expiresAt };
}

const patchUser = (admin: Headers, id: string, body: unknown) => send(admin, `/api/v1/users/${id}`, { method: "PATCH", body });

async function expectRefused(response: { status: number; json: unknown }, status: number, code: string, message?: RegExp) {
  expect(response.status, JSON.stringify(response.json)).toBe(status);
  const body = ZErrorBody.parse(response.json);
  expect(body.error.code).toBe(code);
  if (message) expect(body.error.message).toMatch(message);
}

async function events(action: string) {
  await api.container.audit.log.settle();
  return (await api.container.audit.store.query({ action, limit: 100 })).events;
}

describe("disabling a user", () => {
  it("signs out their open session and refuses their tokens on the very next request, audited with the change in one transaction", async () => {
    const admin = await signIn("admin@interlock.local");
    const id = await createUser(admin, "leaver@example.com", "ADMIN");
    const leaver = await signIn("leaver@example.com");
    const ci = await createToken(leaver, "leaver-ci", "OPERATOR");
    const nightly = await createToken(leaver, "leaver-nightly", "VIEWER");
    expect((await send(leaver, "/api/v1/me")).status).toBe(200);
    expect((await send(bearer(ci.token), "/api/v1/me")).status).toBe(200);

    const disabled = await patchUser(admin, id, { disabled: true, reason: "left the company" });
    expect(disabled.status, JSON.stringify(disabled.json)).toBe(200);
    const change = ZUserChange.parse(disabled.json);
    expect(change.changes).toEqual(["disabled"]);
    expect(change.user.disabledAt).not.toBeNull();
    expect(change.revokedTokens.map((t) => t.id).sort()).toEqual([ci.id, nightly.id].sort());

    await expectRefused(await send(leaver, "/api/v1/me"), 401, "UNAUTHENTICATED", /disabled/);
    await expectRefused(await send(bearer(ci.token), "/api/v1/me"), 401, "UNAUTHENTICATED", /revoked/);
    await expectRefused(await send(bearer(nightly.token), "/api/v1/operations"), 401, "UNAUTHENTICATED");

    // The change and the revocations are one write: contiguous in the chain, with before and after and the reason.
    const [event] = await events("user.disabled");
    expect(event).toMatchObject({
      category: "MANUAL_INTERVENTION",
      actor: "admin@interlock.local",
      payload: { userId: id, email: "leaver@example.com", reason: "left the company", before: { role: "ADMIN", disabled: false }, after: { role: "ADMIN", disabled: true } },
    });
    const revocations = (await events("api_token.revoked")).filter((e) => e.payload.createdById === id);
    expect(revocations.map((e) => e.payload.tokenId).sort()).toEqual([ci.id, nightly.id].sort());
    expect(revocations.map((e) => e.seq).sort((a, b) => a - b)).toEqual([event!.seq + 1, event!.seq + 2]);
  });

  it("refuses a token of a disabled creator even when its revocation was missed", async () => {
    const leaver = (await api.container.identity.store.findUserByEmail("leaver@example.com"))!;
    expect(leaver.disabledAt).not.toBeNull();
    // As if the revocation had not happened (a token row restored from a backup, or written by hand).
    const { secret } = await insertApiToken(api.container.identity.store, { name: "leaver-restored", createdById: leaver.id });
    await expectRefused(await send(bearer(secret), "/api/v1/me"), 401, "UNAUTHENTICATED", /created by a user who is disabled/);
  });

  it("does not let an admin disable their own account, by session or by a token they created", async () => {
    const admin = await signIn("admin@interlock.local");
    const me = (await api.container.identity.store.findUserByEmail("admin@interlock.local"))!;
    await expectRefused(await patchUser(admin, me.id, { disabled: true, reason: "testing" }), 409, "CONFLICT", /cannot disable your own account/);
    const own = await createToken(admin, "admin-automation", "ADMIN");
    await expectRefused(await patchUser(bearer(own.token), me.id, { disabled: true, reason: "testing" }), 409, "CONFLICT", /cannot disable your own account/);
    expect((await api.container.identity.store.findUserById(me.id))).toMatchObject({ disabledAt: null, sessionEpoch: me.sessionEpoch });
    expect((await send(admin, "/api/v1/me")).status).toBe(200);
    await send(admin, `/api/v1/tokens/${own.id}`, { method: "DELETE" });
  });
});

describe("enabling a user", () => {
  it("lets them sign in again, audited; sessions from before stay signed out and revoked tokens stay revoked", async () => {
    const admin = await signIn("admin@interlock.local");
    const user = (await api.container.identity.store.findUserByEmail("leaver@example.com"))!;
    const before = await signIn("leaver@example.com");
    const enabled = await patchUser(admin, user.id, { disabled: false, reason: "rehired" });
    expect(enabled.status).toBe(200);
    expect(ZUserChange.parse(enabled.json)).toMatchObject({ changes: ["enabled"], user: { disabledAt: null }, revokedTokens: [] });
    await expectRefused(await send(before, "/api/v1/me"), 401, "UNAUTHENTICATED", /signed out because the account was changed/i);
    expect((await send(await signIn("leaver@example.com"), "/api/v1/me")).json).toMatchObject({ kind: "user", role: "ADMIN" });
    const [event] = await events("user.enabled");
    expect(event).toMatchObject({ actor: "admin@interlock.local", payload: { userId: user.id, reason: "rehired", before: { disabled: true }, after: { disabled: false } } });

    // Asking for what already is changes nothing and writes nothing.
    const epoch = (await api.container.identity.store.findUserById(user.id))!.sessionEpoch;
    expect((await patchUser(admin, user.id, { disabled: false, reason: "again" })).json).toMatchObject({ changes: [] });
    expect((await api.container.identity.store.findUserById(user.id))!.sessionEpoch).toBe(epoch);
    expect(await events("user.enabled")).toHaveLength(1);
  });
});

describe("changing a user's role", () => {
  it("signs out their sessions and revokes their tokens; a new sign-in has the new role", async () => {
    const admin = await signIn("admin@interlock.local");
    const id = await createUser(admin, "mover@example.com", "ADMIN");
    const mover = await signIn("mover@example.com");
    const bot = await createToken(mover, "mover-bot", "OPERATOR");
    const changed = await patchUser(admin, id, { role: "OPERATOR", reason: "moved to the product team" });
    expect(changed.status).toBe(200);
    expect(ZUserChange.parse(changed.json)).toMatchObject({ changes: ["role"], user: { role: "OPERATOR", disabledAt: null }, revokedTokens: [{ id: bot.id }] });
    await expectRefused(await send(mover, "/api/v1/me"), 401, "UNAUTHENTICATED", /signed out because the account was changed/i);
    await expectRefused(await send(bearer(bot.token), "/api/v1/me"), 401, "UNAUTHENTICATED", /revoked/);
    expect((await send(await signIn("mover@example.com"), "/api/v1/me")).json).toMatchObject({ role: "OPERATOR" });
    const [event] = await events("user.role_changed");
    expect(event).toMatchObject({ actor: "admin@interlock.local", payload: { userId: id, reason: "moved to the product team", before: { role: "ADMIN", disabled: false }, after: { role: "OPERATOR", disabled: false } } });
  });
});

describe("the last enabled admin", () => {
  it("cannot lower their own role; nothing is written; with a second admin they can", async () => {
    // leaver@example.com is an admin again: disable them so admin@interlock.local is the last one.
    const admin = await signIn("admin@interlock.local");
    const leaver = (await api.container.identity.store.findUserByEmail("leaver@example.com"))!;
    expect((await patchUser(admin, leaver.id, { disabled: true, reason: "left again" })).status).toBe(200);
    const me = (await api.container.identity.store.findUserByEmail("admin@interlock.local"))!;
    const auditBefore = (await api.container.audit.store.head())!.seq;

    await expectRefused(await patchUser(admin, me.id, { role: "APPROVER", reason: "stepping back" }), 409, "CONFLICT", /You are the last enabled admin/);
    expect(await api.container.identity.store.findUserById(me.id)).toMatchObject({ role: "ADMIN", sessionEpoch: me.sessionEpoch });
    await api.container.audit.log.settle();
    expect((await api.container.audit.store.head())!.seq).toBe(auditBefore);
    expect((await send(admin, "/api/v1/me")).status).toBe(200);

    const second = await createUser(admin, "second-admin@example.com", "ADMIN");
    expect((await patchUser(admin, me.id, { role: "APPROVER", reason: "stepping back" })).status).toBe(200);
    await expectRefused(await send(admin, "/api/v1/me"), 401, "UNAUTHENTICATED");
    // …and the other admin cannot then be removed either.
    await expectRefused(await patchUser(await signIn("admin@interlock.local"), second, { disabled: true, reason: "x" }), 403, "FORBIDDEN");
    const other = await signIn("second-admin@example.com");
    await expectRefused(await patchUser(other, second, { role: "VIEWER", reason: "oops" }), 409, "CONFLICT", /last enabled admin/);
    expect((await patchUser(other, me.id, { role: "ADMIN", reason: "back on duty" })).status).toBe(200);
  });
});

describe("PATCH /api/v1/users/{id} input", () => {
  it("answers 404 for an unknown user and 422 naming the problem for a bad body", async () => {
    const admin = await signIn("admin@interlock.local");
    const viewer = (await api.container.identity.store.findUserByEmail("viewer@interlock.local"))!;
    await expectRefused(await patchUser(admin, "00000000-0000-4000-8000-000000000000", { disabled: true, reason: "x" }), 404, "NOT_FOUND");
    for (const body of [{ disabled: true }, { reason: "nothing asked" }, { disabled: "yes", reason: "x" }, { role: "ROOT", reason: "x" }, { disabled: true, reason: "  " }, { disabled: true, reason: "x", email: "a@b.c" }]) {
      const response = await patchUser(admin, viewer.id, body);
      await expectRefused(response, 422, "VALIDATION_FAILED");
      expect(Array.isArray(response.json.error.details.issues), JSON.stringify(body)).toBe(true);
    }
    await expectRefused(await patchUser(await signIn("approver@interlock.local"), viewer.id, { disabled: true, reason: "x" }), 403, "FORBIDDEN");
    expect((await api.container.identity.store.findUserById(viewer.id))!.disabledAt).toBeNull();
  });
});

describe("API token expiry", () => {
  it("applies API_TOKEN_DEFAULT_TTL_DAYS when the request names none, and refuses more than API_TOKEN_MAX_TTL_DAYS", async () => {
    const admin = await signIn("admin@interlock.local");
    const before = Date.now();
    const plain = await createToken(admin, "ttl-default", "VIEWER");
    const days = (Date.parse(plain.expiresAt!) - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);
    const asked = await createToken(admin, "ttl-asked", "VIEWER", 60);
    expect((Date.parse(asked.expiresAt!) - before) / 86_400_000).toBeCloseTo(60, 1);
    await expectRefused(await send(admin, "/api/v1/tokens", { body: { name: "ttl-too-long", role: "VIEWER", expiresInDays: 61 } }), 422, "VALIDATION_FAILED", /at most 60 days/);
    expect((await api.container.identity.store.listTokens()).map((t) => t.name)).not.toContain("ttl-too-long");
  });

  it("refuses a token once it has expired: one created with no expiry stops working after the default", async () => {
    const admin = await signIn("admin@interlock.local");
    const token = await createToken(admin, "ttl-expiring", "VIEWER");
    expect((await send(bearer(token.token), "/api/v1/me")).status).toBe(200);
    const identities = api.container.identity.store;
    const day = 86_400_000;
    await expect(authenticateApiToken({ identities, now: new Date(Date.now() + 29 * day) }, token.token)).resolves.toMatchObject({ kind: "token", name: "ttl-expiring" });
    await expect(authenticateApiToken({ identities, now: new Date(Date.now() + 31 * day) }, token.token)).rejects.toThrow(/expired/);
    // Through the API, once the moment has come.
    await api.container.db.query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [token.id]);
    await expectRefused(await send(bearer(token.token), "/api/v1/me"), 401, "UNAUTHENTICATED", /expired/);
  });
});

describe("four-eyes between a token and the person who created it", () => {
  async function pausedOperation(requester: Headers, service: string, version: string): Promise<string> {
    (api.container.signals as SimulatedSignalSource).set(service, { errorBudgetPct: 8 });
    const submitted = await send(requester, "/api/v1/operations", { body: { type: "DEPLOYMENT", service, params: { version } } });
    expect(submitted.status, JSON.stringify(submitted.json)).toBe(202);
    const id = submitted.json.operation.id as string;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const detail = ZOperationDetail.parse((await send(await signIn("viewer@interlock.local"), `/api/v1/operations/${id}`)).json);
      if (detail.operation.state === "PAUSED_FOR_HUMAN_REVIEW") break;
      if (Date.now() > deadline) throw new Error(`operation ${id} is ${detail.operation.state}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    (api.container.signals as SimulatedSignalSource).set(service, { errorBudgetPct: 0.5 });
    return id;
  }

  it("refuses the creator deciding what their token requested, and the token deciding what its creator requested", async () => {
    const admin = await signIn("admin@interlock.local");
    const approverUser = (await api.container.identity.store.findUserByEmail("approver@interlock.local"))!;
    const approver = await signIn("approver@interlock.local");
    const bot = await createToken(admin, "release-bot", "APPROVER");

    const byToken = await pausedOperation(bearer(bot.token), "search-service", "v9.2.0");
    await expectRefused(await send(admin, `/api/v1/operations/${byToken}/approve`, { body: {} }), 403, "FORBIDDEN", /same person/);
    await expectRefused(await send(admin, `/api/v1/operations/${byToken}/reject`, { body: {} }), 403, "FORBIDDEN", /same person/);

    const byPerson = await pausedOperation(admin, "recommendation-service", "v4.0.1");
    await expectRefused(await send(bearer(bot.token), `/api/v1/operations/${byPerson}/approve`, { body: {} }), 403, "FORBIDDEN", /same person/);
    await expectRefused(await send(bearer(bot.token), `/api/v1/operations/${byPerson}/resume`, { body: { reason: "upstream fixed" } }), 403, "FORBIDDEN", /same person/);

    // Someone else decides both.
    expect((await send(approver, `/api/v1/operations/${byToken}/approve`, { body: {} })).status).toBe(200);
    expect((await send(approver, `/api/v1/operations/${byPerson}/reject`, { body: { notes: "not now" } })).status).toBe(200);

    // A token of another person decides freely.
    // Written to the store: an approver cannot create a token through the API.
    const otherBot = (await insertApiToken(api.container.identity.store, { name: "approver-bot", createdById: approverUser.id, role: "APPROVER" })).secret;
    const third = await pausedOperation(bearer(bot.token), "loyalty-service", "v2.2.2");
    expect((await send(bearer(otherBot), `/api/v1/operations/${third}/approve`, { body: {} })).status).toBe(200);
  });
});
