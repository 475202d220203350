import "server-only";
// cockatiel is etcd3's own fault-handling library (a dependency of etcd3, the
// version its IOptions.faultHandling type names): the policies below replace
// etcd3's defaults, which retry and open a circuit breaker (see openEtcdLockStore).
import { ExponentialBackoff, handleWhen, noop, retry } from "cockatiel";
import { CompareResult, CompareTarget, Etcd3, EtcdLeaseInvalidError, isRecoverableError, type ICompare, type IRequestOp, type ITxnResponse, type Lease, type Watcher } from "etcd3";
import { AppError } from "../../core/errors";
import type {
  LockAcquireRequest,
  LockAcquireResult,
  LockHolderInfo,
  LockRevocation,
  LockSnapshot,
  LockStatistics,
  LockStore,
  LockWaiterInfo,
  LockWake,
} from "../../core/locks/ports";
import { MAX_REVOCATION_REASON_LENGTH } from "../../core/locks/ports";
import { LOCK_SCOPES, type LockKey, type LockMode, type LockScope } from "../../core/locks/types";
import {
  EMPTY_LOCK_STATE,
  acquireStep,
  cancelWaitStep,
  compareTokens,
  decodeLockState,
  encodeLockState,
  extendStep,
  forceReleaseStep,
  liveEntries,
  releaseStep,
  withTokens,
  type HolderEntry,
  type LockState,
  type Step,
  type WaiterEntry,
} from "./lock-state";

// The LockStore on etcd v3 (docs/locks-etcd.md).
//
// Keys, under the store's prefix:
//   <prefix>lock/<SCOPE>/<resource>  one lock's whole state (lock-state.ts): holders,
//                                    waiters, arrival counter, statistics. The scope never
//                                    contains "/", so everything after the second "/" is
//                                    the resource, as it is: no encoding is needed.
//   <prefix>wake/<instanceId>        wake-up notices for one lock manager instance
//   <prefix>revoked                  revocation notices (force release)
// The notice keys carry this store's etcd lease (kept alive while the process
// lives), so they vanish with the process that wrote them.
//
// Every change to a lock is one Txn: compare the key's mod_revision with the
// value this process last saw (create_revision = 0 when it saw none), then put
// the new state together with the notices the change sends; if the compare
// fails, the Txn's else-branch reads the current value, and the step is
// decided again on it. So a notice exists only if its change committed, and a
// step decided on a stale value never commits. The last value seen per lock is
// cached, so an uncontended acquire is one Txn and its release one Txn. A step
// that changes nothing (a refusal without queueing, releasing a lease that is
// not there) still sends the Txn, with no puts: it answers only if the value
// it decided on is still the current one.
//
// Fencing tokens are etcd revisions: the revision of the Txn that granted the
// lease (lock-state.ts stores it as "this write's" and readers take the
// value's mod_revision). etcd's revision only grows, across the whole cluster
// and across member restarts (it is on disk), so tokens grow per lock and
// globally, with no clock involved.
//
// Time: etcd has no clock a client can read, so lease and queue expiries are
// judged by this process's clock (Date.now()), and snapshot().at is that
// clock. Processes whose clocks differ by S ms disagree about an expiry by up
// to S ms: a lease may end up to S ms early or late as another process sees
// it. A grant made early because of skew still carries a higher token, so a
// resource that checks fencing tokens refuses the old holder's writes
// (docs/locks-etcd.md). This is where the etcd backend departs from the
// "store's own clock" rule of server/core/locks/ports.ts.

export const DEFAULT_ETCD_LOCK_PREFIX = "interlock/";
const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
/** The store's etcd lease, in seconds: how long notices outlive a process that died. */
const INSTANCE_LEASE_TTL_S = 10;
/** Locks whose last value is remembered; the oldest is forgotten beyond this (it costs one extra round trip when next used). */
const CACHE_LIMIT = 10_000;
const MAX_PRIORITY = 2_147_483_647;

export interface EtcdLockStoreOptions {
  /** http(s)://host:port of each member. */
  endpoints: string[];
  prefix?: string;
  username?: string;
  password?: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** Per-call limit (default 5 s): an etcd that does not answer is UNAVAILABLE within it. */
  commandTimeoutMs?: number;
  /** A client of the caller's: used as is, and left open by close(). */
  client?: Etcd3;
}

const isScope = (scope: unknown): scope is LockScope => typeof scope === "string" && (LOCK_SCOPES as readonly string[]).includes(scope);
const modeOf = (code: string): LockMode => (code === "S" ? "SHARED" : "EXCLUSIVE");

function checkInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new AppError("VALIDATION_FAILED", `Lock ${name} must be an integer from ${min} to ${max}, got ${value}.`, { [name]: value });
  }
}

function checkKey(key: LockKey): void {
  if (!isScope(key.scope)) throw new AppError("VALIDATION_FAILED", `Lock scope must be one of ${LOCK_SCOPES.join(", ")}, got ${String(key.scope)}.`, { scope: key.scope });
}

/** The first key after every key that starts with `prefix` (etcd's range_end for a prefix). */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

const holderInfo = (h: HolderEntry): LockHolderInfo => ({
  holderId: h.id,
  mode: modeOf(h.mode),
  fencingToken: BigInt(h.token!),
  acquiredAt: new Date(h.acq),
  expiresAt: new Date(h.exp),
});

const waiterInfo = (w: WaiterEntry): LockWaiterInfo => ({
  holderId: w.id,
  mode: modeOf(w.mode),
  priority: w.pri,
  enqueuedAt: new Date(w.enq),
  instanceId: w.inst,
});

class Timeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
  }
}

/** One lock's last value seen by this process, and its mod_revision. */
interface Cached {
  state: LockState;
  rev: string;
}

/**
 * A watch on one key that delivers the values put on it (deletes are
 * ignored). etcd3 reconnects a watch after a dropped stream and resumes after
 * the last revision it delivered, so notices written meanwhile still arrive
 * (unless compacted away); a watch etcd cancels (compaction) is created anew.
 */
class KeyWatch {
  private watcher: Watcher | null = null;
  private stopped = false;
  constructor(
    private readonly client: Etcd3,
    private readonly key: string,
    private readonly onValue: (value: string) => void,
    private readonly timeoutMs: number,
  ) {}

  async start(): Promise<void> {
    const pending = this.client.watch().key(this.key).only("put").watcher();
    this.attach(pending);
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          pending.once("connected", () => resolve());
          pending.once("error", reject);
        }),
        this.timeoutMs,
        "etcd watch",
      );
    } catch (error) {
      // Not awaited: the caller hears of the failure within the timeout, not twice that.
      void this.cancel(pending);
      throw error;
    }
    if (this.stopped) {
      void this.cancel(pending);
      return;
    }
    this.watcher = pending;
  }

  private attach(watcher: Watcher): void {
    // Only the current watcher's events: one whose start timed out (or that was replaced) may still connect later.
    watcher.on("put", (kv) => {
      if (!this.stopped && this.watcher === watcher) this.onValue(kv.value.toString("utf8"));
    });
    // Without a listener an 'error' would crash the process; the watch is gone, so start another.
    watcher.on("error", () => {
      if (this.stopped || this.watcher !== watcher) return;
      this.watcher = null;
      void this.cancel(watcher);
      const again = () => {
        if (this.stopped) return;
        this.start().catch(() => setTimeout(again, 1_000).unref());
      };
      setTimeout(again, 100).unref();
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const watcher = this.watcher;
    this.watcher = null;
    if (watcher) await this.cancel(watcher);
  }

  /**
   * Cancels a watcher, waiting at most the command timeout: etcd3 waits for
   * etcd's answer to the cancel, which a stalled etcd never sends. The watcher
   * is stopped (its events are ignored) either way.
   */
  private cancel(watcher: Watcher): Promise<void> {
    return withTimeout(watcher.cancel(), this.timeoutMs, "etcd watch cancel").catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Timeout(what, ms)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export class EtcdLockStore implements LockStore {
  readonly backend = "etcd" as const;
  private readonly lockPrefix: string;
  private readonly wakePrefix: string;
  private readonly revokedKey: Buffer;
  private readonly where: string;
  private readonly timeoutMs: number;
  /** Whether close() closes the client (the store created it). */
  private readonly owned: boolean;
  private readonly cache = new Map<string, Cached>();
  /** Per lock, the tail of this process's steps on it: they run one at a time, so they do not make each other's Txns fail. */
  private readonly busy = new Map<string, Promise<unknown>>();
  private lease: { lease: Lease; id: Promise<string>; lost: boolean; granted: string | null } | null = null;
  private readonly subscriptions = new Set<KeyWatch>();
  private readonly revokedListeners = new Set<(revocation: LockRevocation) => void>();
  private revokedWatch: Promise<KeyWatch> | null = null;
  private closed = false;

  constructor(
    private readonly client: Etcd3,
    options: { prefix: string; where: string; timeoutMs: number; owned: boolean },
  ) {
    this.lockPrefix = `${options.prefix}lock/`;
    this.wakePrefix = `${options.prefix}wake/`;
    this.revokedKey = Buffer.from(`${options.prefix}revoked`);
    this.where = options.where;
    this.timeoutMs = options.timeoutMs;
    this.owned = options.owned;
  }

  // ---- the LockStore port -------------------------------------------------

  async acquire(request: LockAcquireRequest): Promise<LockAcquireResult> {
    checkKey(request.key);
    checkInteger("priority", request.priority, 0, MAX_PRIORITY);
    checkInteger("ttlMs", request.ttlMs, 1);
    checkInteger("queueTtlMs", request.queueTtlMs, 1);
    const input = {
      holderId: request.holderId,
      mode: request.mode === "SHARED" ? ("S" as const) : ("E" as const),
      ttlMs: request.ttlMs,
      priority: request.priority,
      instanceId: request.instanceId,
      wait: request.wait,
      queueTtlMs: request.queueTtlMs,
      contended: request.contended,
      waitedMs: request.waitedMs,
    };
    const { step, revision } = await this.change(request.key, (state, now) => acquireStep(state, input, now));
    const r = step.result;
    if (r.granted) {
      return { granted: true, fencingToken: BigInt(r.token ?? revision), mode: modeOf(r.mode), acquiredAt: new Date(r.acq), expiresAt: new Date(r.exp), reentrant: r.reentrant };
    }
    return { granted: false, blockers: r.blockers.map(holderInfo), ahead: r.ahead.map(waiterInfo), nextExpiryInMs: r.nextExpiryInMs };
  }

  async cancelWait(key: LockKey, holderId: string): Promise<void> {
    checkKey(key);
    await this.change(key, (state, now) => cancelWaitStep(state, holderId, now));
  }

  async extend(key: LockKey, holderId: string, fencingToken: bigint, ttlMs: number): Promise<{ expiresAt: Date } | null> {
    checkKey(key);
    checkInteger("ttlMs", ttlMs, 1);
    const token = fencingToken.toString();
    const { step } = await this.change(key, (state, now) => extendStep(state, holderId, token, ttlMs, now));
    return step.result === null ? null : { expiresAt: new Date(step.result) };
  }

  async release(key: LockKey, holderId: string, fencingToken: bigint): Promise<boolean> {
    checkKey(key);
    const token = fencingToken.toString();
    return (await this.change(key, (state, now) => releaseStep(state, holderId, token, now))).step.result;
  }

  async forceRelease(key: LockKey, holderId: string | null, reason?: string): Promise<LockHolderInfo[]> {
    checkKey(key);
    const why = reason ? reason.slice(0, MAX_REVOCATION_REASON_LENGTH) : null;
    // The revocation notice is put in the same Txn as the removal: it exists only if the removal committed.
    const { step } = await this.change(
      key,
      (state, now) => forceReleaseStep(state, holderId, now),
      (removed: HolderEntry[]) =>
        removed.length === 0
          ? []
          : [[this.revokedKey, JSON.stringify(removed.map((h) => ({ scope: key.scope, resource: key.resource, holderId: h.id, token: h.token, reason: why })))]],
    );
    return step.result.map(holderInfo);
  }

  async snapshot(): Promise<{ at: Date; locks: LockSnapshot[] }> {
    const rows = await this.readAll();
    // Read after the values, so nothing granted meanwhile looks younger than `at`.
    const at = Date.now();
    const locks: LockSnapshot[] = [];
    for (const { key, state } of rows) {
      const { holders, waiters } = liveEntries(state, at);
      if (holders.length === 0 && waiters.length === 0) continue;
      holders.sort((a, b) => compareTokens(a.token!, b.token!));
      locks.push({ key, holders: holders.map(holderInfo), waiters: waiters.map(waiterInfo) });
    }
    return { at: new Date(at), locks };
  }

  async statistics(): Promise<LockStatistics[]> {
    const out: LockStatistics[] = [];
    for (const { key, state } of await this.readAll()) {
      const c = state.counters;
      if (c.acquisitions || c.releases) out.push({ key, ...c });
    }
    return out;
  }

  async subscribe(instanceId: string, onWake: (wake: LockWake) => void): Promise<() => Promise<void>> {
    this.checkOpen();
    const watch = new KeyWatch(
      this.client,
      this.wakePrefix + instanceId,
      (value) => {
        const wake = parseWake(value);
        if (wake) onWake(wake);
      },
      this.timeoutMs,
    );
    try {
      await watch.start();
    } catch (error) {
      return this.fail(error);
    }
    this.subscriptions.add(watch);
    return async () => {
      if (!this.subscriptions.delete(watch)) return;
      await watch.stop();
    };
  }

  async onRevoked(listener: (revocation: LockRevocation) => void): Promise<() => Promise<void>> {
    this.checkOpen();
    // Its own function, so the same callback listening twice is two listeners.
    const entry = (revocation: LockRevocation) => listener(revocation);
    this.revokedListeners.add(entry);
    try {
      await (this.revokedWatch ??= this.watchRevocations());
    } catch (error) {
      this.revokedListeners.delete(entry);
      return this.fail(error);
    }
    return async () => {
      this.revokedListeners.delete(entry);
    };
  }

  async wake(instanceId: string, wake: LockWake): Promise<void> {
    this.checkOpen();
    const value = JSON.stringify({ scope: wake.key.scope, resource: wake.key.resource, holderIds: wake.holderIds });
    const deadline = Date.now() + this.timeoutMs;
    try {
      await this.withLease(deadline, async (lease) => {
        await this.client.kv.txn({ success: [noticeOp(Buffer.from(this.wakePrefix + instanceId), value, lease)] }, { deadline });
      });
    } catch (error) {
      this.fail(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const watches = [...this.subscriptions];
    this.subscriptions.clear();
    this.revokedListeners.clear();
    const revoked = this.revokedWatch;
    this.revokedWatch = null;
    const revokedWatch = await revoked?.catch(() => null);
    if (revokedWatch) watches.push(revokedWatch);
    await Promise.all(watches.map((w) => w.stop()));
    const lease = this.lease;
    this.lease = null;
    if (lease) await withTimeout(lease.lease.revoke({ deadline: Date.now() + this.timeoutMs }), this.timeoutMs, "etcd lease revoke").catch(() => lease.lease.release());
    this.cache.clear();
    if (this.owned) this.client.close();
  }

  // ---- internals ------------------------------------------------------------

  /** The etcd key of a lock. */
  keyOf(key: LockKey): string {
    return `${this.lockPrefix}${key.scope}/${key.resource}`;
  }

  /** Checks that etcd answers and takes the store's lease (UNAVAILABLE otherwise). */
  async connect(): Promise<void> {
    try {
      await this.leaseId(Date.now() + this.timeoutMs);
    } catch (error) {
      this.fail(error);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new AppError("UNAVAILABLE", `The etcd lock store at ${this.where} is closed.`, { backend: "etcd", at: this.where });
  }

  private readonly fail = (error: unknown): never => {
    throw this.translate(error);
  };

  private translate(error: unknown): AppError {
    if (error instanceof AppError) return error;
    const message = error instanceof Error ? error.message || error.name : String(error);
    // A bug of ours (or a malformed reply) is not an outage.
    if (error instanceof TypeError || error instanceof SyntaxError || error instanceof RangeError) {
      return new AppError("INTERNAL", `etcd lock store at ${this.where} failed: ${message}`, { backend: "etcd", at: this.where }, { cause: error });
    }
    return new AppError("UNAVAILABLE", `etcd lock store at ${this.where} is unavailable: ${message}`, { backend: "etcd", at: this.where }, { cause: error });
  }

  /** The store's lease id, granting a new lease when there is none or the last one was lost. */
  private leaseId(deadline: number): Promise<string> {
    let current = this.lease;
    if (!current || current.lost) {
      if (current) current.lease.release();
      const lease = this.client.lease(INSTANCE_LEASE_TTL_S, { autoKeepAlive: true });
      const entry: { lease: Lease; id: Promise<string>; lost: boolean; granted: string | null } = { lease, id: lease.grant(), lost: false, granted: null };
      entry.id.then((id) => {
        entry.granted = id;
      }, () => undefined);
      // Lost (expired while etcd was unreachable, or revoked): the next notice takes a new one.
      lease.on("lost", () => {
        entry.lost = true;
      });
      entry.id.catch(() => {
        entry.lost = true;
      });
      this.lease = current = entry;
    }
    if (current.granted !== null) return Promise.resolve(current.granted);
    return withTimeout(current.id, Math.max(1, deadline - Date.now()), "etcd lease grant");
  }

  /**
   * Runs `send` with the store's lease id; when etcd says the lease is gone
   * (it expired while this process could not reach etcd), takes a new one and
   * runs `send` once more (the Txn did not commit: a Txn is all or nothing).
   */
  private async withLease<T>(deadline: number, send: (leaseId: string) => Promise<T>): Promise<T> {
    try {
      return await send(await this.leaseId(deadline));
    } catch (error) {
      if (!(error instanceof EtcdLeaseInvalidError)) throw error;
      if (this.lease) this.lease.lost = true;
      return send(await this.leaseId(deadline));
    }
  }

  /**
   * Applies `decide` to the lock's current state in one Txn (see the header),
   * with the wake-ups it sends and `extra` operations (notices) put in the same
   * Txn. Steps of this process on one lock run one at a time.
   */
  private change<R>(key: LockKey, decide: (state: LockState, now: number) => Step<R>, extra?: (result: R) => Notice[]): Promise<{ step: Step<R>; revision: string }> {
    this.checkOpen();
    const name = this.keyOf(key);
    const deadline = Date.now() + this.timeoutMs;
    const previous = this.busy.get(name);
    const run = previous ? previous.then(() => this.commit(key, name, decide, extra, deadline)) : this.commit(key, name, decide, extra, deadline);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.busy.set(name, tail);
    void tail.then(() => {
      if (this.busy.get(name) === tail) this.busy.delete(name);
    });
    return run;
  }

  private async commit<R>(
    key: LockKey,
    name: string,
    decide: (state: LockState, now: number) => Step<R>,
    extra: ((result: R) => Notice[]) | undefined,
    deadline: number,
  ): Promise<{ step: Step<R>; revision: string }> {
    const etcdKey = Buffer.from(name);
    try {
      for (let attempt = 1; ; attempt++) {
        const cached = this.cache.get(name);
        const step = decide(cached?.state ?? EMPTY_LOCK_STATE, Date.now());
        const compare: ICompare = cached
          ? { key: etcdKey, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: cached.rev }
          : { key: etcdKey, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 };
        const success: IRequestOp[] = [];
        const notices = step.wakes.length > 0 || (extra !== undefined && step.write !== null);
        const send = (leaseId: string) => {
          success.length = 0;
          if (step.write) {
            success.push({ request_put: { key: etcdKey, value: Buffer.from(encodeLockState(step.write)) } });
            for (const wake of step.wakes) {
              const value = JSON.stringify({ scope: key.scope, resource: key.resource, holderIds: wake.holderIds });
              success.push(noticeOp(Buffer.from(this.wakePrefix + wake.instanceId), value, leaseId));
            }
            if (extra) for (const [noticeKey, value] of extra(step.result)) success.push(noticeOp(noticeKey, value, leaseId));
          }
          return this.client.kv.txn({ compare: [compare], success, failure: [{ request_range: { key: etcdKey } }] }, { deadline });
        };
        const response: ITxnResponse = notices ? await this.withLease(deadline, send) : await send("0");
        if (response.succeeded) {
          const revision = response.header.revision;
          if (step.write) this.remember(name, { state: withTokens(step.write, revision), rev: revision });
          return { step, revision };
        }
        const kv = response.responses[0]?.response_range?.kvs[0];
        if (kv) this.remember(name, { state: decodeLockState(kv.value.toString("utf8"), kv.mod_revision), rev: kv.mod_revision });
        else this.cache.delete(name);
        if (Date.now() > deadline) throw new Timeout(`etcd, after ${attempt} conflicting writes on ${name},`, this.timeoutMs);
      }
    } catch (error) {
      // Whatever this process believed about the lock may be stale now.
      this.cache.delete(name);
      return this.fail(error);
    }
  }

  private remember(name: string, entry: Cached): void {
    this.cache.delete(name);
    this.cache.set(name, entry);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Every lock's current state (one linearizable range read). */
  private async readAll(): Promise<{ key: LockKey; state: LockState }[]> {
    this.checkOpen();
    const from = Buffer.from(this.lockPrefix);
    try {
      const response = await this.client.kv.range({ key: from, range_end: prefixEnd(from) }, { deadline: Date.now() + this.timeoutMs });
      const out: { key: LockKey; state: LockState }[] = [];
      for (const kv of response.kvs) {
        const key = this.lockKeyOf(kv.key.toString("utf8"));
        if (key) out.push({ key, state: decodeLockState(kv.value.toString("utf8"), kv.mod_revision) });
      }
      return out;
    } catch (error) {
      return this.fail(error);
    }
  }

  private lockKeyOf(name: string): LockKey | null {
    if (!name.startsWith(this.lockPrefix)) return null;
    const rest = name.slice(this.lockPrefix.length);
    const slash = rest.indexOf("/");
    const scope = rest.slice(0, slash);
    if (slash < 0 || !isScope(scope)) return null;
    return { scope, resource: rest.slice(slash + 1) };
  }

  private async watchRevocations(): Promise<KeyWatch> {
    const watch = new KeyWatch(
      this.client,
      this.revokedKey.toString("utf8"),
      (value) => {
        for (const revocation of parseRevocations(value)) {
          for (const listener of [...this.revokedListeners]) {
            try {
              listener(revocation);
            } catch {
              // one listener's failure must not keep the notice from the others
            }
          }
        }
      },
      this.timeoutMs,
    );
    try {
      await watch.start();
    } catch (error) {
      this.revokedWatch = null;
      throw error;
    }
    return watch;
  }
}

/** A notice key and the value to put on it. */
type Notice = [key: Buffer, value: string];

/** A put of a notice key, attached to the store's lease so it goes when the process does. */
function noticeOp(key: Buffer, value: string, leaseId: string): IRequestOp {
  return { request_put: { key, value: Buffer.from(value), lease: leaseId } };
}

function parseWake(message: string): LockWake | null {
  try {
    const data = JSON.parse(message) as { scope?: unknown; resource?: unknown; holderIds?: unknown };
    if (!isScope(data.scope) || typeof data.resource !== "string" || !Array.isArray(data.holderIds)) return null;
    return { key: { scope: data.scope, resource: data.resource }, holderIds: data.holderIds.filter((id): id is string => typeof id === "string") };
  } catch {
    return null;
  }
}

function parseRevocations(message: string): LockRevocation[] {
  try {
    const list = JSON.parse(message) as unknown;
    if (!Array.isArray(list)) return [];
    const out: LockRevocation[] = [];
    for (const item of list as { scope?: unknown; resource?: unknown; holderId?: unknown; token?: unknown; reason?: unknown }[]) {
      if (!item || !isScope(item.scope) || typeof item.resource !== "string" || typeof item.holderId !== "string") continue;
      if (typeof item.token !== "string" || !/^\d+$/.test(item.token)) continue;
      out.push({ key: { scope: item.scope, resource: item.resource }, holderId: item.holderId, fencingToken: BigInt(item.token), reason: typeof item.reason === "string" ? item.reason : null });
    }
    return out;
  } catch {
    return [];
  }
}

/**
 * Opens the store on `client` (used as is, left open by close()) or on a
 * client of its own for `endpoints`, takes the store's lease and so checks
 * that etcd answers: an unreachable etcd is an AppError UNAVAILABLE within
 * commandTimeoutMs, not a hang.
 *
 * The client it creates gives every call a deadline of commandTimeoutMs and
 * replaces etcd3's fault handling: by default etcd3 retries each call three
 * times and opens a per-host circuit breaker for 5 s after three failures,
 * which would keep failing calls for seconds after etcd is back. Here a call
 * is tried on each endpoint at most once (no circuit breaker), within its
 * deadline, and watches reconnect within a second.
 */
export async function openEtcdLockStore(options: EtcdLockStoreOptions): Promise<EtcdLockStore> {
  const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  checkInteger("commandTimeoutMs", timeoutMs, 1);
  const prefix = options.prefix ?? DEFAULT_ETCD_LOCK_PREFIX;
  if (prefix.length === 0) throw new AppError("VALIDATION_FAILED", "The etcd lock prefix must not be empty.", { prefix });
  const endpoints = options.endpoints;
  if (!options.client && endpoints.length === 0) throw new AppError("VALIDATION_FAILED", "The etcd lock store needs at least one endpoint.", { endpoints });
  const where = endpoints.join(",");
  if (options.client) {
    const store = new EtcdLockStore(options.client, { prefix, where, timeoutMs, owned: false });
    await store.connect();
    return store;
  }
  const deadline = () => ({ deadline: Date.now() + timeoutMs });
  const client = new Etcd3({
    hosts: endpoints,
    ...(options.username ? { auth: { username: options.username, password: options.password ?? "", callOptions: deadline } } : {}),
    ...(options.tls
      ? { credentials: { rootCertificate: options.tls.ca as Buffer, privateKey: options.tls.key, certChain: options.tls.cert } }
      : {}),
    // Unary calls get the deadline; streams (watch, lease keep-alive) live on.
    defaultCallOptions: (context) => (context.isStream ? {} : deadline()),
    dialTimeout: timeoutMs,
    faultHandling: {
      host: () => noop,
      global: endpoints.length > 1 ? retry(handleWhen(isRecoverableError), { maxAttempts: endpoints.length - 1 }) : noop,
      // etcd3 types this as a backoff but uses it as a factory (calls next()); a backoff is both.
      watchBackoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }).next(),
    },
  });
  const store = new EtcdLockStore(client, { prefix, where, timeoutMs, owned: true });
  try {
    await store.connect();
  } catch (error) {
    client.close();
    throw error;
  }
  return store;
}
