import "server-only";
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
import type { Database } from "./database";

// The LockStore on Postgres or PGlite. The rules live in SQL, in the
// interlock_lock_* functions of the lock_manager migration: each method here
// is one `SELECT interlock_lock_…(…)`, so one round trip and one atomic step
// serialised per lock on its lock_fences row, and the database's clock is the
// only clock. Functions answer in JSON with times as epoch milliseconds and
// tokens as strings (int8 would not survive JSON numbers).
//
// Wake-ups are NOTIFYs on one channel, sent by the functions at commit; each
// store LISTENs once (Database.listen) and hands each payload to the
// subscribers of the instance it names. Revocations (force release) are
// NOTIFYs on another channel, sent by interlock_lock_force_release at commit
// (the lock_revocation_notice migration), handed to every listener.

export const LOCK_WAKE_CHANNEL = "interlock_lock_wake";
export const LOCK_REVOKED_CHANNEL = "interlock_lock_revoked";
const MAX_PRIORITY = 2_147_483_647;

type HolderRow = [holderId: string, mode: LockMode, token: string, acquiredAt: number, expiresAt: number];
type WaiterRow = [holderId: string, mode: LockMode, priority: number, enqueuedAt: number, instanceId: string];
type AcquireReply =
  | { granted: true; token: string; mode: LockMode; acquiredAt: number; expiresAt: number; reentrant: boolean }
  | { granted: false; blockers: HolderRow[]; ahead: WaiterRow[]; nextExpiryInMs: number | null };
type SnapshotReply = { at: number; locks: [scope: LockScope, resource: string, holders: HolderRow[], waiters: WaiterRow[]][] };
type StatisticsRow = Record<"acquisitions" | "contentions" | "total_wait_ms" | "max_wait_ms" | "releases" | "total_hold_ms" | "max_hold_ms", string | number | bigint> & {
  scope: LockScope;
  resource: string;
};

const isScope = (scope: unknown): scope is LockScope => typeof scope === "string" && (LOCK_SCOPES as readonly string[]).includes(scope);

function checkInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new AppError("VALIDATION_FAILED", `Lock ${name} must be an integer from ${min} to ${max}, got ${value}.`, { [name]: value });
  }
}

function checkKey(key: LockKey): void {
  if (!isScope(key.scope)) throw new AppError("VALIDATION_FAILED", `Lock scope must be one of ${LOCK_SCOPES.join(", ")}, got ${String(key.scope)}.`, { scope: key.scope });
}

/** A SQLSTATE sent by the server, as opposed to a failure to reach it. */
function sqlState(error: unknown): string | null {
  const e = error as { code?: unknown; severity?: unknown } | null;
  return e && typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === "string" ? e.code : null;
}

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Connection refused on every address of a host is an AggregateError with an empty message.
  if (error.message) return error.message;
  const inner = error instanceof AggregateError ? error.errors.find((e): e is Error => e instanceof Error && e.message !== "") : undefined;
  return inner?.message ?? (error as { code?: string }).code ?? error.name;
}

const holderOf = ([holderId, mode, token, acquiredAt, expiresAt]: HolderRow): LockHolderInfo => ({
  holderId,
  mode,
  fencingToken: BigInt(token),
  acquiredAt: new Date(acquiredAt),
  expiresAt: new Date(expiresAt),
});

const waiterOf = ([holderId, mode, priority, enqueuedAt, instanceId]: WaiterRow): LockWaiterInfo => ({
  holderId,
  mode,
  priority,
  enqueuedAt: new Date(enqueuedAt),
  instanceId,
});

function parseWake(payload: string): { instanceId: string; wake: LockWake } | null {
  try {
    const data = JSON.parse(payload) as { instanceId?: unknown; scope?: unknown; resource?: unknown; holderIds?: unknown };
    if (typeof data.instanceId !== "string" || !isScope(data.scope) || typeof data.resource !== "string" || !Array.isArray(data.holderIds)) return null;
    const holderIds = data.holderIds.filter((id): id is string => typeof id === "string");
    return { instanceId: data.instanceId, wake: { key: { scope: data.scope, resource: data.resource }, holderIds } };
  } catch {
    return null;
  }
}

function parseRevocation(payload: string): LockRevocation | null {
  try {
    const data = JSON.parse(payload) as { scope?: unknown; resource?: unknown; holderId?: unknown; token?: unknown; reason?: unknown };
    if (!isScope(data.scope) || typeof data.resource !== "string" || typeof data.holderId !== "string") return null;
    if (typeof data.token !== "string" || !/^\d+$/.test(data.token)) return null;
    return { key: { scope: data.scope, resource: data.resource }, holderId: data.holderId, fencingToken: BigInt(data.token), reason: typeof data.reason === "string" ? data.reason : null };
  } catch {
    return null;
  }
}

export class PostgresLockStore implements LockStore {
  readonly backend: "postgres" | "pglite";
  private readonly subscribers = new Map<string, Set<(wake: LockWake) => void>>();
  private listening: Promise<() => Promise<void>> | null = null;
  private readonly revokedListeners = new Set<(revocation: LockRevocation) => void>();
  private listeningForRevocations: Promise<() => Promise<void>> | null = null;
  private closed = false;
  private readonly fail = (error: unknown): never => {
    throw this.translate(error);
  };

  /** Uses `db` as is: close() stops this store's listening, never the database. */
  constructor(private readonly db: Database) {
    this.backend = db.kind;
  }

  async acquire(request: LockAcquireRequest): Promise<LockAcquireResult> {
    checkKey(request.key);
    checkInteger("priority", request.priority, 0, MAX_PRIORITY);
    checkInteger("ttlMs", request.ttlMs, 1);
    checkInteger("queueTtlMs", request.queueTtlMs, 1);
    const waitedMs = Number.isFinite(request.waitedMs) && request.waitedMs > 0 ? Math.round(request.waitedMs) : 0;
    const reply = await this.call<AcquireReply>("SELECT interlock_lock_acquire($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) AS r", [
      request.key.scope,
      request.key.resource,
      request.holderId,
      request.mode,
      request.ttlMs,
      request.priority,
      request.instanceId,
      request.wait,
      request.queueTtlMs,
      request.contended,
      waitedMs,
    ]);
    if (reply.granted) {
      return {
        granted: true,
        fencingToken: BigInt(reply.token),
        mode: reply.mode,
        acquiredAt: new Date(reply.acquiredAt),
        expiresAt: new Date(reply.expiresAt),
        reentrant: reply.reentrant,
      };
    }
    return { granted: false, blockers: reply.blockers.map(holderOf), ahead: reply.ahead.map(waiterOf), nextExpiryInMs: reply.nextExpiryInMs };
  }

  async cancelWait(key: LockKey, holderId: string): Promise<void> {
    checkKey(key);
    await this.call("SELECT interlock_lock_cancel_wait($1, $2, $3) AS r", [key.scope, key.resource, holderId]);
  }

  async extend(key: LockKey, holderId: string, fencingToken: bigint, ttlMs: number): Promise<{ expiresAt: Date } | null> {
    checkKey(key);
    checkInteger("ttlMs", ttlMs, 1);
    const expiresAt = await this.call<string | number | null>("SELECT interlock_lock_extend($1, $2, $3, $4, $5) AS r", [key.scope, key.resource, holderId, fencingToken.toString(), ttlMs]);
    return expiresAt === null ? null : { expiresAt: new Date(Number(expiresAt)) };
  }

  async release(key: LockKey, holderId: string, fencingToken: bigint): Promise<boolean> {
    checkKey(key);
    return (await this.call<boolean>("SELECT interlock_lock_release($1, $2, $3, $4) AS r", [key.scope, key.resource, holderId, fencingToken.toString()])) === true;
  }

  async forceRelease(key: LockKey, holderId: string | null, reason?: string): Promise<LockHolderInfo[]> {
    checkKey(key);
    const why = reason === undefined || reason === "" ? null : reason.slice(0, MAX_REVOCATION_REASON_LENGTH);
    const removed = await this.call<HolderRow[]>("SELECT interlock_lock_force_release($1, $2, $3, $4) AS r", [key.scope, key.resource, holderId, why]);
    return removed.map(holderOf);
  }

  async snapshot(): Promise<{ at: Date; locks: LockSnapshot[] }> {
    const reply = await this.call<SnapshotReply>("SELECT interlock_lock_snapshot() AS r");
    return {
      at: new Date(reply.at),
      locks: reply.locks.map(([scope, resource, holders, waiters]) => ({ key: { scope, resource }, holders: holders.map(holderOf), waiters: waiters.map(waiterOf) })),
    };
  }

  async statistics(): Promise<LockStatistics[]> {
    const rows = await this.db
      .query<StatisticsRow>(
        `SELECT scope, resource, acquisitions, contentions, total_wait_ms, max_wait_ms, releases, total_hold_ms, max_hold_ms
           FROM lock_statistics ORDER BY scope, resource`,
      )
      .catch(this.fail);
    return rows.map((r) => ({
      key: { scope: r.scope, resource: r.resource },
      acquisitions: Number(r.acquisitions),
      contentions: Number(r.contentions),
      totalWaitMs: Number(r.total_wait_ms),
      maxWaitMs: Number(r.max_wait_ms),
      releases: Number(r.releases),
      totalHoldMs: Number(r.total_hold_ms),
      maxHoldMs: Number(r.max_hold_ms),
    }));
  }

  async subscribe(instanceId: string, onWake: (wake: LockWake) => void): Promise<() => Promise<void>> {
    if (this.closed) throw new AppError("UNAVAILABLE", `The ${this.backend} lock store is closed.`, { backend: this.backend });
    // Its own function, so the same callback subscribed twice is two subscriptions.
    const entry = (wake: LockWake) => onWake(wake);
    let entries = this.subscribers.get(instanceId);
    if (!entries) this.subscribers.set(instanceId, (entries = new Set()));
    entries.add(entry);
    const remove = () => {
      const current = this.subscribers.get(instanceId);
      current?.delete(entry);
      if (current?.size === 0) this.subscribers.delete(instanceId);
    };
    try {
      await this.startListening();
    } catch (error) {
      remove();
      return this.fail(error);
    }
    return async () => remove();
  }

  /** Revocations NOTIFYd by interlock_lock_force_release; one LISTEN for the store, started by the first listener and kept until close(). */
  async onRevoked(listener: (revocation: LockRevocation) => void): Promise<() => Promise<void>> {
    if (this.closed) throw new AppError("UNAVAILABLE", `The ${this.backend} lock store is closed.`, { backend: this.backend });
    // Its own function, so the same callback listening twice is two listeners.
    const entry = (revocation: LockRevocation) => listener(revocation);
    this.revokedListeners.add(entry);
    try {
      if (!this.listeningForRevocations) {
        const listening = this.db.listen(LOCK_REVOKED_CHANNEL, (payload) => this.deliverRevocation(payload));
        this.listeningForRevocations = listening;
        listening.catch(() => {
          if (this.listeningForRevocations === listening) this.listeningForRevocations = null;
        });
      }
      await this.listeningForRevocations;
    } catch (error) {
      this.revokedListeners.delete(entry);
      return this.fail(error);
    }
    return async () => {
      this.revokedListeners.delete(entry);
    };
  }

  async wake(instanceId: string, wake: LockWake): Promise<void> {
    const payload = JSON.stringify({ instanceId, scope: wake.key.scope, resource: wake.key.resource, holderIds: wake.holderIds });
    await this.db.query("SELECT pg_notify($1, $2)", [LOCK_WAKE_CHANNEL, payload]).catch(this.fail);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribers.clear();
    this.revokedListeners.clear();
    const listenings = [this.listening, this.listeningForRevocations];
    this.listening = null;
    this.listeningForRevocations = null;
    for (const listening of listenings) {
      const unlisten = await listening?.catch(() => null);
      await unlisten?.().catch(() => {});
    }
  }

  /** One LISTEN for the whole store, started by the first subscriber and kept until close(). */
  private startListening(): Promise<() => Promise<void>> {
    if (!this.listening) {
      const listening = this.db.listen(LOCK_WAKE_CHANNEL, (payload) => this.deliver(payload));
      this.listening = listening;
      listening.catch(() => {
        if (this.listening === listening) this.listening = null;
      });
    }
    return this.listening;
  }

  private deliver(payload: string): void {
    const parsed = parseWake(payload);
    if (!parsed) return;
    for (const onWake of this.subscribers.get(parsed.instanceId) ?? []) {
      try {
        onWake(parsed.wake);
      } catch {
        // a subscriber's failure must not keep the wake-up from the others
      }
    }
  }

  private deliverRevocation(payload: string): void {
    const revocation = parseRevocation(payload);
    if (!revocation) return;
    for (const listener of [...this.revokedListeners]) {
      try {
        listener(revocation);
      } catch {
        // a listener's failure must not keep the notice from the others
      }
    }
  }

  /** Runs one function call and returns its single value (column r). */
  private async call<T>(sql: string, params?: unknown[]): Promise<T> {
    const rows = await this.db.query<{ r: T }>(sql, params).catch(this.fail);
    const row = rows[0];
    if (!row) throw new AppError("INTERNAL", `The ${this.backend} lock store returned no row for ${sql}`, { backend: this.backend });
    return row.r;
  }

  private translate(error: unknown): AppError {
    if (error instanceof AppError) return error;
    const where = `${this.backend === "pglite" ? "PGlite" : "Postgres"} lock store at ${this.db.location}`;
    const details = { backend: this.backend, at: this.db.location };
    const state = sqlState(error);
    const reason = reasonOf(error);
    // No SQLSTATE: the server was never reached (refused, reset, timed out, pool or PGlite closed).
    // 08 connection, 53 resources, 57 operator intervention (shutdown, cancel), 58 system errors.
    if (state === null || /^(08|53|57|58)/.test(state)) {
      return new AppError("UNAVAILABLE", `${where} is unavailable: ${reason}`, details, { cause: error });
    }
    if (state.startsWith("22")) {
      return new AppError("VALIDATION_FAILED", `${where} refused the lock request's values: ${reason}`, { ...details, sqlState: state }, { cause: error });
    }
    return new AppError("INTERNAL", `${where} failed: ${reason}`, { ...details, sqlState: state }, { cause: error });
  }
}
