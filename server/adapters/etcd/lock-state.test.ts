// The etcd lock store's grant rules as pure functions (lock-state.ts): the
// rules of docs/locks.md, decided on a state and a `now`, with no etcd.
import { describe, expect, it } from "vitest";
import {
  EMPTY_LOCK_STATE,
  acquireStep,
  cancelWaitStep,
  compareTokens,
  decodeLockState,
  encodeLockState,
  extendStep,
  forceReleaseStep,
  releaseStep,
  wakeList,
  withTokens,
  type AcquireInput,
  type LockState,
  type Step,
} from "./lock-state";

const T = 1_000_000;
const ask = (holderId: string, overrides: Partial<AcquireInput> = {}): AcquireInput => ({
  holderId,
  mode: "E",
  ttlMs: 10_000,
  priority: 2,
  instanceId: "inst-a",
  wait: true,
  queueTtlMs: 5_000,
  contended: false,
  waitedMs: 0,
  ...overrides,
});

/** Applies a step's write as etcd would at `revision` (the granted lease gets it as token). */
let revision = 100;
function commit<R>(state: LockState, step: Step<R>): LockState {
  revision += 1;
  return step.write ? decodeLockState(encodeLockState(step.write), String(revision)) : state;
}
function acquire(state: LockState, input: AcquireInput, now = T) {
  const step = acquireStep(state, input, now);
  return { step, state: commit(state, step), token: step.result.granted ? (step.result.token ?? String(revision)) : null };
}

describe("etcd lock state: grant rules", () => {
  it("grants an uncontended EXCLUSIVE lock with this write's revision as its token, and counts it", () => {
    const { step, state, token } = acquire(EMPTY_LOCK_STATE, ask("op-1", { contended: true, waitedMs: 40.4 }));
    expect(step.result).toEqual({ granted: true, token: null, mode: "E", acq: T, exp: T + 10_000, reentrant: false });
    expect(state.holders).toEqual([{ id: "op-1", mode: "E", token, acq: T, exp: T + 10_000 }]);
    expect(state.counters).toMatchObject({ acquisitions: 1, contentions: 1, totalWaitMs: 40, maxWaitMs: 40 });
    expect(step.wakes).toEqual([]);
  });

  it("re-acquiring returns the same lease (its token kept), extending it only to a later expiry", () => {
    const first = acquire(EMPTY_LOCK_STATE, ask("op-1"));
    const again = acquireStep(first.state, ask("op-1", { ttlMs: 20_000 }), T + 1);
    expect(again.result).toMatchObject({ granted: true, token: first.token, reentrant: true, exp: T + 20_001 });
    const shorter = acquireStep(first.state, ask("op-1", { ttlMs: 1 }), T + 1);
    expect(shorter.write).toBeNull();
    expect(shorter.result).toMatchObject({ granted: true, exp: T + 10_000 });
  });

  it("refuses and queues by priority then arrival; the refusal names blockers, waiters ahead and the next expiry", () => {
    let s = acquire(EMPTY_LOCK_STATE, ask("holder")).state;
    s = acquire(s, ask("n1", { priority: 2 })).state;
    s = acquire(s, ask("n2", { priority: 2 })).state;
    const urgent = acquireStep(s, ask("crit", { priority: 0 }), T + 10);
    expect(urgent.result).toMatchObject({ granted: false, ahead: [], nextExpiryInMs: 9_990 });
    s = commit(s, urgent);
    expect(s.waiters.map((w) => w.id)).toEqual(["crit", "n1", "n2"]);
    const late = acquireStep(s, ask("n3", { wait: false }), T + 10);
    expect(late.write).toBeNull();
    expect(late.result.granted === false && late.result.ahead.map((w) => w.id)).toEqual(["crit", "n1", "n2"]);
    expect(late.result.granted === false && late.result.blockers.map((h) => h.id)).toEqual(["holder"]);
  });

  it("asking again keeps the queue place and moves its deadline", () => {
    let s = acquire(EMPTY_LOCK_STATE, ask("holder")).state;
    s = acquire(s, ask("w1")).state;
    s = acquire(s, ask("w2")).state;
    s = acquire(s, ask("w1"), T + 1_000).state;
    expect(s.waiters.map((w) => [w.id, w.dl])).toEqual([
      ["w1", T + 6_000],
      ["w2", T + 5_000],
    ]);
  });

  it("SHARED holders share; SHARED behind a waiting EXCLUSIVE waits; EXCLUSIVE waits for every holder", () => {
    let s = acquire(EMPTY_LOCK_STATE, ask("r1", { mode: "S" })).state;
    const r2 = acquire(s, ask("r2", { mode: "S" }));
    expect(r2.step.result.granted).toBe(true);
    s = r2.state;
    const writer = acquire(s, ask("writer"));
    expect(writer.step.result).toMatchObject({ granted: false, blockers: [{ id: "r1" }, { id: "r2" }] });
    s = writer.state;
    const r3 = acquireStep(s, ask("r3", { mode: "S" }), T);
    expect(r3.result).toMatchObject({ granted: false, blockers: [], ahead: [{ id: "writer" }], nextExpiryInMs: null });
  });

  it("a release wakes, per instance, the SHARED run at the head of the queue", () => {
    let s = acquire(EMPTY_LOCK_STATE, ask("holder")).state;
    const holderToken = s.holders[0]!.token!;
    s = acquire(s, ask("s1", { mode: "S", instanceId: "a" })).state;
    s = acquire(s, ask("s2", { mode: "S", instanceId: "b" })).state;
    s = acquire(s, ask("s3", { mode: "S", instanceId: "a" })).state;
    s = acquire(s, ask("e4", { instanceId: "b" })).state;
    s = acquire(s, ask("s5", { mode: "S", instanceId: "b" })).state;
    const step = releaseStep(s, "holder", holderToken, T + 50);
    expect(step.result).toBe(true);
    expect(step.wakes).toEqual([
      { instanceId: "a", holderIds: ["s1", "s3"] },
      { instanceId: "b", holderIds: ["s2"] },
    ]);
    expect(step.write!.counters).toMatchObject({ releases: 1, totalHoldMs: 50, maxHoldMs: 50 });
  });

  it("an EXCLUSIVE waiter at the head is woken alone, and only once nobody holds the lock", () => {
    expect(wakeList([{ id: "r", mode: "S", token: "1", acq: T, exp: T + 1 }], [{ id: "w", mode: "E", pri: 2, enq: T, dl: T + 1, seq: 1, inst: "a" }], null)).toEqual([]);
    expect(
      wakeList(
        [],
        [
          { id: "w", mode: "E", pri: 2, enq: T, dl: T + 1, seq: 1, inst: "a" },
          { id: "r", mode: "S", pri: 2, enq: T, dl: T + 1, seq: 2, inst: "a" },
        ],
        null,
      ),
    ).toEqual([{ instanceId: "a", holderIds: ["w"] }]);
  });

  it("releases only with the holder's token, never twice", () => {
    const s = acquire(EMPTY_LOCK_STATE, ask("op-1")).state;
    const token = s.holders[0]!.token!;
    expect(releaseStep(s, "op-1", String(BigInt(token) - 1n), T).result).toBe(false);
    expect(releaseStep(s, "op-2", token, T).result).toBe(false);
    const after = commit(s, releaseStep(s, "op-1", token, T));
    const twice = releaseStep(after, "op-1", token, T);
    expect(twice).toEqual({ write: null, wakes: [], result: false });
  });

  it("expired leases and queue places do not exist; a step that finds them prunes them and wakes the queue", () => {
    let s = acquire(EMPTY_LOCK_STATE, ask("holder", { ttlMs: 60 })).state;
    s = acquire(s, ask("dead", { queueTtlMs: 100, instanceId: "gone" })).state;
    s = acquire(s, ask("next", { instanceId: "a" })).state;
    // A lease that merely runs out is not a blocker (nor extendable), but a no-op on a clean state writes nothing.
    expect(extendStep(s, "holder", s.holders[0]!.token!, 1_000, T + 60).result).toBeNull();
    const step = cancelWaitStep(s, "nobody", T + 200);
    expect(step.result).toBe(false);
    expect(step.write).toMatchObject({ holders: [], waiters: [{ id: "next" }] });
    expect(step.wakes).toEqual([{ instanceId: "a", holderIds: ["next"] }]);
    // Pruning is not a release.
    expect(step.write!.counters.releases).toBe(0);
  });

  it("leaving the queue wakes the waiter it was blocking", () => {
    let s = acquire(EMPTY_LOCK_STATE, ask("reader", { mode: "S" })).state;
    s = acquire(s, ask("writer", { instanceId: "b" })).state;
    s = acquire(s, ask("reader-2", { mode: "S", instanceId: "a" })).state;
    const step = cancelWaitStep(s, "writer", T);
    expect(step.result).toBe(true);
    expect(step.wakes).toEqual([{ instanceId: "a", holderIds: ["reader-2"] }]);
  });

  it("a waiter asking for SHARED instead of EXCLUSIVE may let those behind it in", () => {
    let s = acquire(EMPTY_LOCK_STATE, ask("reader", { mode: "S" })).state;
    s = acquire(s, ask("w", { instanceId: "a" })).state;
    s = acquire(s, ask("r2", { mode: "S", instanceId: "b" })).state;
    const step = acquireStep(s, ask("w", { mode: "S", instanceId: "a" }), T);
    // w itself is granted at once (compatible with the reader, nobody ahead).
    expect(step.result.granted).toBe(true);
  });

  it("force release removes the named live leases, counts them released and wakes the queue", () => {
    let s = acquire(EMPTY_LOCK_STATE, ask("r1", { mode: "S" })).state;
    s = acquire(s, ask("r2", { mode: "S" })).state;
    s = acquire(s, ask("writer", { instanceId: "a" })).state;
    expect(forceReleaseStep(s, "nobody", T)).toEqual({ write: null, wakes: [], result: [] });
    const one = forceReleaseStep(s, "r1", T + 5);
    expect(one.result.map((h) => h.id)).toEqual(["r1"]);
    expect(one.wakes).toEqual([]);
    s = commit(s, one);
    const rest = forceReleaseStep(s, null, T + 5);
    expect(rest.result.map((h) => h.id)).toEqual(["r2"]);
    expect(rest.wakes).toEqual([{ instanceId: "a", holderIds: ["writer"] }]);
    expect(rest.write!.counters).toMatchObject({ acquisitions: 2, releases: 2 });
  });

  it("extend renews a live lease to now + ttl, whatever its current expiry", () => {
    const s = acquire(EMPTY_LOCK_STATE, ask("op", { ttlMs: 10_000 })).state;
    const token = s.holders[0]!.token!;
    expect(extendStep(s, "op", token, 500, T + 100).result).toBe(T + 600);
    expect(extendStep(s, "op", "1", 500, T + 100).result).toBeNull();
  });
});

describe("etcd lock state: stored form and tokens", () => {
  it("round-trips, giving the lease granted by the write its revision", () => {
    const step = acquireStep(EMPTY_LOCK_STATE, ask("op"), T);
    const stored = encodeLockState(step.write!);
    expect(decodeLockState(stored, "4242").holders[0]!.token).toBe("4242");
    expect(withTokens(step.write!, "4242").holders[0]!.token).toBe("4242");
    // The next write stores it as a number, so a later revision does not change it.
    const again = decodeLockState(encodeLockState(decodeLockState(stored, "4242")), "9999");
    expect(again.holders[0]!.token).toBe("4242");
  });

  it("reads a value it did not write as an empty lock", () => {
    expect(decodeLockState("not json", "1")).toEqual(EMPTY_LOCK_STATE);
    expect(decodeLockState("[2]", "1")).toEqual(EMPTY_LOCK_STATE);
  });

  it("orders tokens numerically, at any length", () => {
    expect(compareTokens("9", "10")).toBeLessThan(0);
    expect(compareTokens("123", "122")).toBeGreaterThan(0);
    expect(compareTokens("77", "77")).toBe(0);
  });
});
