// Why a single sign-on was refused, as the sign-in page tells the person
// (docs/security.md#identity-oidc). Browser-safe: the server redirects to
// /signin?error=<code> and the page shows the sentence.

export const OIDC_SIGN_IN_ERRORS = {
  OidcEmailNotVerified: "Your identity provider has not verified your email address, so single sign-on cannot be used. Verify it there and try again.",
  OidcLinkRequired: "An account with your email already exists, but this single sign-on identity is not linked to it. An administrator must link this identity to the account.",
  OidcNotAllowed: "Your single sign-on identity has no Interlock account, and accounts are not created automatically for it. Ask an administrator.",
  OidcAccountDisabled: "This account is disabled.",
  OidcInvalidToken: "Your identity provider's answer could not be used for sign-in. Ask an administrator to check the OIDC configuration.",
} as const;

export type OidcSignInErrorCode = keyof typeof OIDC_SIGN_IN_ERRORS;

/** The sentence for a sign-in page `error` parameter, or null for one this console did not set. */
export function oidcSignInErrorMessage(code: string | undefined): string | null {
  return code !== undefined && Object.hasOwn(OIDC_SIGN_IN_ERRORS, code) ? OIDC_SIGN_IN_ERRORS[code as OidcSignInErrorCode] : null;
}
