import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZApiToken, ZApiTokenList, ZCreateApiTokenRequest, ZCreatedApiToken, ZCreateUserRequest, ZPrincipal, ZUpdateUserRequest, ZUser, ZUserChange, ZUserList } from "@/lib/api/identity";
import { changeUser } from "../../core/identity/change-user";
import { linkSlackAccount } from "../../core/identity/link-slack-account";
import { createApiToken } from "../../core/identity/create-api-token";
import type { ApiTokenRecord, UserRecord } from "../../core/identity/ports";
import { personOf } from "../../core/identity/principal";
import { revokeApiToken } from "../../core/identity/revoke-api-token";
import { saveUser } from "../../core/identity/save-user";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";

const tokenView = (t: ApiTokenRecord) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  role: t.role,
  createdById: t.createdById,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
  expiresAt: t.expiresAt?.toISOString() ?? null,
});

const userView = (u: UserRecord, slackUserId: string | null = null) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  disabledAt: u.disabledAt?.toISOString() ?? null,
  createdAt: u.createdAt.toISOString(),
  signIn: u.passwordHash ? ("password" as const) : ("sso" as const),
  teams: u.teams,
  slackUserId,
});

export const whoAmIEndpoint = endpoint({
  operationId: "whoAmI",
  method: "GET",
  path: "/api/v1/me",
  summary: "The calling principal",
  tags: ["identity"],
  access: "VIEWER",
  responses: { 200: { description: "Who is calling and with which role", schema: ZPrincipal }, ...AUTH_ERRORS },
  async handler({ container, principal }) {
    const p = principal!;
    const slackUserId = p.kind === "user" ? await container.notifications.slack.store.slackIdOf(p.userId) : null;
    return { status: 200, body: { kind: p.kind, actor: p.actor, name: p.name, role: p.role, email: p.kind === "user" ? p.email : null, slackUserId } };
  },
});

export const listApiTokensEndpoint = endpoint({
  operationId: "listApiTokens",
  method: "GET",
  path: "/api/v1/tokens",
  summary: "List API tokens",
  tags: ["identity"],
  access: "ADMIN",
  responses: { 200: { description: "Every token, newest first (never the token itself)", schema: ZApiTokenList }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: { tokens: (await container.identity.store.listTokens()).map(tokenView) } };
  },
});

export const createApiTokenEndpoint = endpoint({
  operationId: "createApiToken",
  method: "POST",
  path: "/api/v1/tokens",
  summary: "Create an API token",
  description:
    "The token is in this answer and nowhere else: only its SHA-256 is stored. It acts as token:<name> with the given role, and expires after expiresInDays (API_TOKEN_DEFAULT_TTL_DAYS when absent, at most API_TOKEN_MAX_TTL_DAYS: more is refused with 422).",
  tags: ["identity"],
  access: "ADMIN",
  body: ZCreateApiTokenRequest,
  responses: { 201: { description: "The new token", schema: ZCreatedApiToken }, ...AUTH_ERRORS, ...CONFLICT },
  async handler({ container, principal, body }) {
    const p = principal!;
    const lifetimes = { defaultDays: container.env.API_TOKEN_DEFAULT_TTL_DAYS, maxDays: container.env.API_TOKEN_MAX_TTL_DAYS };
    const created = await createApiToken({ identities: container.identity.store, audit: container.audit.log, now: container.clock.now(), lifetimes }, body, {
      userId: p.kind === "user" ? p.userId : null,
      actor: p.actor,
    });
    return { status: 201, body: { token: created.token, record: tokenView(created.record) }, headers: { "cache-control": "no-store" } };
  },
});

export const revokeApiTokenEndpoint = endpoint({
  operationId: "revokeApiToken",
  method: "DELETE",
  path: "/api/v1/tokens/{id}",
  summary: "Revoke an API token",
  description: "Takes effect on the token's next request.",
  tags: ["identity"],
  access: "ADMIN",
  params: ZIdParams,
  responses: { 200: { description: "The revoked token", schema: ZApiToken }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, principal, params }) {
    const record = await revokeApiToken({ identities: container.identity.store, audit: container.audit.log, now: container.clock.now() }, params.id, principal!.actor);
    return { status: 200, body: tokenView(record) };
  },
});

export const listUsersEndpoint = endpoint({
  operationId: "listUsers",
  method: "GET",
  path: "/api/v1/users",
  summary: "List users",
  tags: ["identity"],
  access: "ADMIN",
  responses: { 200: { description: "Users by email", schema: ZUserList }, ...AUTH_ERRORS },
  async handler({ container }) {
    const slackIds = await container.notifications.slack.store.slackIds();
    return { status: 200, body: { users: (await container.identity.store.listUsers()).map((u) => userView(u, slackIds.get(u.id) ?? null)) } };
  },
});

export const createUserEndpoint = endpoint({
  operationId: "createUser",
  method: "POST",
  path: "/api/v1/users",
  summary: "Create a user",
  tags: ["identity"],
  access: "ADMIN",
  body: ZCreateUserRequest,
  responses: { 201: { description: "The new user", schema: ZUser }, ...AUTH_ERRORS, ...CONFLICT },
  async handler({ container, principal, body }) {
    const user = await saveUser({ identities: container.identity.store, hasher: container.identity.hasher, audit: container.audit.log, now: container.clock.now() }, body, { actor: principal!.actor, mode: "insert" });
    return { status: 201, body: userView(user) };
  },
});

export const updateUserEndpoint = endpoint({
  operationId: "updateUser",
  method: "PATCH",
  path: "/api/v1/users/{id}",
  summary: "Disable, enable or re-role a user",
  description:
    "Each change raises the user's session epoch, so every session they hold is signed out on its next request; a disable or a role change also revokes every API token they created. " +
    "The change, its audit events (with before and after, and the reason) and the revocations commit together. Nobody disables their own account, and the last enabled admin is neither disabled nor demoted (409).",
  tags: ["identity"],
  access: "ADMIN",
  params: ZIdParams,
  body: ZUpdateUserRequest,
  responses: { 200: { description: "The user after the change, what changed and the tokens revoked", schema: ZUserChange }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    const p = principal!;
    const { slackUserId, ...change } = body;
    // The Slack link first (the part a conflict refuses), then the rest: each commits with its own audit event (docs/slack.md#linking).
    const slack = slackUserId === undefined ? null : await linkSlackAccount({ identities: container.identity.store, slack: container.notifications.slack.store, audit: container.audit.log }, params.id, slackUserId, { actor: p.actor, isAdmin: true, reason: body.reason });
    const result =
      change.disabled !== undefined || change.role !== undefined || change.teams !== undefined
        ? await changeUser({ identities: container.identity.store, audit: container.audit.log, now: container.clock.now() }, params.id, change, { actor: p.actor, personId: personOf(p) })
        : { user: (await container.identity.store.findUserById(params.id))!, changes: [], revokedTokens: [] };
    const changes = [...result.changes, ...(slack?.changed ? (["slack"] as const) : [])];
    return { status: 200, body: { user: userView(result.user, await container.notifications.slack.store.slackIdOf(result.user.id)), changes, revokedTokens: result.revokedTokens.map(tokenView) } };
  },
});
