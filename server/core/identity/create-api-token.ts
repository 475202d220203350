import { z } from "zod";
import type { AuditEventInput } from "../audit/types";
import { AppError } from "../errors";
import { displayPrefix, generateApiToken, hashApiToken } from "./api-tokens";
import type { ApiTokenRecord, IdentityStore } from "./ports";
import { ROLES } from "./roles";
import { parseInput } from "../parse-input";

export const ZCreateApiTokenInput = z.strictObject({
  name: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._:@-]+$/, "letters, digits and . _ : @ - only (it becomes the actor name token:<name>)"),
  role: z.enum(ROLES),
  /** Days until it stops working; the configured default when absent, never more than the configured maximum. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateApiTokenInput = z.input<typeof ZCreateApiTokenInput>;

export interface CreatedApiToken {
  /** The token itself: shown once, never stored. */
  token: string;
  record: ApiTokenRecord;
}

/** How long tokens live (API_TOKEN_DEFAULT_TTL_DAYS, API_TOKEN_MAX_TTL_DAYS). */
export interface TokenLifetimes {
  defaultDays: number;
  maxDays: number;
}

/**
 * An admin (or the `token:create` command) issues a token for an automation.
 * Names are unique among live tokens, because the name is the actor recorded
 * on everything the token does. Every token expires: a forgotten token in a
 * departed person's pipeline stops working on its own
 * (docs/security.md#offboarding-users-sessions-and-tokens).
 */
export async function createApiToken(
  deps: { identities: IdentityStore; audit: { append(input: AuditEventInput): Promise<unknown> }; now: Date; lifetimes: TokenLifetimes },
  input: CreateApiTokenInput,
  createdBy: { userId: string | null; actor: string },
): Promise<CreatedApiToken> {
  const { name, role, expiresInDays = deps.lifetimes.defaultDays } = parseInput(ZCreateApiTokenInput, input, "API token request");
  if (expiresInDays > deps.lifetimes.maxDays) {
    throw new AppError("VALIDATION_FAILED", `Invalid API token request: expiresInDays: at most ${deps.lifetimes.maxDays} days (API_TOKEN_MAX_TTL_DAYS); create a new token when this one expires`, {
      problems: [`expiresInDays: at most ${deps.lifetimes.maxDays}`],
      maxDays: deps.lifetimes.maxDays,
    });
  }
  const live = (await deps.identities.listTokens()).find((t) => t.name === name && !t.revokedAt);
  if (live) throw new AppError("CONFLICT", `A live API token named ${name} already exists (${live.prefix}…); revoke it first or choose another name`, { name, tokenId: live.id });
  const token = generateApiToken();
  const record = await deps.identities.insertToken({
    name,
    tokenHash: hashApiToken(token),
    prefix: displayPrefix(token),
    role,
    createdById: createdBy.userId,
    expiresAt: new Date(deps.now.getTime() + expiresInDays * 86_400_000),
  });
  await deps.audit.append({
    category: "MANUAL_INTERVENTION",
    severity: "WARNING",
    actor: createdBy.actor,
    action: "api_token.created",
    payload: { tokenId: record.id, name, role, prefix: record.prefix, expiresAt: record.expiresAt?.toISOString() ?? null },
  });
  return { token, record };
}
