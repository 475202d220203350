// Sign-in throttling (docs/security.md#sign-in-abuse): the rule, as a pure
// function of the counters a store keeps and `now`. Attempts are counted per
// account (the email typed) and per client address; a success clears the
// account's count, so the account's count is its run of failures. Past the
// limit in a window the key is blocked for a while, and every block after
// that one, while the key is remembered, is twice as long (up to a cap): each
// blocked period ends with one attempt allowed, and a failure then earns the
// next, longer block.

export type ThrottleSubject = "account" | "address";

export interface SignInThrottlePolicy {
  /** Attempts allowed per account in a window while it is not blocked. */
  accountLimit: number;
  /** Attempts allowed per client address in a window (larger: one address can be many people). */
  addressLimit: number;
  /** The counting window, from a key's first attempt. */
  windowMs: number;
  /** The first block; each later one doubles it. */
  baseBlockMs: number;
  maxBlockMs: number;
  /** How long after a block ends its strikes are remembered (a later failure then blocks again, longer). */
  memoryMs: number;
}

export const DEFAULT_SIGN_IN_THROTTLE_POLICY: SignInThrottlePolicy = {
  accountLimit: 30,
  addressLimit: 300,
  windowMs: 60_000,
  baseBlockMs: 60_000,
  maxBlockMs: 15 * 60_000,
  memoryMs: 15 * 60_000,
};

/** What a store holds for one key, as read atomically with this attempt counted (unless the key was blocked). */
export interface ThrottleCounter {
  /** Attempts counted in the current window, this one included. */
  attempts: number;
  /** Blocks so far while the key has been remembered. */
  strikes: number;
  /** Epoch ms; null or in the past when not blocked. */
  blockedUntilMs: number | null;
}

/** A block the caller must write (atomically, only if the key is not blocked already). */
export interface ThrottleBlock {
  subject: ThrottleSubject;
  untilMs: number;
  /** The attempts count to leave behind: one short of the limit, so one attempt is allowed after the block. */
  attemptsAfter: number;
  /** Keep the key (its strikes) until then. */
  keepUntilMs: number;
  /** Which block this is: 1 for the first. */
  strike: number;
}

export type SignInThrottleDecision =
  | { allowed: true; blocks: [] }
  | { allowed: false; throttled: ThrottleSubject; retryAfterSeconds: number; blocks: ThrottleBlock[] };

export function limitOf(policy: SignInThrottlePolicy, subject: ThrottleSubject): number {
  return subject === "account" ? policy.accountLimit : policy.addressLimit;
}

/** How long the block after `strikes` earlier blocks lasts: base × 2^strikes, at most the cap. */
export function blockDurationMs(policy: SignInThrottlePolicy, strikes: number): number {
  return Math.min(policy.maxBlockMs, policy.baseBlockMs * 2 ** Math.min(strikes, 30));
}

/**
 * Whether this attempt may go on to the password check. `counters.account` is
 * null when no account is named (an empty email). When refused, `throttled`
 * names the subject with the longest wait, and `blocks` lists every key that
 * crossed its limit with this attempt.
 */
export function decideSignInAttempt(counters: { account: ThrottleCounter | null; address: ThrottleCounter }, nowMs: number, policy: SignInThrottlePolicy): SignInThrottleDecision {
  let refused: { subject: ThrottleSubject; waitMs: number } | null = null;
  const blocks: ThrottleBlock[] = [];
  for (const subject of ["account", "address"] as const) {
    const counter = counters[subject];
    if (!counter) continue;
    let waitMs = 0;
    if (counter.blockedUntilMs !== null && counter.blockedUntilMs > nowMs) {
      waitMs = counter.blockedUntilMs - nowMs;
    } else if (counter.attempts > limitOf(policy, subject)) {
      waitMs = blockDurationMs(policy, counter.strikes);
      const untilMs = nowMs + waitMs;
      blocks.push({ subject, untilMs, attemptsAfter: limitOf(policy, subject) - 1, keepUntilMs: untilMs + policy.memoryMs, strike: counter.strikes + 1 });
    }
    if (waitMs > 0 && (!refused || waitMs > refused.waitMs)) refused = { subject, waitMs };
  }
  if (!refused) return { allowed: true, blocks: [] };
  return { allowed: false, throttled: refused.subject, retryAfterSeconds: Math.max(1, Math.ceil(refused.waitMs / 1000)), blocks };
}

/** The store's key for an account: the email as typed, trimmed and lower-cased (as users are stored); null when empty. */
export function accountThrottleKey(email: string): string | null {
  const normalized = email.trim().toLowerCase().slice(0, 320);
  return normalized ? `account:${normalized}` : null;
}

export function addressThrottleKey(address: string): string {
  return `address:${address}`;
}

/** Where sign-in throttling keeps its counters: Redis when REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES is set, else a table of the store. */
export interface SignInThrottleStore {
  readonly backend: "redis" | "postgres";
  /**
   * Atomically: a key past its expiry starts over (no attempts, no strikes,
   * kept one window); then, unless the key is blocked at `nowMs`, counts one
   * attempt. Returns the counter after that.
   */
  hit(key: string, nowMs: number, windowMs: number): Promise<ThrottleCounter>;
  /**
   * Atomically, unless the key is blocked at `nowMs` already: blocks it until
   * `untilMs`, adds a strike, sets its attempts to `attemptsAfter` and keeps
   * it until `keepUntilMs`. True when this call set the block (so exactly one
   * replica reports it).
   */
  block(key: string, nowMs: number, block: { untilMs: number; attemptsAfter: number; keepUntilMs: number }): Promise<boolean>;
  /** Forgets the key (a successful sign-in clears its account). */
  clear(key: string): Promise<void>;
  /** Removes keys past their expiry (the table's housekeeping; Redis expires its own). */
  purgeExpired(nowMs: number): Promise<number>;
  close(): Promise<void>;
}
