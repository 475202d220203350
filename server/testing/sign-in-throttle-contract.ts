// What every SignInThrottleStore must do (docs/security.md#sign-in-abuse), run
// against each backend with two store instances on separate connections standing
// in for two replicas: attempts counted once each under concurrency, exactly one
// replica setting a block, blocked attempts not counted, expiry by the caller's
// clock, and the throttle itself shared by the replicas.
import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import type { AuditEventInput } from "../core/audit/types";
import { ManualClock } from "../core/clock";
import { SignInAttempts } from "../core/identity/sign-in-attempts";
import { DEFAULT_SIGN_IN_THROTTLE_POLICY, type SignInThrottleStore } from "../core/identity/sign-in-throttle";

export interface ThrottleReplicas {
  a: SignInThrottleStore;
  b: SignInThrottleStore;
}

const WINDOW = 60_000;

export function describeSignInThrottleStore(name: string, replicas: () => ThrottleReplicas): void {
  const key = () => `account:${crypto.randomUUID()}@example.com`;
  // Now, not a fixed date: Redis removes a key at its PEXPIREAT on its own clock too.
  const now = Date.now();

  describe(`${name} sign-in throttle store`, () => {
    it("counts concurrent attempts from two replicas once each", async () => {
      const { a, b } = replicas();
      const k = key();
      const counters = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).hit(k, now, WINDOW)));
      expect(counters.map((c) => c.attempts).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(counters.every((c) => c.strikes === 0 && !c.blockedUntilMs)).toBe(true);
    });

    it("lets exactly one replica set a block; blocked attempts are not counted; the count resumes where the block left it", async () => {
      const { a, b } = replicas();
      const k = key();
      for (let i = 0; i < 31; i++) await a.hit(k, now, WINDOW);
      const block = { untilMs: now + 60_000, attemptsAfter: 29, keepUntilMs: now + 60_000 + 900_000 };
      const set = await Promise.all([a.block(k, now, block), b.block(k, now, block), a.block(k, now + 1, block)]);
      expect(set.filter(Boolean)).toHaveLength(1);
      expect(await b.hit(k, now + 10_000, WINDOW)).toEqual({ attempts: 29, strikes: 1, blockedUntilMs: now + 60_000 });
      expect(await a.hit(k, now + 20_000, WINDOW)).toEqual({ attempts: 29, strikes: 1, blockedUntilMs: now + 60_000 });
      // Past the block (and past the first window): kept, counted again.
      expect(await b.hit(k, now + 120_000, WINDOW)).toEqual({ attempts: 30, strikes: 1, blockedUntilMs: now + 60_000 });
      expect(await a.block(k, now + 120_001, { untilMs: now + 240_000, attemptsAfter: 29, keepUntilMs: now + 1_200_000 })).toBe(true);
      expect(await b.hit(k, now + 130_000, WINDOW)).toMatchObject({ strikes: 2, blockedUntilMs: now + 240_000 });
    });

    it("starts a key over once its window has passed by the caller's clock, and forgets it when cleared", async () => {
      const { a, b } = replicas();
      const k = key();
      await a.hit(k, now, WINDOW);
      expect((await b.hit(k, now + 1_000, WINDOW)).attempts).toBe(2);
      expect(await a.hit(k, now + WINDOW, WINDOW)).toEqual({ attempts: 1, strikes: 0, blockedUntilMs: null });
      await b.hit(k, now + WINDOW + 1, WINDOW);
      await a.clear(k);
      expect((await b.hit(k, now + WINDOW + 2, WINDOW)).attempts).toBe(1);
    });

    it("throttles an account across replicas: the 31st failure in a minute is refused, audited once, and a success clears it", async () => {
      const { a, b } = replicas();
      const events: AuditEventInput[] = [];
      const audit = { append: async (input: AuditEventInput) => void events.push(input) };
      const clock = new ManualClock(new Date());
      const deps = { policy: DEFAULT_SIGN_IN_THROTTLE_POLICY, audit, clock, onBackgroundError: (error: unknown) => { throw error; } };
      const replicaA = new SignInAttempts({ ...deps, store: a });
      const replicaB = new SignInAttempts({ ...deps, store: b });
      const email = `${crypto.randomUUID()}@example.com`;
      const address = `198.51.100.${Math.floor(Math.random() * 250)}`;
      const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? replicaA : replicaB).admit({ email, address })));
      expect(decisions.every((d) => d.allowed)).toBe(true);
      expect(await replicaB.admit({ email: email.toUpperCase(), address })).toMatchObject({ allowed: false, throttled: "account", retryAfterSeconds: 60 });
      expect(await replicaA.admit({ email, address })).toMatchObject({ allowed: false, throttled: "account", retryAfterSeconds: 60 });
      expect(events).toEqual([expect.objectContaining({ category: "ACCESS", severity: "WARNING", action: "session.sign_in_throttled", payload: expect.objectContaining({ throttled: "account", email, strike: 1 }) })]);

      // After the minute, one attempt goes through; a success then clears the account.
      clock.advance(60_000);
      expect((await replicaA.admit({ email, address })).allowed).toBe(true);
      await replicaB.recordSuccess(email);
      const afterSuccess = await Promise.all(Array.from({ length: 30 }, () => replicaA.admit({ email, address })));
      expect(afterSuccess.every((d) => d.allowed)).toBe(true);
    });
  });
}
