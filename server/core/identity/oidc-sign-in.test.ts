// The OIDC sign-in rule (docs/security.md#identity-oidc), on its own: claims checked
// (issuer, subject, email_verified === true), a person found by (issuer,
// subject) and never by email, an existing account reached only through an
// admin's link, new accounts only for the allow-list.
import { describe, expect, it } from "vitest";
import { canonicalIssuer, decideOidcSignIn, readOidcClaims, type OidcAllowList, type OidcPerson } from "./oidc-sign-in";
import type { OidcIdentityRecord, OidcUser } from "./oidc-ports";

const ISSUER = "https://sso.example.com";
const now = new Date("2026-12-07T12:00:00Z");
const verified = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, sub: "sub-1", email: "Pat@Corp.Example", email_verified: true, name: "Pat", ...extra });
const user = (id: string, email: string, disabled = false): OidcUser => ({ id, email, name: email, role: "ADMIN", disabledAt: disabled ? now : null });
const link = (userId: string): OidcIdentityRecord => ({ id: "link-1", userId, issuer: ISSUER, subject: "sub-1", linkedAt: now, linkedBy: "admin@example.com" });
const NONE: OidcAllowList = { domains: [], groups: [], groupsClaim: "groups" };
const person = (extra: Partial<OidcPerson> = {}): OidcPerson => ({ issuer: ISSUER, subject: "sub-1", email: "pat@corp.example", name: "Pat", groups: [], ...extra });
const decide = (input: Partial<Parameters<typeof decideOidcSignIn>[0]>) =>
  decideOidcSignIn({ person: person(), link: null, linkedUser: null, userWithEmail: null, allowList: NONE, defaultRole: "VIEWER", now, ...input });

describe("readOidcClaims", () => {
  it("reads a verified person, email in lower case, groups from the configured claim", () => {
    expect(readOidcClaims(verified({ roles: ["sre"], groups: ["x"] }), ISSUER, "roles")).toEqual({ ok: true, person: { issuer: ISSUER, subject: "sub-1", email: "pat@corp.example", name: "Pat", groups: ["sre"] } });
    expect(readOidcClaims(verified({ groups: "sre" }), ISSUER, "groups")).toMatchObject({ ok: true, person: { groups: ["sre"] } });
    expect(readOidcClaims(verified({ groups: ["sre", 7, null] }), ISSUER, "groups")).toMatchObject({ ok: true, person: { groups: ["sre"] } });
  });

  it.each([
    ["email_verified false", { email_verified: false }, "email_not_verified"],
    ["email_verified absent", { email_verified: undefined }, "email_not_verified"],
    ["email_verified the string true", { email_verified: "true" }, "email_not_verified"],
    ["email_verified 1", { email_verified: 1 }, "email_not_verified"],
    ["no email", { email: undefined }, "invalid_claims"],
    ["not an email", { email: "pat" }, "invalid_claims"],
    ["no subject", { sub: undefined }, "invalid_claims"],
    ["an empty subject", { sub: "" }, "invalid_claims"],
    ["another issuer", { iss: "https://evil.example" }, "wrong_issuer"],
    ["no issuer", { iss: undefined }, "wrong_issuer"],
  ])("refuses %s", (_, extra, reason) => {
    expect(readOidcClaims(verified(extra), ISSUER, "groups")).toMatchObject({ ok: false, reason });
  });

  it("treats the issuer with and without a trailing slash as the same", () => {
    expect(readOidcClaims(verified({ iss: `${ISSUER}/` }), ISSUER, "groups")).toMatchObject({ ok: true, person: { issuer: ISSUER } });
    expect(readOidcClaims(verified(), `${ISSUER}/`, "groups")).toMatchObject({ ok: true });
    expect(canonicalIssuer("https://a.example///")).toBe("https://a.example");
  });
});

describe("decideOidcSignIn", () => {
  it("signs a linked identity in as its user, whatever email it now reports and whoever else has that email", () => {
    expect(decide({ link: link("u-1"), linkedUser: user("u-1", "old@corp.example"), person: person({ email: "new@corp.example" }) })).toEqual({ kind: "sign_in", userId: "u-1", identityId: "link-1" });
    expect(decide({ link: link("u-1"), linkedUser: user("u-1", "old@corp.example"), userWithEmail: user("u-2", "pat@corp.example") })).toMatchObject({ kind: "sign_in", userId: "u-1" });
  });

  it("refuses a linked identity whose user is disabled or gone", () => {
    expect(decide({ link: link("u-1"), linkedUser: user("u-1", "pat@corp.example", true) })).toMatchObject({ kind: "refuse", reason: "account_disabled" });
    expect(decide({ link: link("u-1"), linkedUser: null })).toMatchObject({ kind: "refuse" });
  });

  it("never reaches an existing account by email: an admin must link it, even when the allow-list admits the domain", () => {
    const admins = { domains: ["corp.example"], groups: [], groupsClaim: "groups" };
    expect(decide({ userWithEmail: user("u-admin", "pat@corp.example"), allowList: admins })).toEqual({
      kind: "refuse",
      reason: "link_required",
      message: expect.stringContaining("administrator must link"),
      userId: "u-admin",
    });
  });

  it("creates an account only for the allow-list: domain (exact) or group", () => {
    const allow = { domains: ["corp.example"], groups: ["sre-team"], groupsClaim: "groups" };
    expect(decide({ allowList: allow, defaultRole: "OPERATOR" })).toEqual({ kind: "create", email: "pat@corp.example", name: "Pat", role: "OPERATOR", issuer: ISSUER, subject: "sub-1", linkedAt: now, admittedBy: "domain" });
    expect(decide({ allowList: allow, person: person({ email: "pat@partner.example", groups: ["sre-team"] }) })).toMatchObject({ kind: "create", admittedBy: "group" });
    expect(decide({ allowList: allow, person: person({ email: "pat@sub.corp.example" }) })).toMatchObject({ kind: "refuse", reason: "not_allowed" });
    expect(decide({ allowList: allow, person: person({ email: "pat@evilcorp.example" }) })).toMatchObject({ kind: "refuse", reason: "not_allowed" });
    expect(decide({ allowList: allow, person: person({ email: "pat@partner.example", groups: ["SRE-TEAM"] }) })).toMatchObject({ kind: "refuse", reason: "not_allowed" });
  });

  it("creates no accounts at all without an allow-list", () => {
    expect(decide({ allowList: NONE })).toEqual({ kind: "refuse", reason: "not_allowed", message: "This identity has no account; accounts are created by an administrator", userId: null });
  });
});
