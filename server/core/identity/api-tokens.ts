import crypto from "node:crypto";

// API tokens: `ilk_` + 32 random bytes in base64url. Only the SHA-256 of the
// token is stored; a leaked table gives no usable token. A plain hash (not a
// slow password hash) is right here: the token has 256 bits of entropy, so
// nothing can be guessed, and it is checked on every request.

export const TOKEN_PREFIX = "ilk_";
const TOKEN_PATTERN = /^ilk_[A-Za-z0-9_-]{43}$/;

export function generateApiToken(randomBytes: (n: number) => Buffer = crypto.randomBytes): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function hashApiToken(token: string): string {
  return crypto.createHash("sha256").update(token, "utf8").digest("hex");
}

/** The first characters shown in lists so an admin can tell tokens apart without seeing one. */
export function displayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}

export function looksLikeApiToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}
