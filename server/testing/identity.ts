// API tokens written straight to the identity store, for tests that need a
// token of a given creator (one who could not create it through the API, or a
// row "restored" behind the API's back).
import { displayPrefix, generateApiToken, hashApiToken } from "../core/identity/api-tokens";
import type { ApiTokenRecord, IdentityStore } from "../core/identity/ports";
import type { Role } from "../core/identity/roles";

export async function insertApiToken(identities: IdentityStore, token: { name: string; createdById: string | null; role?: Role }): Promise<{ secret: string; record: ApiTokenRecord }> {
  const secret = generateApiToken();
  const record = await identities.insertToken({ name: token.name, tokenHash: hashApiToken(secret), prefix: displayPrefix(secret), role: token.role ?? "OPERATOR", createdById: token.createdById, expiresAt: null });
  return { secret, record };
}
