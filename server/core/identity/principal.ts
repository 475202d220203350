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

/** Tokens act under their own name, so an automation's actions are never mistaken for its creator's. */
export function tokenActor(name: string): string {
  return `token:${name}`;
}

export function actorKindOf(principal: Principal): "HUMAN" | "AUTOMATION" {
  return principal.kind === "user" ? "HUMAN" : "AUTOMATION";
}
