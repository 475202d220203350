// Four-eyes: whoever asked for an operation does not also decide its review.
// "Whoever" is the actor name and the people behind it, because an API token
// is its creator's hands: a token cannot approve what its creator requested,
// nor its creator what the token requested (docs/security.md#offboarding-users-sessions-and-tokens).

/** One side of a review: the actor name recorded, and the user ids of the people behind it (server/core/identity/actor-people.ts). */
export interface ReviewParty {
  actor: string;
  people: readonly string[];
}

export type FourEyesRefusal = "same-actor" | "same-person";

/** Why `decider` may not decide what `requester` asked for; null when they may. */
export function fourEyesRefusal(requester: ReviewParty, decider: ReviewParty): FourEyesRefusal | null {
  if (sameActor(requester.actor, decider.actor)) return "same-actor";
  if (decider.people.some((person) => requester.people.includes(person))) return "same-person";
  return null;
}

/** Case and surrounding space do not make a different person. */
export function sameActor(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
