import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZLinkOidcIdentityRequest, ZOidcIdentity, ZOidcIdentityList, ZUserIdentityParams } from "@/lib/api/oidc-identities";
import { AppError } from "../../core/errors";
import { linkOidcIdentity } from "../../core/identity/link-oidc-identity";
import type { OidcIdentityRecord } from "../../core/identity/oidc-ports";
import { unlinkOidcIdentity } from "../../core/identity/unlink-oidc-identity";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";

// An admin links identity-provider accounts to users and removes links
// (docs/security.md#identity-oidc): the only way an OIDC sign-in reaches an account it
// did not create.

const identityView = (i: OidcIdentityRecord) => ({ id: i.id, userId: i.userId, issuer: i.issuer, subject: i.subject, linkedAt: i.linkedAt.toISOString(), linkedBy: i.linkedBy });

export const listOidcIdentitiesEndpoint = endpoint({
  operationId: "listOidcIdentities",
  method: "GET",
  path: "/api/v1/users/{id}/identities",
  summary: "List a user's linked OIDC identities",
  tags: ["identity"],
  access: "ADMIN",
  params: ZIdParams,
  responses: { 200: { description: "The user's linked identities, oldest first", schema: ZOidcIdentityList }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, params }) {
    if (!(await container.identity.store.findUserById(params.id))) throw new AppError("NOT_FOUND", `No user ${params.id}`, { userId: params.id });
    return { status: 200, body: { identities: (await container.identity.oidcIdentities.listIdentities(params.id)).map(identityView) } };
  },
});

export const linkOidcIdentityEndpoint = endpoint({
  operationId: "linkOidcIdentity",
  method: "POST",
  path: "/api/v1/users/{id}/identities",
  summary: "Link an OIDC identity to a user",
  description:
    "From then on, a sign-in whose ID token carries this issuer and subject signs in as this user, whatever email it reports. " +
    "The subject of a refused sign-in is in its audit event (action session.sign_in_refused, reason link_required).",
  tags: ["identity"],
  access: "ADMIN",
  params: ZIdParams,
  body: ZLinkOidcIdentityRequest,
  responses: { 201: { description: "The new link", schema: ZOidcIdentity }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    const identity = await linkOidcIdentity(
      { oidcIdentities: container.identity.oidcIdentities, audit: container.audit.log, configuredIssuer: container.identity.oidcIssuer, now: container.clock.now() },
      params.id,
      body,
      principal!.actor,
    );
    return { status: 201, body: identityView(identity) };
  },
});

export const unlinkOidcIdentityEndpoint = endpoint({
  operationId: "unlinkOidcIdentity",
  method: "DELETE",
  path: "/api/v1/users/{id}/identities/{identityId}",
  summary: "Remove an OIDC identity link",
  description: "That provider account no longer signs in as this user.",
  tags: ["identity"],
  access: "ADMIN",
  params: ZUserIdentityParams,
  responses: { 200: { description: "The removed link", schema: ZOidcIdentity }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, principal, params }) {
    const removed = await unlinkOidcIdentity({ oidcIdentities: container.identity.oidcIdentities, audit: container.audit.log }, params.id, params.identityId, principal!.actor);
    return { status: 200, body: identityView(removed) };
  },
});
