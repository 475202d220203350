// OIDC sign-in against a real (local) identity provider, through next-auth's
// own flow with the auth options the real container builds (docs/security.md#identity-oidc):
// the provider lets the test put any claims in its ID token, as an identity
// provider that lets people set their own email would. An unverified email
// reaches no account; a verified email of an existing account (the admin's) is
// refused until an admin links the identity, after which it signs in as that
// user whatever email it later reports; another subject with the same email is
// refused; the allow-list decides who gets a new account, and without one
// nobody does. The session cookie that comes out is checked on /api/v1/me.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLogger } from "../../logger";
import { startApiHarness, type ApiHarness } from "../../testing/api";
import { NextAuthTestClient } from "../../testing/next-auth-client";
import { startTestOidcProvider, type TestOidcProvider } from "../../testing/oidc-test-provider";
import { buildAuthOptions } from "./next-auth-options";
import { oidcConfigFromEnv } from "./oidc-provider";

let provider: TestOidcProvider;
let api: ApiHarness;
const BASE = "http://127.0.0.1:3000";

beforeAll(async () => {
  provider = await startTestOidcProvider();
  api = await startApiHarness("oidc_sign_in", {
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_CLIENT_SECRET: provider.clientSecret,
    OIDC_DEFAULT_ROLE: "OPERATOR",
    OIDC_ALLOWED_DOMAINS: "corp.example",
    OIDC_ALLOWED_GROUPS: "sre-team",
  });
  // As the app's /api/auth route does before each call (server/http/auth-url.ts).
  process.env.NEXTAUTH_URL = BASE;
}, 120_000);
afterAll(async () => {
  await api?.close();
  await provider?.close();
});

/** Signs in through the provider as whoever `claims` say; answers where the browser ends up and who /api/v1/me says it is. */
async function signIn(claims: Record<string, unknown>, options: { userinfo?: Record<string, unknown>; authOptions?: ReturnType<typeof buildAuthOptions> } = {}) {
  provider.nextSignIn({ claims, userinfo: options.userinfo });
  const browser = new NextAuthTestClient(options.authOptions ?? api.container.identity.authOptions, BASE);
  const location = await browser.signInWithOidc("/operations");
  const cookie = browser.sessionCookie();
  const me = cookie ? await api.fetch("/api/v1/me", { headers: { cookie } }) : null;
  return { location, signedInAs: me && me.status === 200 ? ((await me.json()) as { email: string; role: string }) : null };
}

async function admin(path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { ...(await api.as("ADMIN")) };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.method ?? (init.body === undefined ? "GET" : "POST"), headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: response.status, json: (await response.json()) as any };
}

async function refusals(subject: string) {
  await api.container.audit.log.settle();
  return (await api.container.audit.store.query({ action: "session.sign_in_refused", actor: `oidc:${subject}`, limit: 50 })).events;
}

const userId = async (email: string) => (await api.container.identity.store.findUserByEmail(email))!.id;
const ADMIN_EMAIL = "admin@interlock.local";

describe("OIDC sign-in through next-auth against a local identity provider", () => {
  it("signs a linked person in end to end (the provider, the flow and the session cookie work)", async () => {
    const created = await signIn({ sub: "first-1", email: "first@corp.example", email_verified: true, name: "First Person" });
    expect(created).toEqual({ location: `${BASE}/operations`, signedInAs: expect.objectContaining({ email: "first@corp.example", role: "OPERATOR" }) });
  });

  it("an unverified email reaches no account: not the admin's, and no new one even on an allowed domain", async () => {
    expect(await signIn({ sub: "mallory-1", email: ADMIN_EMAIL, email_verified: false })).toEqual({ location: "/signin?error=OidcEmailNotVerified", signedInAs: null });
    // A string is not a verified flag, and an absent one is not either.
    expect(await signIn({ sub: "mallory-1", email: ADMIN_EMAIL, email_verified: "true" })).toEqual({ location: "/signin?error=OidcEmailNotVerified", signedInAs: null });
    expect(await signIn({ sub: "mallory-2", email: "mallory@corp.example" })).toEqual({ location: "/signin?error=OidcEmailNotVerified", signedInAs: null });
    expect(await api.container.identity.store.findUserByEmail("mallory@corp.example")).toBeNull();

    const events = await refusals("mallory-1");
    expect(events.map((e) => [e.category, e.severity, e.payload.reason, e.payload.email])).toEqual([
      ["ACCESS", "WARNING", "email_not_verified", ADMIN_EMAIL],
      ["ACCESS", "WARNING", "email_not_verified", ADMIN_EMAIL],
    ]);
  });

  it("a verified email of an existing admin is refused until an admin links the identity, then signs in as that admin", async () => {
    expect(await signIn({ sub: "admin-sub", email: ADMIN_EMAIL, email_verified: true })).toEqual({ location: "/signin?error=OidcLinkRequired", signedInAs: null });
    const [refused] = await refusals("admin-sub");
    expect(refused!.payload).toMatchObject({ reason: "link_required", issuer: provider.issuer, subject: "admin-sub", email: ADMIN_EMAIL, userId: await userId(ADMIN_EMAIL) });

    const adminId = await userId(ADMIN_EMAIL);
    // Only an admin links, and only to the configured issuer.
    const viewer = await api.fetch(`/api/v1/users/${adminId}/identities`, { method: "POST", headers: { ...(await api.as("VIEWER")), "content-type": "application/json" }, body: JSON.stringify({ subject: "admin-sub" }) });
    expect(viewer.status).toBe(403);
    expect((await admin(`/api/v1/users/${adminId}/identities`, { body: { subject: "admin-sub", issuer: "https://elsewhere.example" } })).status).toBe(422);

    const linked = await admin(`/api/v1/users/${adminId}/identities`, { body: { subject: "admin-sub" } });
    expect(linked.status).toBe(201);
    expect(linked.json).toMatchObject({ userId: adminId, issuer: provider.issuer, subject: "admin-sub", linkedBy: ADMIN_EMAIL });
    // One provider account belongs to one user.
    expect((await admin(`/api/v1/users/${await userId("viewer@interlock.local")}/identities`, { body: { subject: "admin-sub" } })).status).toBe(409);

    expect(await signIn({ sub: "admin-sub", email: ADMIN_EMAIL, email_verified: true })).toEqual({ location: `${BASE}/operations`, signedInAs: expect.objectContaining({ email: ADMIN_EMAIL, role: "ADMIN" }) });
    expect((await admin(`/api/v1/users/${adminId}/identities`)).json.identities.map((i: { subject: string }) => i.subject)).toEqual(["admin-sub"]);

    await api.container.audit.log.settle();
    const [event] = (await api.container.audit.store.query({ action: "user.identity_linked", limit: 5 })).events;
    expect(event).toMatchObject({ category: "MANUAL_INTERVENTION", actor: ADMIN_EMAIL, payload: { userId: adminId, subject: "admin-sub", issuer: provider.issuer } });
  });

  it("a linked person whose email changes at the provider is still the same user, even with another user's email", async () => {
    expect((await signIn({ sub: "admin-sub", email: "renamed@corp.example", email_verified: true })).signedInAs).toMatchObject({ email: ADMIN_EMAIL, role: "ADMIN" });
    expect((await signIn({ sub: "admin-sub", email: "viewer@interlock.local", email_verified: true })).signedInAs).toMatchObject({ email: ADMIN_EMAIL, role: "ADMIN" });
    expect(await api.container.identity.store.findUserByEmail("renamed@corp.example")).toBeNull();
  });

  it("another subject with the email of an OIDC-created account is refused (a returning person is found by subject, not email)", async () => {
    const first = await signIn({ sub: "np-1", email: "new.person@corp.example", email_verified: true });
    expect(first.signedInAs).toMatchObject({ email: "new.person@corp.example" });
    expect(await signIn({ sub: "np-2", email: "new.person@corp.example", email_verified: true })).toEqual({ location: "/signin?error=OidcLinkRequired", signedInAs: null });
    expect((await signIn({ sub: "np-1", email: "new.person@corp.example", email_verified: true })).signedInAs).toMatchObject({ email: "new.person@corp.example" });
  });

  it("the allow-list admits new people by email domain or group (also from userinfo) and refuses everyone else", async () => {
    const byGroup = await signIn({ sub: "grp-1", email: "contractor@partner.example", email_verified: true, groups: ["sre-team"] });
    expect(byGroup.signedInAs).toMatchObject({ email: "contractor@partner.example", role: "OPERATOR" });
    // A provider that puts groups (and the verified flag) only in userinfo.
    const viaUserinfo = await signIn(
      { sub: "grp-2", email: "other.contractor@partner.example" },
      { userinfo: { sub: "grp-2", email: "other.contractor@partner.example", email_verified: true, groups: ["sre-team"] } },
    );
    expect(viaUserinfo.signedInAs).toMatchObject({ email: "other.contractor@partner.example" });
    // Userinfo of another subject is not this person's: openid-client refuses the whole answer.
    const mismatch = await signIn({ sub: "grp-3", email: "third@partner.example" }, { userinfo: { sub: "someone-else", email_verified: true, groups: ["sre-team"] } });
    expect(mismatch).toEqual({ location: expect.stringContaining("error=OAuthCallback"), signedInAs: null });
    expect(await api.container.identity.store.findUserByEmail("third@partner.example")).toBeNull();

    expect(await signIn({ sub: "out-1", email: "outsider@partner.example", email_verified: true, groups: ["marketing"] })).toEqual({ location: "/signin?error=OidcNotAllowed", signedInAs: null });
    expect(await signIn({ sub: "out-2", email: "sub@sub.corp.example", email_verified: true })).toEqual({ location: "/signin?error=OidcNotAllowed", signedInAs: null });
    expect(await api.container.identity.store.findUserByEmail("outsider@partner.example")).toBeNull();

    const contractorId = await userId("contractor@partner.example");
    expect((await admin(`/api/v1/users/${contractorId}/identities`)).json.identities).toMatchObject([{ subject: "grp-1", issuer: provider.issuer, linkedBy: "oidc-provisioning" }]);
    await api.container.audit.log.settle();
    const provisioned = (await api.container.audit.store.query({ action: "user.provisioned", limit: 50 })).events.find((e) => e.payload.userId === contractorId);
    expect(provisioned).toMatchObject({ category: "MANUAL_INTERVENTION", payload: { subject: "grp-1", admittedBy: "group", role: "OPERATOR" } });
  });

  it("without an allow-list OIDC creates no accounts, and linked identities still sign in", async () => {
    const config = oidcConfigFromEnv({ ...api.container.env, OIDC_ALLOWED_DOMAINS: undefined, OIDC_ALLOWED_GROUPS: undefined })!;
    expect(config.allowList).toMatchObject({ domains: [], groups: [] });
    const authOptions = buildAuthOptions({
      identities: api.container.identity.store,
      hasher: api.container.identity.hasher,
      audit: api.container.audit.log,
      secret: api.container.identity.secret,
      oidc: config,
      oidcIdentities: { store: api.container.identity.oidcIdentities, audit: api.container.audit.log },
      log: getLogger(),
    });
    expect(await signIn({ sub: "closed-1", email: "closed@corp.example", email_verified: true }, { authOptions })).toEqual({ location: "/signin?error=OidcNotAllowed", signedInAs: null });
    expect(await api.container.identity.store.findUserByEmail("closed@corp.example")).toBeNull();
    expect((await signIn({ sub: "admin-sub", email: ADMIN_EMAIL, email_verified: true }, { authOptions })).signedInAs).toMatchObject({ email: ADMIN_EMAIL });
  });

  it("an unlinked identity no longer signs in; a disabled user is refused even when linked", async () => {
    const adminId = await userId(ADMIN_EMAIL);
    const [link] = (await admin(`/api/v1/users/${adminId}/identities`)).json.identities;
    const removed = await admin(`/api/v1/users/${adminId}/identities/${link.id}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    expect((await admin(`/api/v1/users/${adminId}/identities/${link.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await signIn({ sub: "admin-sub", email: ADMIN_EMAIL, email_verified: true })).location).toBe("/signin?error=OidcLinkRequired");

    const contractorId = await userId("contractor@partner.example");
    await api.container.db.query("UPDATE users SET disabled_at = now() WHERE id = $1", [contractorId]);
    expect(await signIn({ sub: "grp-1", email: "contractor@partner.example", email_verified: true, groups: ["sre-team"] })).toEqual({ location: "/signin?error=OidcAccountDisabled", signedInAs: null });
  });
  it("OIDC_GROUP_ROLES and OIDC_GROUP_TEAMS set the role and teams at every sign-in, audited (docs/approvals.md#teams-from-oidc-groups)", async () => {
    const config = oidcConfigFromEnv({ ...api.container.env, OIDC_GROUP_ROLES: "sre-admins=ADMIN,sre=APPROVER", OIDC_GROUP_TEAMS: "payments-eng=payments,id-eng=identity" })!;
    const authOptions = buildAuthOptions({
      identities: api.container.identity.store,
      hasher: api.container.identity.hasher,
      audit: api.container.audit.log,
      secret: api.container.identity.secret,
      oidc: config,
      oidcIdentities: { store: api.container.identity.oidcIdentities, audit: api.container.audit.log },
      log: getLogger(),
    });
    const claims = { sub: "grouped-1", email: "grouped@corp.example", email_verified: true };
    expect((await signIn({ ...claims, groups: ["sre", "payments-eng"] }, { authOptions })).signedInAs).toMatchObject({ email: "grouped@corp.example", role: "APPROVER" });
    const first = (await api.container.identity.store.findUserByEmail("grouped@corp.example"))!;
    expect(first).toMatchObject({ role: "APPROVER", teams: ["payments"] });
    expect((await signIn({ ...claims, groups: ["id-eng"] }, { authOptions })).signedInAs).toMatchObject({ role: "APPROVER" });
    expect(await api.container.identity.store.findUserById(first.id)).toMatchObject({ role: "APPROVER", teams: ["identity"] });
    expect((await signIn({ ...claims, groups: ["sre-admins", "id-eng"] }, { authOptions })).signedInAs).toMatchObject({ role: "ADMIN" });
    const promoted = (await api.container.identity.store.findUserById(first.id))!;
    expect(promoted.sessionEpoch).toBeGreaterThan(first.sessionEpoch);
    await api.container.audit.log.settle();
    const events = (await api.container.audit.store.query({ actor: "oidc-groups", limit: 50 })).events.filter((e) => e.payload.userId === first.id).map((e) => e.action);
    expect(events.sort()).toEqual(["user.role_changed", "user.role_changed", "user.teams_changed", "user.teams_changed"]);
  });
});
