import { AppError } from "../errors";
import { hashApiToken, looksLikeApiToken } from "./api-tokens";
import type { IdentityStore } from "./ports";
import { tokenActor, type Principal } from "./principal";

const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The principal behind `Authorization: Bearer <token>`. A wrong, revoked or
 * expired token is refused with a reason, never silently treated as anonymous;
 * so is the token of a disabled person, even if its revocation was missed (a
 * token is its creator's hands: docs/security.md#offboarding-users-sessions-and-tokens).
 */
export async function authenticateApiToken(deps: { identities: IdentityStore; now: Date }, token: string): Promise<Principal> {
  if (!looksLikeApiToken(token)) throw new AppError("UNAUTHENTICATED", "The bearer token is not an Interlock API token (expected ilk_…)");
  const record = await deps.identities.findTokenByHash(hashApiToken(token));
  if (!record) throw new AppError("UNAUTHENTICATED", "Unknown API token");
  if (record.revokedAt) throw new AppError("UNAUTHENTICATED", `API token ${record.name} was revoked at ${record.revokedAt.toISOString()}`, { tokenId: record.id });
  if (record.expiresAt && record.expiresAt.getTime() <= deps.now.getTime()) {
    throw new AppError("UNAUTHENTICATED", `API token ${record.name} expired at ${record.expiresAt.toISOString()}`, { tokenId: record.id });
  }
  if (record.creatorDisabledAt) {
    throw new AppError("UNAUTHENTICATED", `API token ${record.name} was created by a user who is disabled; it no longer works`, { tokenId: record.id });
  }
  await deps.identities.markTokenUsed(record.id, deps.now, LAST_USED_RESOLUTION_MS);
  return { kind: "token", tokenId: record.id, name: record.name, role: record.role, actor: tokenActor(record.name), createdById: record.createdById };
}
