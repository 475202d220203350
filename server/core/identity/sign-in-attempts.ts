import type { AuditEventInput } from "../audit/types";
import type { Clock } from "../clock";
import {
  accountThrottleKey,
  addressThrottleKey,
  decideSignInAttempt,
  type SignInThrottleDecision,
  type SignInThrottlePolicy,
  type SignInThrottleStore,
  type ThrottleBlock,
} from "./sign-in-throttle";

// Sign-in attempts under throttling (docs/security.md#sign-in-abuse): each
// attempt is admitted or refused before any password is hashed, so a flood
// costs a store round trip per attempt and no bcrypt; a success clears the
// account's count. Blocks are audited once each (ACCESS, WARNING), by the
// replica whose write set the block, never once per refused attempt.

export interface SignInAttemptsDeps {
  store: SignInThrottleStore;
  policy: SignInThrottlePolicy;
  audit: { append(input: AuditEventInput): Promise<unknown> };
  clock: Clock;
  /** Failures that must not fail the sign-in itself (clearing after a success, housekeeping). */
  onBackgroundError: (error: unknown, context: string) => void;
}

/** How often one process removes expired rows from the table store (Redis expires its own keys). */
const PURGE_EVERY_MS = 60_000;

export class SignInAttempts {
  private nextPurgeMs = 0;

  constructor(private readonly deps: SignInAttemptsDeps) {}

  get policy(): SignInThrottlePolicy {
    return this.deps.policy;
  }

  /** Counts an attempt for the email and client address and says whether it may go on to the password check. */
  async admit(attempt: { email: string; address: string }): Promise<SignInThrottleDecision> {
    const { store, policy } = this.deps;
    const nowMs = this.deps.clock.now().getTime();
    this.purgeIfDue(nowMs);
    const accountKey = accountThrottleKey(attempt.email);
    const addressKey = addressThrottleKey(attempt.address);
    const [account, address] = await Promise.all([accountKey ? store.hit(accountKey, nowMs, policy.windowMs) : null, store.hit(addressKey, nowMs, policy.windowMs)]);
    const decision = decideSignInAttempt({ account, address }, nowMs, policy);
    for (const block of decision.blocks) {
      const key = block.subject === "account" ? accountKey! : addressKey;
      if (await store.block(key, nowMs, block)) await this.auditBlock(block, attempt, nowMs);
    }
    return decision;
  }

  /** A correct password: the account's failures are forgotten (the address's count stays). */
  async recordSuccess(email: string): Promise<void> {
    const key = accountThrottleKey(email);
    if (!key) return;
    await this.deps.store.clear(key).catch((error: unknown) => this.deps.onBackgroundError(error, "clearing a sign-in throttle count"));
  }

  close(): Promise<void> {
    return this.deps.store.close();
  }

  private auditBlock(block: ThrottleBlock, attempt: { email: string; address: string }, nowMs: number): Promise<unknown> {
    const who: Record<string, string> = block.subject === "account" ? { email: accountThrottleKey(attempt.email)!.slice("account:".length) } : { address: attempt.address };
    return this.deps.audit.append({
      category: "ACCESS",
      severity: "WARNING",
      actor: "system",
      action: "session.sign_in_throttled",
      payload: {
        throttled: block.subject,
        ...who,
        strike: block.strike,
        retryAfterSeconds: Math.ceil((block.untilMs - nowMs) / 1000),
        blockedUntil: new Date(block.untilMs).toISOString(),
        limit: block.subject === "account" ? this.deps.policy.accountLimit : this.deps.policy.addressLimit,
        windowSeconds: this.deps.policy.windowMs / 1000,
      },
    });
  }

  private purgeIfDue(nowMs: number): void {
    if (nowMs < this.nextPurgeMs) return;
    this.nextPurgeMs = nowMs + PURGE_EVERY_MS;
    this.deps.store.purgeExpired(nowMs).catch((error: unknown) => this.deps.onBackgroundError(error, "removing expired sign-in throttle counts"));
  }
}
