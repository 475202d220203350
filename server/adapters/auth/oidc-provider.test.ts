// OIDC settings from the environment (docs/operations.md#every-variable,
// docs/security.md#identity-oidc): the allow-list lists, and what the start-up log says
// about who gets an account, in particular that nobody does without a list.
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../../env";
import { describeOidcProvisioning, oidcConfigFromEnv } from "./oidc-provider";

const OIDC = { OIDC_ISSUER: "https://sso.example.com", OIDC_CLIENT_ID: "interlock", OIDC_CLIENT_SECRET: "s3cret" };

describe("OIDC settings", () => {
  it("is off unless issuer, client id and secret are all set", () => {
    expect(oidcConfigFromEnv(parseEnv({}))).toBeNull();
    expect(oidcConfigFromEnv(parseEnv({ OIDC_ISSUER: OIDC.OIDC_ISSUER }))).toBeNull();
  });

  it("creates no accounts without an allow-list, and says so", () => {
    const config = oidcConfigFromEnv(parseEnv(OIDC))!;
    expect(config.allowList).toEqual({ domains: [], groups: [], groupsClaim: "groups" });
    expect(describeOidcProvisioning(config)).toMatch(/creates no accounts .* only identities an admin linked sign in/);
  });

  it("reads the domain and group lists (domains in lower case, blanks dropped) and the groups claim", () => {
    const config = oidcConfigFromEnv(parseEnv({ ...OIDC, OIDC_ALLOWED_DOMAINS: " Corp.Example , partner.example", OIDC_ALLOWED_GROUPS: "sre-team, Platform Admins", OIDC_GROUPS_CLAIM: "roles", OIDC_DEFAULT_ROLE: "OPERATOR" }))!;
    expect(config.allowList).toEqual({ domains: ["corp.example", "partner.example"], groups: ["sre-team", "Platform Admins"], groupsClaim: "roles" });
    expect(describeOidcProvisioning(config)).toBe("OIDC sign-in creates OPERATOR accounts for email domains corp.example, partner.example and groups sre-team, Platform Admins (claim roles); anyone else needs an account an admin links");
  });

  it.each([["OIDC_ALLOWED_DOMAINS", "corp.example,,partner.example"], ["OIDC_ALLOWED_DOMAINS", "@corp.example"], ["OIDC_ALLOWED_DOMAINS", "localhost"], ["OIDC_ALLOWED_GROUPS", "sre, ,ops"]])("refuses %s=%j", (variable, value) => {
    expect(() => parseEnv({ ...OIDC, [variable]: value })).toThrow(EnvError);
  });
});
