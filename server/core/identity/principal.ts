import type { Role } from "./roles";

/**
 * Who is calling: a signed-in person or an automation's API token. `actor` is
 * the name recorded on operations, reviews and audit events, so the same person
 * is the same actor whichever way they came in (the self-approval check
 * compares it).
 */
export type Principal =
  | { kind: "user"; userId: string; email: string; name: string; role: Role; actor: string }
  | { kind: "token"; tokenId: string; name: string; role: Role; actor: string; createdById: string | null };

export function userActor(email: string): string {
  return email.trim().toLowerCase();
}

const TOKEN_ACTOR_PREFIX = "token:";

/** Tokens act under their own name, so an automation's actions are never mistaken for its creator's. */
export function tokenActor(name: string): string {
  return `${TOKEN_ACTOR_PREFIX}${name}`;
}

/** The token name in a token's actor (token:<name>); null for any other actor. */
export function tokenNameOfActor(actor: string): string | null {
  return actor.startsWith(TOKEN_ACTOR_PREFIX) ? actor.slice(TOKEN_ACTOR_PREFIX.length) : null;
}

export function actorKindOf(principal: Principal): "HUMAN" | "AUTOMATION" {
  return principal.kind === "user" ? "HUMAN" : "AUTOMATION";
}

/**
 * The person behind a principal (a user id): the signed-in user, or the user
 * who created the token. Null for a token nobody in the store created (the
 * `token:create` command). Four-eyes and "not yourself" rules compare this,
 * because a token is its creator's hands.
 */
export function personOf(principal: Principal): string | null {
  return principal.kind === "user" ? principal.userId : principal.createdById;
}
