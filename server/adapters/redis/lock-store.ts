import "server-only";
import { Cluster, Redis } from "ioredis";
import { AppError } from "../../core/errors";
import type {
  LockAcquireRequest,
  LockAcquireResult,
  LockHolderInfo,
  LockSnapshot,
  LockStatistics,
  LockStore,
  LockWaiterInfo,
  LockWake,
} from "../../core/locks/ports";
import { LOCK_SCOPES, type LockKey, type LockMode, type LockScope } from "../../core/locks/types";
import { LOCK_SCRIPTS, MAX_PRIORITY, type LockScriptName } from "./lock-scripts";

// The LockStore on Redis (standalone or Cluster). Each lock is one hash,
//   <prefix>{SERVICE:payment-service}:state
// holding its holders, waiters, fence and statistics (lock-scripts.ts says why
// and how). The braces are the Cluster hash tag, so anything a lock's scripts
// ever touch stays in one slot. In the tag, `%`, `{` and `}` of the resource
// are percent-encoded: no name can end the tag early or share a key with
// another, and everything else stays readable in redis-cli. Wake-ups go to the
// channel <prefix>wake:<instanceId>.

export const DEFAULT_LOCK_PREFIX = "interlock:lock:";
const DEFAULT_URL = "redis://127.0.0.1:6379";
const SCAN_COUNT = 1_000;
const STATE_SUFFIX = ":state";

export interface RedisLockStoreOptions {
  /** Used when no client is given (default redis://127.0.0.1:6379). */
  url?: string;
  /** A client of the caller's: used as is, and left open by close(). */
  client?: Redis | Cluster;
  prefix?: string;
  /** Per-command limit for the client this store creates, so a stalled server surfaces as UNAVAILABLE. */
  commandTimeoutMs?: number;
  /**
   * Auto-pipelining for the client this store creates (default false).
   * Batching on setImmediate made the 64 concurrent loops of the benchmark fall
   * into lockstep on this 2-core machine: Node and Redis took turns instead of
   * working at once, halving throughput (15k vs 30k pairs/s, bench/locks).
   */
  autoPipelining?: boolean;
}

type Reply = string | number | null | Reply[];
type ScriptCall = (key: string, ...args: (string | number)[]) => Promise<Reply>;

const NEEDS_ENCODING = /[%{}]/;
const encodeResource = (resource: string) =>
  NEEDS_ENCODING.test(resource) ? resource.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : resource;
const decodeResource = (encoded: string) => encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
const globEscape = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
const modeOf = (code: string | undefined): LockMode => (code === "S" ? "SHARED" : "EXCLUSIVE");
const isScope = (scope: string): scope is LockScope => (LOCK_SCOPES as readonly string[]).includes(scope);

function describeClient(client: Redis | Cluster): string {
  if (client instanceof Cluster) {
    const first = client.nodes()[0]?.options;
    return first ? `${first.host}:${first.port} (cluster)` : "cluster";
  }
  return client.options.path ?? `${client.options.host ?? "127.0.0.1"}:${client.options.port ?? 6379}`;
}

/** Failures that mean "Redis is not answering", as opposed to an error reply it sent. */
function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== "ReplyError") return true;
  return /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|OOM|NOREPLICAS)\b/.test(error.message);
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new AppError("VALIDATION_FAILED", `Lock ${name} must be a positive integer, got ${value}.`, { [name]: value });
}

export class RedisLockStore implements LockStore {
  readonly backend = "redis" as const;
  private readonly prefix: string;
  private readonly wakePrefix: string;
  private readonly where: string;
  private readonly owned: boolean;
  private readonly scripts: Record<LockScriptName, ScriptCall>;
  private readonly subscribers = new Set<Redis | Cluster>();
  /** The socket's own reason, for errors that only say a retry limit was reached. */
  private lastConnectionError: Error | null = null;
  private readonly onClientError = (error: Error) => {
    this.lastConnectionError = error;
  };
  private readonly onClientReady = () => {
    this.lastConnectionError = null;
  };
  private readonly fail = (error: unknown): never => {
    throw this.translate(error);
  };

  /**
   * Wraps a connected (or connecting) client; `owned`: close() quits it.
   * openRedisLockStore also checks that the server answers.
   */
  constructor(
    private readonly client: Redis | Cluster,
    options: { prefix?: string; owned?: boolean } = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_LOCK_PREFIX;
    this.owned = options.owned ?? false;
    if (/[{}]/.test(this.prefix)) throw new AppError("VALIDATION_FAILED", `Redis lock prefix "${this.prefix}" must not contain { or }: the lock's name is the hash tag.`, { prefix: this.prefix });
    if ((client.options as { keyPrefix?: string }).keyPrefix) {
      throw new AppError("VALIDATION_FAILED", "The Redis lock store needs a client without keyPrefix (ioredis does not prefix channels or SCAN patterns); use the store's prefix option.", {});
    }
    this.wakePrefix = `${this.prefix}wake:`;
    this.where = describeClient(client);
    const commands = client as unknown as Record<LockScriptName, ScriptCall>;
    const scripts: Partial<Record<LockScriptName, ScriptCall>> = {};
    for (const [name, lua] of Object.entries(LOCK_SCRIPTS) as [LockScriptName, string][]) {
      client.defineCommand(name, { lua, numberOfKeys: 1 });
      scripts[name] = commands[name].bind(client);
    }
    this.scripts = scripts as Record<LockScriptName, ScriptCall>;
    client.on("error", this.onClientError);
    client.on("ready", this.onClientReady);
  }

  acquire(request: LockAcquireRequest): Promise<LockAcquireResult> {
    const { priority, ttlMs, queueTtlMs } = request;
    try {
      if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) {
        throw new AppError("VALIDATION_FAILED", `Lock priority must be an integer from 0 to ${MAX_PRIORITY}, got ${priority}.`, { priority });
      }
      positiveInteger("ttlMs", ttlMs);
      positiveInteger("queueTtlMs", queueTtlMs);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.scripts
      .interlockLockAcquire(
        this.keyOf(request.key),
        request.holderId,
        request.mode === "SHARED" ? "S" : "E",
        ttlMs,
        priority,
        request.wait ? 1 : 0,
        queueTtlMs,
        request.contended ? 1 : 0,
        request.waitedMs > 0 ? Math.round(request.waitedMs) : 0,
        request.instanceId,
      )
      .then(acquireResult, this.fail);
  }

  async cancelWait(key: LockKey, holderId: string): Promise<void> {
    await this.scripts.interlockLockCancelWait(this.keyOf(key), holderId).catch(this.fail);
  }

  async extend(key: LockKey, holderId: string, fencingToken: bigint, ttlMs: number): Promise<{ expiresAt: Date } | null> {
    positiveInteger("ttlMs", ttlMs);
    const expiresAt = Number(await this.scripts.interlockLockExtend(this.keyOf(key), holderId, fencingToken.toString(), ttlMs).catch(this.fail));
    return expiresAt < 0 ? null : { expiresAt: new Date(expiresAt) };
  }

  release(key: LockKey, holderId: string, fencingToken: bigint): Promise<boolean> {
    return this.scripts.interlockLockRelease(this.keyOf(key), holderId, fencingToken.toString()).then((reply) => reply === 1, this.fail);
  }

  async forceRelease(key: LockKey, holderId: string | null): Promise<LockHolderInfo[]> {
    const reply = (await this.scripts.interlockLockForceRelease(this.keyOf(key), holderId === null ? "*" : `=${holderId}`).catch(this.fail)) as Reply[];
    return holdersFrom(reply, 0, reply.length);
  }

  async snapshot(): Promise<{ at: Date; locks: LockSnapshot[] }> {
    try {
      const states = await this.readStates((key) => this.client.hgetallBuffer(key));
      // Read after the states, so nothing granted meanwhile looks younger than `at`.
      const at = await this.serverTime();
      const locks: LockSnapshot[] = [];
      for (const { key, value } of states) {
        const lock = parseState(key, value, at.getTime());
        if (lock.holders.length || lock.waiters.length) locks.push(lock);
      }
      return { at, locks };
    } catch (error) {
      return this.fail(error);
    }
  }

  async statistics(): Promise<LockStatistics[]> {
    try {
      const rows = await this.readStates((key) => this.client.hmget(key, "meta", "contention"));
      const out: LockStatistics[] = [];
      for (const { key, value } of rows) {
        const [, , acquisitions = 0, releases = 0, totalHoldMs = 0, maxHoldMs = 0] = numbers(value[0]);
        const [contentions = 0, totalWaitMs = 0, maxWaitMs = 0] = numbers(value[1]);
        if (acquisitions || releases) out.push({ key, acquisitions, contentions, totalWaitMs, maxWaitMs, releases, totalHoldMs, maxHoldMs });
      }
      return out;
    } catch (error) {
      return this.fail(error);
    }
  }

  async subscribe(instanceId: string, onWake: (wake: LockWake) => void): Promise<() => Promise<void>> {
    const channel = this.wakePrefix + instanceId;
    const subscriber: Redis | Cluster = this.client instanceof Cluster ? this.client.duplicate() : this.client.duplicate();
    subscriber.on("error", this.onClientError);
    subscriber.on("message", (from: string, message: string) => {
      if (from !== channel) return;
      const wake = parseWake(message);
      if (wake) onWake(wake);
    });
    this.subscribers.add(subscriber);
    try {
      await subscriber.subscribe(channel);
    } catch (error) {
      this.subscribers.delete(subscriber);
      subscriber.disconnect();
      return this.fail(error);
    }
    return async () => {
      if (!this.subscribers.delete(subscriber)) return;
      await subscriber.quit().catch(() => subscriber.disconnect());
    };
  }

  async wake(instanceId: string, wake: LockWake): Promise<void> {
    const message = JSON.stringify({ scope: wake.key.scope, resource: wake.key.resource, holderIds: wake.holderIds });
    await this.client.publish(this.wakePrefix + instanceId, message).catch(this.fail);
  }

  async close(): Promise<void> {
    const subscribers = [...this.subscribers];
    this.subscribers.clear();
    await Promise.all(subscribers.map((s) => s.quit().catch(() => s.disconnect())));
    this.client.off("error", this.onClientError);
    this.client.off("ready", this.onClientReady);
    if (this.owned) await this.client.quit().catch(() => this.client.disconnect());
  }

  /** The Redis key of a lock. */
  keyOf(key: LockKey): string {
    return `${this.prefix}{${key.scope}:${encodeResource(key.resource)}}${STATE_SUFFIX}`;
  }

  /** Checks that the server answers (UNAVAILABLE otherwise). */
  async ping(): Promise<void> {
    await this.client.ping().catch(this.fail);
  }

  private translate(error: unknown): AppError {
    if (error instanceof AppError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (isUnavailable(error)) {
      const vague = /max retries|Connection is closed|Stream isn't writeable/i.test(message);
      const reason = vague && this.lastConnectionError ? this.lastConnectionError.message : message;
      return new AppError("UNAVAILABLE", `Redis lock store at ${this.where} is unavailable: ${reason}`, { backend: "redis", at: this.where }, { cause: error });
    }
    return new AppError("INTERNAL", `Redis lock store at ${this.where} refused a command: ${message}`, { backend: "redis", at: this.where }, { cause: error });
  }

  private async serverTime(): Promise<Date> {
    const [seconds, micros] = await this.client.time();
    return new Date(Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000));
  }

  /** Reads every lock's hash with `read`, finding them with SCAN on every master. */
  private async readStates<T>(read: (redisKey: string) => Promise<T>): Promise<{ key: LockKey; value: T }[]> {
    const pattern = `${globEscape(this.prefix)}{*}${STATE_SUFFIX}`;
    const nodes = this.client instanceof Cluster ? this.client.nodes("master") : [this.client];
    const seen = new Set<string>();
    const reads: Promise<{ key: LockKey; value: T } | null>[] = [];
    for (const node of nodes) {
      let cursor = "0";
      do {
        const [next, batch] = await node.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT);
        for (const redisKey of batch) {
          // SCAN may return a key twice; a key it did not write is not a lock.
          const key = seen.has(redisKey) ? null : this.lockKeyOf(redisKey);
          seen.add(redisKey);
          if (key) reads.push(read(redisKey).then((value) => ({ key, value })));
        }
        cursor = next;
      } while (cursor !== "0");
    }
    return (await Promise.all(reads)).filter((row) => row !== null);
  }

  private lockKeyOf(redisKey: string): LockKey | null {
    const start = this.prefix.length + 1;
    const close = redisKey.indexOf("}", start);
    if (!redisKey.startsWith(`${this.prefix}{`) || close < 0 || redisKey.slice(close + 1) !== STATE_SUFFIX) return null;
    const tag = redisKey.slice(start, close);
    const colon = tag.indexOf(":");
    const scope = tag.slice(0, colon);
    if (colon < 0 || !isScope(scope)) return null;
    return { scope, resource: decodeResource(tag.slice(colon + 1)) };
  }
}

function acquireResult(reply: Reply): LockAcquireResult {
  if (typeof reply === "string") {
    const [token, mode, acquiredAt, expiresAt, reentrant] = reply.split("|");
    return {
      granted: true,
      fencingToken: BigInt(token!),
      mode: modeOf(mode),
      acquiredAt: new Date(Number(acquiredAt)),
      expiresAt: new Date(Number(expiresAt)),
      reentrant: reentrant === "1",
    };
  }
  const refusal = reply as Reply[];
  const nextExpiry = Number(refusal[0]);
  const blockersEnd = 2 + Number(refusal[1]) * 5;
  const ahead: LockWaiterInfo[] = [];
  for (let i = blockersEnd; i + 4 < refusal.length; i += 5) {
    ahead.push({
      holderId: refusal[i] as string,
      mode: modeOf(refusal[i + 1] as string),
      priority: Number(refusal[i + 2]),
      enqueuedAt: new Date(Number(refusal[i + 3])),
      instanceId: refusal[i + 4] as string,
    });
  }
  return { granted: false, blockers: holdersFrom(refusal, 2, blockersEnd), ahead, nextExpiryInMs: nextExpiry < 0 ? null : nextExpiry };
}

function holdersFrom(reply: Reply[], from: number, to: number): LockHolderInfo[] {
  const holders: LockHolderInfo[] = [];
  for (let i = from; i + 4 < to; i += 5) {
    holders.push({
      holderId: reply[i] as string,
      mode: modeOf(reply[i + 1] as string),
      fencingToken: BigInt(reply[i + 2] as string),
      acquiredAt: new Date(Number(reply[i + 3])),
      expiresAt: new Date(Number(reply[i + 4])),
    });
  }
  return holders;
}

/** A "|"-separated field of counters: meta, contention (see lock-scripts.ts). */
function numbers(value: string | null | undefined): number[] {
  return value ? value.split("|").map((part) => Number(part) || 0) : [];
}

const HOLDER_HEAD = /^([ES])\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|/;
const WAITER = /^([ES])\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|(.*)$/s;

/** The holders field: entries of "<E|S>|<token>|<acquiredAt>|<expiresAt>|<id bytes>|<id>", lengths in bytes. */
function parseHolders(list: Buffer): LockHolderInfo[] {
  const holders: LockHolderInfo[] = [];
  let pos = 0;
  while (pos < list.length) {
    // The fixed part is ASCII and short; the id is measured in bytes, as Lua wrote it.
    const head = HOLDER_HEAD.exec(list.toString("latin1", pos, Math.min(list.length, pos + 80)));
    if (!head) break;
    const start = pos + head[0].length;
    const end = start + Number(head[5]);
    holders.push({ holderId: list.toString("utf8", start, end), mode: modeOf(head[1]), fencingToken: BigInt(head[2]!), acquiredAt: new Date(Number(head[3])), expiresAt: new Date(Number(head[4])) });
    pos = end;
  }
  return holders;
}

/** A lock's hash as the scripts write it, without what expired by `now`. */
function parseState(key: LockKey, fields: Record<string, Buffer>, now: number): LockSnapshot {
  const holders = fields.holders ? parseHolders(fields.holders).filter((h) => h.expiresAt.getTime() > now) : [];
  const waiters: (LockWaiterInfo & { score: number })[] = [];
  for (const [field, raw] of Object.entries(fields)) {
    if (!field.startsWith("w:")) continue;
    const m = WAITER.exec(raw.toString("utf8"));
    if (!m || Number(m[4]) <= now) continue;
    waiters.push({ holderId: field.slice(2), mode: modeOf(m[1]), priority: Number(m[2]), enqueuedAt: new Date(Number(m[3])), instanceId: m[6]!, score: Number(m[5]) });
  }
  holders.sort((a, b) => (a.fencingToken < b.fencingToken ? -1 : a.fencingToken > b.fencingToken ? 1 : 0));
  waiters.sort((a, b) => a.score - b.score);
  return { key, holders, waiters: waiters.map(({ score: _score, ...waiter }) => waiter) };
}

function parseWake(message: string): LockWake | null {
  try {
    const data = JSON.parse(message) as { scope?: unknown; resource?: unknown; holderIds?: unknown };
    if (typeof data.scope !== "string" || !isScope(data.scope) || typeof data.resource !== "string" || !Array.isArray(data.holderIds)) return null;
    return { key: { scope: data.scope, resource: data.resource }, holderIds: data.holderIds.filter((id): id is string => typeof id === "string") };
  } catch {
    return null;
  }
}

/**
 * Opens the store on `client` (used as is, left open) or on a client of its
 * own for `url`, and checks that Redis answers: an unreachable server is an
 * AppError UNAVAILABLE within the connect timeout, not a hang.
 */
export async function openRedisLockStore(options: RedisLockStoreOptions = {}): Promise<RedisLockStore> {
  if (options.client) {
    const store = new RedisLockStore(options.client, { prefix: options.prefix, owned: false });
    await store.ping();
    return store;
  }
  const client = new Redis(options.url ?? DEFAULT_URL, {
    enableAutoPipelining: options.autoPipelining ?? false,
    // A command fails after one reconnection attempt instead of waiting in the offline queue for ever.
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    lazyConnect: true,
  });
  const store = new RedisLockStore(client, { prefix: options.prefix, owned: true });
  try {
    await store.ping();
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return store;
}
