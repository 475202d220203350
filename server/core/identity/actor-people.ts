import type { IdentityStore } from "./ports";
import { tokenNameOfActor, userActor } from "./principal";

/**
 * The people (user ids) behind an actor name as operations and reviews record
 * it: a user's email is that user; `token:<name>` is whoever created a token
 * of that name. A name can be used again once its token is revoked, so it may
 * stand for more than one creator, and all of them count: the audit trail
 * cannot tell those tokens apart either, and a rule that fails closed is the
 * right side to err on for four-eyes. Any other actor (a remediation rule,
 * the system, a token from the `token:create` command) stands for nobody.
 */
export interface ActorPeople {
  peopleOf(actor: string): Promise<string[]>;
}

export function actorPeople(identities: Pick<IdentityStore, "findUserByEmail" | "tokenCreatorsNamed">): ActorPeople {
  return {
    async peopleOf(actor) {
      const tokenName = tokenNameOfActor(actor);
      if (tokenName !== null) return identities.tokenCreatorsNamed(tokenName);
      const user = await identities.findUserByEmail(userActor(actor));
      return user ? [user.id] : [];
    },
  };
}
