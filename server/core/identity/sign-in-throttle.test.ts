// The sign-in throttle's rule (docs/security.md#sign-in-abuse) and the choice of
// client address, as pure functions of their inputs and `now`.
import { describe, expect, it } from "vitest";
import { DIRECT_CLIENT, signInClientAddress } from "./sign-in-client-address";
import { accountThrottleKey, blockDurationMs, decideSignInAttempt, DEFAULT_SIGN_IN_THROTTLE_POLICY as policy, type ThrottleCounter } from "./sign-in-throttle";

const NOW = Date.parse("2026-12-07T12:00:00Z");
const counter = (attempts: number, strikes = 0, blockedUntilMs: number | null = null): ThrottleCounter => ({ attempts, strikes, blockedUntilMs });

describe("decideSignInAttempt", () => {
  it("allows 30 attempts for an account in a window and blocks the 31st for a minute", () => {
    expect(decideSignInAttempt({ account: counter(30), address: counter(30) }, NOW, policy)).toEqual({ allowed: true, blocks: [] });
    const refused = decideSignInAttempt({ account: counter(31), address: counter(31) }, NOW, policy);
    expect(refused).toEqual({
      allowed: false,
      throttled: "account",
      retryAfterSeconds: 60,
      blocks: [{ subject: "account", untilMs: NOW + 60_000, attemptsAfter: 29, keepUntilMs: NOW + 60_000 + policy.memoryMs, strike: 1 }],
    });
  });

  it("refuses while a key is blocked, with the time left and no new block", () => {
    expect(decideSignInAttempt({ account: counter(29, 1, NOW + 12_300), address: counter(40) }, NOW, policy)).toEqual({ allowed: false, throttled: "account", retryAfterSeconds: 13, blocks: [] });
  });

  it("doubles the block for each failure after one, up to the cap", () => {
    expect([0, 1, 2, 3, 4, 10].map((strikes) => blockDurationMs(policy, strikes))).toEqual([60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
    // After a block the count is left one short of the limit: one attempt goes through, the next failure blocks again, twice as long.
    expect(decideSignInAttempt({ account: counter(30, 1, NOW - 1), address: counter(1) }, NOW, policy).allowed).toBe(true);
    const again = decideSignInAttempt({ account: counter(31, 1, NOW - 1), address: counter(2) }, NOW, policy);
    expect(again).toMatchObject({ allowed: false, throttled: "account", retryAfterSeconds: 120, blocks: [{ subject: "account", strike: 2 }] });
  });

  it("throttles a client address at its own, larger limit, whatever the accounts", () => {
    expect(decideSignInAttempt({ account: counter(1), address: counter(300) }, NOW, policy).allowed).toBe(true);
    expect(decideSignInAttempt({ account: counter(1), address: counter(301) }, NOW, policy)).toMatchObject({ allowed: false, throttled: "address", retryAfterSeconds: 60, blocks: [{ subject: "address" }] });
    // No account named (an empty email): only the address counts.
    expect(decideSignInAttempt({ account: null, address: counter(5) }, NOW, policy).allowed).toBe(true);
  });

  it("names the subject with the longer wait and writes every block that is due", () => {
    const both = decideSignInAttempt({ account: counter(31), address: counter(301, 2) }, NOW, policy);
    expect(both).toMatchObject({ allowed: false, throttled: "address", retryAfterSeconds: 240 });
    expect(both.blocks.map((b) => b.subject)).toEqual(["account", "address"]);
  });

  it("keys an account by its email as users are stored, and names no account for an empty email", () => {
    expect(accountThrottleKey("  SRE@Example.com ")).toBe("account:sre@example.com");
    expect(accountThrottleKey("   ")).toBeNull();
  });
});

describe("signInClientAddress", () => {
  it("ignores X-Forwarded-For unless proxies are trusted: every client shares one key", () => {
    expect(signInClientAddress("203.0.113.9", 0)).toBe(DIRECT_CLIENT);
    expect(signInClientAddress(null, 1)).toBe(DIRECT_CLIENT);
  });

  it("takes the address the outermost trusted proxy saw, not what the client wrote further left", () => {
    expect(signInClientAddress("203.0.113.9", 1)).toBe("203.0.113.9");
    expect(signInClientAddress("6.6.6.6, 203.0.113.9", 1)).toBe("203.0.113.9");
    expect(signInClientAddress("6.6.6.6, 203.0.113.9, 10.0.0.2", 2)).toBe("203.0.113.9");
    expect(signInClientAddress("2001:DB8::1", 1)).toBe("2001:db8::1");
  });

  it("refuses what is not an address", () => {
    expect(signInClientAddress("<script>", 1)).toBe(DIRECT_CLIENT);
    expect(signInClientAddress(" , ", 1)).toBe(DIRECT_CLIENT);
  });
});
