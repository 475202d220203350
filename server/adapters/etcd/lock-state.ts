import "server-only";
// The grant rules of the etcd lock store (docs/locks-etcd.md), as pure
// functions of (a lock's state, a request, now). etcd has no server-side
// script language: the store reads a lock's one key, runs one of these steps,
// and writes the result back in a Txn that only commits if the key has not
// changed since it was read (lock-store.ts). The rules are the ones the Redis
// scripts (../redis/lua/acquire.lua and friends) and the Postgres functions
// implement, stated in server/core/locks/ports.ts and docs/locks.md:
//
// - expired leases and queue places do not exist (never reported, extended,
//   released or blocking); a step that finds some prunes them in its write
//   and wakes whoever that lets in;
// - waiters queue per lock by (priority, arrival); a request is granted only
//   when compatible with every live holder and every live waiter ahead of it;
// - whatever removes a holder or a waiter wakes the waiters the rule now admits;
// - statistics count as the other backends count them.
//
// Nothing here reads a clock or does I/O: `now` (ms since the epoch) is passed in.

export type ModeCode = "E" | "S";

/**
 * A lease. `token` is the decimal etcd revision of the Txn that granted it,
 * or null for "granted by the write that stored this value": that write's
 * revision is only known once it has committed, and it is then the value's
 * mod_revision, so a reader takes the token from there (decodeLockState) and
 * the next writer stores it as a number.
 */
export interface HolderEntry {
  id: string;
  mode: ModeCode;
  token: string | null;
  /** ms since the epoch, on the clock of the process that granted it. */
  acq: number;
  exp: number;
}

export interface WaiterEntry {
  id: string;
  mode: ModeCode;
  /** 0 is the most urgent class. */
  pri: number;
  enq: number;
  /** When the queue place ends unless the waiter asks again. */
  dl: number;
  /** Arrival order within the lock (state.seq when it joined). */
  seq: number;
  /** The lock manager instance to wake. */
  inst: string;
}

export interface LockCounters {
  acquisitions: number;
  contentions: number;
  totalWaitMs: number;
  maxWaitMs: number;
  releases: number;
  totalHoldMs: number;
  maxHoldMs: number;
}

/** One lock's whole state: the value of its etcd key. */
export interface LockState {
  holders: HolderEntry[];
  /** In queue order: (pri, seq). */
  waiters: WaiterEntry[];
  /** The last arrival number given out. */
  seq: number;
  counters: LockCounters;
}

export const EMPTY_LOCK_STATE: LockState = Object.freeze({
  holders: [],
  waiters: [],
  seq: 0,
  counters: Object.freeze({ acquisitions: 0, contentions: 0, totalWaitMs: 0, maxWaitMs: 0, releases: 0, totalHoldMs: 0, maxHoldMs: 0 }),
}) as LockState;

// ---------------------------------------------------------------------------
// The stored form: compact JSON arrays, version first.
//   [1, holders, waiters, seq, counters]
//   holder:  [id, "E"|"S", token (string) | null, acq, exp]
//   waiter:  [id, "E"|"S", pri, enq, dl, seq, inst]
//   counters: [acquisitions, contentions, totalWaitMs, maxWaitMs, releases, totalHoldMs, maxHoldMs]

const FORMAT_VERSION = 1;
type StoredHolder = [string, ModeCode, string | null, number, number];
type StoredWaiter = [string, ModeCode, number, number, number, number, string];
type Stored = [number, StoredHolder[], StoredWaiter[], number, number[]];

export function encodeLockState(state: LockState): string {
  const c = state.counters;
  const stored: Stored = [
    FORMAT_VERSION,
    state.holders.map((h) => [h.id, h.mode, h.token, h.acq, h.exp]),
    state.waiters.map((w) => [w.id, w.mode, w.pri, w.enq, w.dl, w.seq, w.inst]),
    state.seq,
    [c.acquisitions, c.contentions, c.totalWaitMs, c.maxWaitMs, c.releases, c.totalHoldMs, c.maxHoldMs],
  ];
  return JSON.stringify(stored);
}

/**
 * Reads a stored value whose etcd mod_revision is `modRevision`: a holder
 * stored with a null token was granted by that very write, so its token is
 * `modRevision`. A value this code did not write reads as an empty lock.
 */
export function decodeLockState(text: string, modRevision: string): LockState {
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    return EMPTY_LOCK_STATE;
  }
  if (!Array.isArray(stored) || stored[0] !== FORMAT_VERSION) return EMPTY_LOCK_STATE;
  const [, holders, waiters, seq, counters] = stored as Stored;
  const n = (i: number) => (Array.isArray(counters) && typeof counters[i] === "number" ? counters[i]! : 0);
  return {
    holders: (Array.isArray(holders) ? holders : []).map(([id, mode, token, acq, exp]) => ({ id, mode, token: token ?? modRevision, acq, exp })),
    waiters: (Array.isArray(waiters) ? waiters : []).map(([id, mode, pri, enq, dl, s, inst]) => ({ id, mode, pri, enq, dl, seq: s, inst })),
    seq: typeof seq === "number" ? seq : 0,
    counters: { acquisitions: n(0), contentions: n(1), totalWaitMs: n(2), maxWaitMs: n(3), releases: n(4), totalHoldMs: n(5), maxHoldMs: n(6) },
  };
}

/** `state` once the write that stored it committed at `revision`: the lease it granted gets its token. */
export function withTokens(state: LockState, revision: string): LockState {
  if (state.holders.every((h) => h.token !== null)) return state;
  return { ...state, holders: state.holders.map((h) => (h.token === null ? { ...h, token: revision } : h)) };
}

// ---------------------------------------------------------------------------
// Steps. Each returns what to write (null: nothing changes, the value read
// stands), whom to wake, and its answer. A step never changes its input.

/** Wake-ups for one instance: these holders may now be granted the lock. */
export interface WakeNotice {
  instanceId: string;
  holderIds: string[];
}

export interface Step<R> {
  /** The new state to store, or null when nothing changes. */
  write: LockState | null;
  wakes: WakeNotice[];
  result: R;
}

export interface AcquireInput {
  holderId: string;
  mode: ModeCode;
  ttlMs: number;
  priority: number;
  instanceId: string;
  wait: boolean;
  queueTtlMs: number;
  contended: boolean;
  waitedMs: number;
}

export type AcquireOutcome =
  | { granted: true; token: string | null; mode: ModeCode; acq: number; exp: number; reentrant: boolean }
  | { granted: false; blockers: HolderEntry[]; ahead: WaiterEntry[]; nextExpiryInMs: number | null };

/** The live leases and live queue places at `now`, and whether any entry had expired (so a write prunes it). */
export function liveEntries(state: LockState, now: number): { holders: HolderEntry[]; waiters: WaiterEntry[]; pruned: boolean } {
  const holders = state.holders.filter((h) => h.exp > now);
  const waiters = state.waiters.filter((w) => w.dl > now);
  return { holders, waiters, pruned: holders.length !== state.holders.length || waiters.length !== state.waiters.length };
}

/**
 * The queued waiters the grant rule admits once `live` holds the lock, per
 * instance in queue order: none past an EXCLUSIVE holder; from the head,
 * SHARED waiters while the run lasts, or one EXCLUSIVE waiter when nobody
 * holds the lock. `except` already knows its answer (it asked).
 */
export function wakeList(live: readonly HolderEntry[], waiters: readonly WaiterEntry[], except: string | null): WakeNotice[] {
  if (waiters.length === 0 || live.some((h) => h.mode === "E")) return [];
  const byInstance = new Map<string, string[]>();
  for (let i = 0; i < waiters.length; i++) {
    const w = waiters[i]!;
    if (w.mode === "E" && (i > 0 || live.length > 0)) break;
    if (w.id !== except) {
      const ids = byInstance.get(w.inst);
      if (ids) ids.push(w.id);
      else byInstance.set(w.inst, [w.id]);
    }
    if (w.mode === "E") break;
  }
  return [...byInstance].map(([instanceId, holderIds]) => ({ instanceId, holderIds }));
}

function released(counters: LockCounters, ended: readonly HolderEntry[], now: number): LockCounters {
  let { releases, totalHoldMs, maxHoldMs } = counters;
  for (const h of ended) {
    const held = Math.max(0, now - h.acq);
    releases += 1;
    totalHoldMs += held;
    if (held > maxHoldMs) maxHoldMs = held;
  }
  return { ...counters, releases, totalHoldMs, maxHoldMs };
}

/** For a step that changes nothing else: write the live entries back when some had expired, and wake the queue. */
function settle<R>(state: LockState, now: number, result: R): Step<R> {
  const { holders, waiters, pruned } = liveEntries(state, now);
  if (!pruned) return { write: null, wakes: [], result };
  return { write: { ...state, holders, waiters }, wakes: wakeList(holders, waiters, null), result };
}

/** Grants, re-grants (reentrant) or refuses and, when asked to, queues (acquire.lua's rules). */
export function acquireStep(state: LockState, request: AcquireInput, now: number): Step<AcquireOutcome> {
  const { holderId: id, mode, ttlMs } = request;
  const live = liveEntries(state, now);
  const holders = live.holders;
  let waiters = live.waiters;
  let pruned = live.pruned;

  // Already a holder: the same lease, its expiry moved to now + ttl if that is later.
  const held = holders.findIndex((h) => h.id === id);
  if (held >= 0) {
    // A holder has no place in the queue (one left over is dropped: a departure, hence a wake).
    if (waiters.some((w) => w.id === id)) {
      waiters = waiters.filter((w) => w.id !== id);
      pruned = true;
    }
    let lease = holders[held]!;
    let changed = pruned;
    if (now + ttlMs > lease.exp) {
      lease = { ...lease, exp: now + ttlMs };
      holders[held] = lease;
      changed = true;
    }
    return {
      write: changed ? { ...state, holders, waiters } : null,
      wakes: pruned ? wakeList(holders, waiters, id) : [],
      result: { granted: true, token: lease.token, mode: lease.mode, acq: lease.acq, exp: lease.exp, reentrant: true },
    };
  }

  // Leases in the way: any lease for EXCLUSIVE, EXCLUSIVE ones for SHARED.
  const blockers = holders.filter((h) => mode === "E" || h.mode === "E");
  let nextExpiry: number | null = null;
  for (const h of blockers) if (nextExpiry === null || h.exp < nextExpiry) nextExpiry = h.exp;

  // Waiters ahead: those before its own place or, new in the queue, every
  // waiter of the same or a more urgent class.
  const mine = waiters.findIndex((w) => w.id === id);
  let ahead = mine;
  if (mine < 0) {
    ahead = 0;
    while (ahead < waiters.length && waiters[ahead]!.pri <= request.priority) ahead++;
  }
  // EXCLUSIVE waits behind any waiter ahead, SHARED behind an EXCLUSIVE one.
  let waitersBlock = false;
  if (mode === "E") waitersBlock = ahead > 0;
  else for (let i = 0; i < ahead && !waitersBlock; i++) waitersBlock = waiters[i]!.mode === "E";

  if (blockers.length === 0 && !waitersBlock) {
    const lease: HolderEntry = { id, mode, token: null, acq: now, exp: now + ttlMs };
    const nextHolders = [...holders, lease];
    const c = state.counters;
    const counters: LockCounters = { ...c, acquisitions: c.acquisitions + 1 };
    const waited = request.waitedMs > 0 ? Math.round(request.waitedMs) : 0;
    if (request.contended || waited !== 0) {
      if (request.contended) counters.contentions += 1;
      counters.totalWaitMs += waited;
      counters.maxWaitMs = Math.max(counters.maxWaitMs, waited);
    }
    if (mine >= 0) waiters = waiters.filter((_, i) => i !== mine);
    return {
      write: { ...state, holders: nextHolders, waiters, counters },
      wakes: pruned ? wakeList(nextHolders, waiters, id) : [],
      result: { granted: true, token: null, mode, acq: now, exp: now + ttlMs, reentrant: false },
    };
  }

  const refusal: AcquireOutcome = {
    granted: false,
    blockers,
    ahead: waiters.slice(0, ahead),
    nextExpiryInMs: nextExpiry === null ? null : nextExpiry - now,
  };
  if (!request.wait) {
    if (!pruned) return { write: null, wakes: [], result: refusal };
    return { write: { ...state, holders, waiters }, wakes: wakeList(holders, waiters, null), result: refusal };
  }

  // Queue (or stay queued): asking again keeps the place, and the latest
  // request says what it waits for and until when.
  let relaxed = false;
  let seq = state.seq;
  if (mine >= 0) {
    const w = waiters[mine]!;
    relaxed = w.mode === "E" && mode === "S";
    waiters = waiters.map((x, i) => (i === mine ? { ...w, mode, dl: now + request.queueTtlMs, inst: request.instanceId } : x));
  } else {
    seq += 1;
    const w: WaiterEntry = { id, mode, pri: request.priority, enq: now, dl: now + request.queueTtlMs, seq, inst: request.instanceId };
    waiters = [...waiters.slice(0, ahead), w, ...waiters.slice(ahead)];
  }
  return {
    write: { ...state, holders, waiters, seq },
    // A waiter that now asks for SHARED instead of EXCLUSIVE may let those behind it in.
    wakes: pruned || relaxed ? wakeList(holders, waiters, id) : [],
    result: refusal,
  };
}

/** Ends this holder's live lease with this token; wakes whoever may now proceed. */
export function releaseStep(state: LockState, holderId: string, token: string, now: number): Step<boolean> {
  const { holders, waiters } = liveEntries(state, now);
  const at = holders.findIndex((h) => h.id === holderId && h.token === token);
  if (at < 0) return settle(state, now, false);
  const ended = holders[at]!;
  const kept = holders.filter((_, i) => i !== at);
  return { write: { ...state, holders: kept, waiters, counters: released(state.counters, [ended], now) }, wakes: wakeList(kept, waiters, null), result: true };
}

/** Leaves the queue; a departure may let those behind it in. */
export function cancelWaitStep(state: LockState, holderId: string, now: number): Step<boolean> {
  const { holders, waiters, pruned } = liveEntries(state, now);
  const left = waiters.some((w) => w.id === holderId);
  if (!left && !pruned) return { write: null, wakes: [], result: false };
  const rest = left ? waiters.filter((w) => w.id !== holderId) : waiters;
  return { write: { ...state, holders, waiters: rest }, wakes: wakeList(holders, rest, null), result: left };
}

/** Renews a live lease to now + ttlMs; null when it is not live (expired, released, another holder's or token). */
export function extendStep(state: LockState, holderId: string, token: string, ttlMs: number, now: number): Step<number | null> {
  const { holders, waiters, pruned } = liveEntries(state, now);
  const at = holders.findIndex((h) => h.id === holderId && h.token === token);
  if (at < 0) return settle(state, now, null);
  const exp = now + ttlMs;
  const next = holders.map((h, i) => (i === at ? { ...h, exp } : h));
  return { write: { ...state, holders: next, waiters }, wakes: pruned ? wakeList(next, waiters, null) : [], result: exp };
}

/** Removes the live leases of `holderId` (null: all of them), counts them as released, wakes the queue; returns them. */
export function forceReleaseStep(state: LockState, holderId: string | null, now: number): Step<HolderEntry[]> {
  const { holders, waiters } = liveEntries(state, now);
  const removed = holders.filter((h) => holderId === null || h.id === holderId);
  if (removed.length === 0) return settle(state, now, []);
  const kept = holders.filter((h) => !removed.includes(h));
  return { write: { ...state, holders: kept, waiters, counters: released(state.counters, removed, now) }, wakes: wakeList(kept, waiters, null), result: removed };
}

/** Tokens in grant order (decimal strings of any length). */
export function compareTokens(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
