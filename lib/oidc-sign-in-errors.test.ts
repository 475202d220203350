// The sign-in page shows only the sentences this console wrote for an OIDC refusal (docs/security.md#identity-oidc).
import { describe, expect, it } from "vitest";
import { OIDC_SIGN_IN_ERRORS, oidcSignInErrorMessage } from "./oidc-sign-in-errors";

describe("oidcSignInErrorMessage", () => {
  it("tells why single sign-on was refused, for the codes the server sets", () => {
    expect(oidcSignInErrorMessage("OidcLinkRequired")).toBe(OIDC_SIGN_IN_ERRORS.OidcLinkRequired);
    expect(oidcSignInErrorMessage("OidcLinkRequired")).toMatch(/administrator must link/);
  });

  it.each([undefined, "", "<script>", "constructor", "toString", "__proto__"])("says nothing for %j", (code) => {
    expect(oidcSignInErrorMessage(code)).toBeNull();
  });
});
