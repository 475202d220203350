import type { StoreTransaction } from "../audit/ports";
import type { Role } from "../identity/roles";

/** The Interlock user a Slack member id is linked to, as the interactivity endpoint needs them. */
export interface SlackLinkedUser {
  id: string;
  email: string;
  role: Role;
  disabledAt: Date | null;
}

/** Links between Slack members and Interlock users, and the replay guard of Slack's requests (docs/slack.md). */
export interface SlackStore {
  userForSlackId(slackUserId: string): Promise<SlackLinkedUser | null>;
  slackIdOf(userId: string): Promise<string | null>;
  /** Slack ids by user id, for user lists (users without one are absent). */
  slackIds(): Promise<Map<string, string>>;
  /** Inside a change of users (serialised): who holds this Slack id now. */
  userIdWithSlackIdIn(tx: StoreTransaction, slackUserId: string): Promise<string | null>;
  /** Inside a change of users: the user's Slack id now. */
  slackIdOfIn(tx: StoreTransaction, userId: string): Promise<string | null>;
  setSlackUserId(tx: StoreTransaction, userId: string, slackUserId: string | null): Promise<void>;
  /**
   * Remembers an accepted request's signature hash; false when it was already
   * remembered (a replay), in this process or any other. Forgets entries
   * received before `forgetBefore`, which their timestamps no longer let through.
   */
  claimRequest(signatureHash: string, receivedAt: Date, forgetBefore: Date): Promise<boolean>;
}
