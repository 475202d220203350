import "server-only";
import { createHash } from "node:crypto";
import { Cluster, Command, type Redis } from "ioredis";
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
import { BatchedWrites, ScriptCall, type WireScript } from "./batched-writes";
import { LOCK_SCRIPTS, MAX_PRIORITY, META_LENGTH, META_VERSION, type LockScriptName } from "./lock-scripts";
import { createRedisClient, describeRedisConnection, type RedisConnectionConfig } from "./redis-client";

// The LockStore on Redis (standalone, Sentinel-managed or Cluster; what each
// guarantees: docs/locks-redis-ha.md). Each lock is one hash,
//   <prefix>{SERVICE:payment-service}:state
// holding its holders, waiters, fence and statistics (lock-scripts.ts says why,
// lua/lock-head.lua how). The braces are the Cluster hash tag, so anything a lock's scripts
// ever touch stays in one slot. In the tag, `%`, `{` and `}` of the resource
// are percent-encoded: no name can end the tag early or share a key with
// another, and everything else stays readable in redis-cli. Wake-ups go to the
// channel <prefix>wake:<instanceId>; revocations (force release) to
// <prefix>revoked, which every process listens to on one connection per store.

export const DEFAULT_LOCK_PREFIX = "interlock:lock:";
const DEFAULT_URL = "redis://127.0.0.1:6379";
const SCAN_COUNT = 1_000;
const STATE_SUFFIX = ":state";

export interface RedisLockStoreOptions {
  /** Used when neither client nor connection is given (default redis://127.0.0.1:6379). */
  url?: string;
  /** Where Redis is (server/env.ts: REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES); the store opens its own client there. */
  connection?: RedisConnectionConfig;
  /** A client of the caller's: used as is, and left open by close(). */
  client?: Redis | Cluster;
  prefix?: string;
  /**
   * Per-command limit (default 5 s) on the client this store creates, so a
   * stalled server surfaces as UNAVAILABLE. The store keeps it itself rather
   * than through ioredis's commandTimeout, which arms a timer per command
   * (see RedisLockStore.watch).
   */
  commandTimeoutMs?: number;
  /**
   * Auto-pipelining for the client this store creates (default false), for
   * the commands other than the lock scripts, which the store batches itself
   * (batched-writes.ts). ioredis's batching made the 64 concurrent loops
   * of the benchmark fall into lockstep on this 2-core machine: Node and Redis
   * took turns instead of working at once, halving throughput (bench/locks).
   */
  autoPipelining?: boolean;
}

type Reply = string | number | null | Reply[];

/** A lock script, sent with EVALSHA, and with EVAL once when Redis does not have it (NOSCRIPT). */
interface Script extends WireScript {
  lua: string;
}

const SCRIPTS = Object.fromEntries(
  Object.entries(LOCK_SCRIPTS).map(([name, lua]) => {
    const script: Script = { lua, sha: createHash("sha1").update(lua).digest("hex"), heads: [] };
    return [name, script];
  }),
) as Record<LockScriptName, Script>;
const REPLY_AS_STRINGS = { replyEncoding: "utf8" } as const;
const TIMED_OUT = "Command timed out";
/** PUBLISH ARGV[1] ARGV[2] on the node that serves KEYS[1] (a lock's key; see RedisLockStore.wake). */
const PUBLISH_FROM_LOCK = "return redis.call('PUBLISH', ARGV[1], ARGV[2])";

const NEEDS_ENCODING = /[%{}]/;
const encodeResource = (resource: string) =>
  NEEDS_ENCODING.test(resource) ? resource.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : resource;
const decodeResource = (encoded: string) => encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
const globEscape = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
const modeOf = (code: string | undefined): LockMode => (code === "S" ? "SHARED" : "EXCLUSIVE");
const isScope = (scope: string): scope is LockScope => (LOCK_SCOPES as readonly string[]).includes(scope);

function describeClient(client: Redis | Cluster): string {
  if (!(client instanceof Cluster) && client.options.sentinels?.length) {
    return `Sentinel master "${client.options.name}" via ${client.options.sentinels.map((s) => `${s.host ?? "127.0.0.1"}:${s.port ?? 26379}`).join(",")}`;
  }
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
  private readonly subscribers = new Set<Redis | Cluster>();
  private readonly revokedChannel: string;
  /** Listeners of revocations, and the one connection (subscribed to revokedChannel) that serves them all. */
  private readonly revokedListeners = new Set<(revocation: LockRevocation) => void>();
  private revokedSubscriber: Promise<Redis | Cluster> | null = null;
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
  /** How script calls reach the socket (batched-writes.ts). */
  private readonly writes: BatchedWrites;
  private counted<T>(read: (reply: Reply) => T): (reply: Reply) => T {
    return (reply) => {
      this.writes.answered();
      return read(reply);
    };
  }
  private readonly readAcquire = this.counted(acquireResult);
  private readonly readRelease = this.counted(isOne);
  private readonly readAsIs = this.counted(asIs);
  /** The store's own per-command limit (null: the client's settings apply), and the script calls it watches, oldest first. */
  private readonly commandTimeoutMs: number | null;
  /** A ring (capacity a power of two) of the calls in flight and when each was sent, oldest at `watchedHead`. */
  private watched: (Command | undefined)[] = new Array<Command | undefined>(64);
  private watchedAt = new Float64Array(64);
  private watchedHead = 0;
  private watchedCount = 0;
  private watchdog: ReturnType<typeof setTimeout> | null = null;

  /**
   * Wraps a connected (or connecting) client; `owned`: close() quits it;
   * `commandTimeoutMs`: a limit the store enforces on every command it sends
   * (for a client created without ioredis's commandTimeout); `where`: how
   * messages name the server (default: from the client's options).
   * openRedisLockStore also checks that the server answers.
   */
  constructor(
    private readonly client: Redis | Cluster,
    options: { prefix?: string; owned?: boolean; commandTimeoutMs?: number; where?: string } = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_LOCK_PREFIX;
    this.owned = options.owned ?? false;
    if (options.commandTimeoutMs !== undefined) positiveInteger("commandTimeoutMs", options.commandTimeoutMs);
    this.commandTimeoutMs = options.commandTimeoutMs ?? null;
    if (/[{}]/.test(this.prefix)) throw new AppError("VALIDATION_FAILED", `Redis lock prefix "${this.prefix}" must not contain { or }: the lock's name is the hash tag.`, { prefix: this.prefix });
    if ((client.options as { keyPrefix?: string }).keyPrefix) {
      throw new AppError("VALIDATION_FAILED", "The Redis lock store needs a client without keyPrefix (ioredis does not prefix channels or SCAN patterns); use the store's prefix option.", {});
    }
    this.wakePrefix = `${this.prefix}wake:`;
    this.revokedChannel = `${this.prefix}revoked`;
    this.where = options.where ?? describeClient(client);
    this.writes = new BatchedWrites(client);
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
    return this.run(this.readAcquire, SCRIPTS.interlockLockAcquire, [
      this.keyOf(request.key),
      request.holderId,
      request.mode === "SHARED" ? "S" : "E",
      String(ttlMs),
      String(priority),
      request.wait ? "1" : "0",
      String(queueTtlMs),
      request.contended ? "1" : "0",
      request.waitedMs > 0 ? String(Math.round(request.waitedMs)) : "0",
      request.instanceId,
    ]);
  }

  async cancelWait(key: LockKey, holderId: string): Promise<void> {
    await this.run(this.readAsIs, SCRIPTS.interlockLockCancelWait, [this.keyOf(key), holderId]);
  }

  async extend(key: LockKey, holderId: string, fencingToken: bigint, ttlMs: number): Promise<{ expiresAt: Date } | null> {
    positiveInteger("ttlMs", ttlMs);
    const expiresAt = Number(await this.run(this.readAsIs, SCRIPTS.interlockLockExtend, [this.keyOf(key), holderId, fencingToken.toString(), String(ttlMs)]));
    return expiresAt < 0 ? null : { expiresAt: new Date(expiresAt) };
  }

  release(key: LockKey, holderId: string, fencingToken: bigint): Promise<boolean> {
    return this.run(this.readRelease, SCRIPTS.interlockLockRelease, [this.keyOf(key), holderId, fencingToken.toString()]);
  }

  async forceRelease(key: LockKey, holderId: string | null, reason?: string): Promise<LockHolderInfo[]> {
    const why = (reason ?? "").slice(0, MAX_REVOCATION_REASON_LENGTH);
    const reply = (await this.run(this.readAsIs, SCRIPTS.interlockLockForceRelease, [this.keyOf(key), holderId === null ? "*" : `=${holderId}`, why])) as Reply[];
    return holdersFrom(reply, 0, reply.length);
  }

  async snapshot(): Promise<{ at: Date; locks: LockSnapshot[] }> {
    try {
      const states = await this.readStates((key) => this.timed(this.client.hgetallBuffer(key)));
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
      const rows = await this.readStates((key) => this.timed(this.client.hmgetBuffer(key, "meta", "contention")));
      const out: LockStatistics[] = [];
      for (const { key, value } of rows) {
        const [, , acquisitions = 0, releases = 0, totalHoldMs = 0, maxHoldMs = 0] = metaNumbers(value[0]);
        const [contentions = 0, totalWaitMs = 0, maxWaitMs = 0] = numbers(value[1]?.toString("latin1"));
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
      await this.timed(subscriber.subscribe(channel));
    } catch (error) {
      this.subscribers.delete(subscriber);
      subscriber.disconnect();
      return this.fail(error);
    }
    return async () => {
      if (!this.subscribers.delete(subscriber)) return;
      await this.timed(subscriber.quit()).catch(() => subscriber.disconnect());
    };
  }

  /**
   * Revocations published by the force-release script. One subscribed
   * connection per store, opened by the first listener and kept until close();
   * ioredis reconnects and subscribes again after a drop, and what was
   * published meanwhile is lost (renewal is the backstop, docs/locks.md).
   */
  async onRevoked(listener: (revocation: LockRevocation) => void): Promise<() => Promise<void>> {
    // Its own function, so the same callback listening twice is two listeners.
    const entry = (revocation: LockRevocation) => listener(revocation);
    this.revokedListeners.add(entry);
    try {
      await (this.revokedSubscriber ??= this.subscribeToRevocations());
    } catch (error) {
      this.revokedListeners.delete(entry);
      return this.fail(error);
    }
    return async () => {
      this.revokedListeners.delete(entry);
    };
  }

  private async subscribeToRevocations(): Promise<Redis | Cluster> {
    const channel = this.revokedChannel;
    const subscriber: Redis | Cluster = this.client instanceof Cluster ? this.client.duplicate() : this.client.duplicate();
    subscriber.on("error", this.onClientError);
    subscriber.on("message", (from: string, message: string) => {
      if (from !== channel) return;
      const revocation = parseRevocation(message);
      if (!revocation) return;
      for (const listener of [...this.revokedListeners]) {
        try {
          listener(revocation);
        } catch {
          // one listener's failure must not keep the notice from the others
        }
      }
    });
    try {
      await this.timed(subscriber.subscribe(channel));
    } catch (error) {
      this.revokedSubscriber = null;
      subscriber.disconnect();
      throw error;
    }
    return subscriber;
  }

  /**
   * On a Cluster the wake-up is published by the master that serves the
   * lock, as its scripts' wake-ups are: a Cluster relays PUBLISH between
   * nodes and keeps order only among messages published on one node, so this
   * keeps wake() in order with the lock's own wake-ups (docs/locks-redis-ha.md#cluster).
   */
  async wake(instanceId: string, wake: LockWake): Promise<void> {
    const message = JSON.stringify({ scope: wake.key.scope, resource: wake.key.resource, holderIds: wake.holderIds });
    const channel = this.wakePrefix + instanceId;
    const sent = this.client instanceof Cluster ? this.client.eval(PUBLISH_FROM_LOCK, 1, this.keyOf(wake.key), channel, message) : this.client.publish(channel, message);
    await this.timed(sent).catch(this.fail);
  }

  async close(): Promise<void> {
    const subscribers = [...this.subscribers];
    this.subscribers.clear();
    this.revokedListeners.clear();
    const revoked = this.revokedSubscriber;
    this.revokedSubscriber = null;
    const revokedSubscriber = await revoked?.catch(() => null);
    if (revokedSubscriber) subscribers.push(revokedSubscriber);
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdog = null;
    await Promise.all(subscribers.map((s) => this.timed(s.quit()).catch(() => s.disconnect())));
    this.client.off("error", this.onClientError);
    this.client.off("ready", this.onClientReady);
    if (this.owned) await this.timed(this.client.quit()).catch(() => this.client.disconnect());
  }

  /**
   * Runs a script on `args` (the lock's key first) and reads its reply with
   * `read`: EVALSHA, or EVAL when this server does not have the script yet
   * (first use, restart, SCRIPT FLUSH), which also caches it there. Errors
   * come out translated.
   */
  private run<T>(read: (reply: Reply) => T, script: Script, args: string[]): Promise<T> {
    this.writes.beforeSend();
    const sent = this.send(new ScriptCall(script, [script.sha, "1", ...args]));
    this.writes.afterSend();
    return sent.then(read, (error: unknown) => {
      this.writes.answered();
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) return this.fail(error);
      const retry = new Command("eval", [script.lua, "1", ...args], REPLY_AS_STRINGS);
      return this.send(retry).then(read, this.fail);
    });
  }

  private send(command: Command): Promise<Reply> {
    const sent = this.client.sendCommand(command) as Promise<Reply>;
    if (this.commandTimeoutMs !== null) this.watch(command);
    return sent;
  }

  /**
   * Enforces the command timeout on a script call without a timer of its own:
   * calls are answered in the order they were sent, so one timer, due when
   * the oldest unanswered call runs out, watches them all.
   */
  private watch(command: Command): void {
    this.dropAnswered();
    if (this.watchedCount === this.watched.length) this.growWatched();
    const at = (this.watchedHead + this.watchedCount) & (this.watched.length - 1);
    this.watched[at] = command;
    this.watchedAt[at] = performance.now();
    this.watchedCount += 1;
    if (this.watchdog === null) this.armWatchdog(this.commandTimeoutMs!);
  }

  /** Forgets the answered calls at the head (answers come in the order the calls were sent). */
  private dropAnswered(): void {
    const ring = this.watched;
    while (this.watchedCount > 0 && ring[this.watchedHead]!.isSettled) {
      ring[this.watchedHead] = undefined;
      this.watchedHead = (this.watchedHead + 1) & (ring.length - 1);
      this.watchedCount -= 1;
    }
  }

  private growWatched(): void {
    const size = this.watched.length;
    const ring = new Array<Command | undefined>(size * 2);
    const at = new Float64Array(size * 2);
    for (let i = 0; i < this.watchedCount; i++) {
      const from = (this.watchedHead + i) & (size - 1);
      ring[i] = this.watched[from];
      at[i] = this.watchedAt[from]!;
    }
    this.watched = ring;
    this.watchedAt = at;
    this.watchedHead = 0;
  }

  /** Unreferenced: a call in flight keeps the process alive through its socket (or reconnection) anyway. */
  private armWatchdog(ms: number): void {
    this.watchdog = setTimeout(this.checkTimeouts, ms);
    this.watchdog.unref?.();
  }

  /** Fails the calls older than the timeout with ioredis's own error (hence UNAVAILABLE), and waits for the next to run out. */
  private readonly checkTimeouts = (): void => {
    this.watchdog = null;
    const limit = this.commandTimeoutMs!;
    const now = performance.now();
    const ring = this.watched;
    while (this.watchedCount > 0) {
      const command = ring[this.watchedHead]!;
      if (!command.isSettled) {
        if (this.watchedAt[this.watchedHead]! + limit > now) break;
        command.reject(new Error(TIMED_OUT));
      }
      ring[this.watchedHead] = undefined;
      this.watchedHead = (this.watchedHead + 1) & (ring.length - 1);
      this.watchedCount -= 1;
    }
    if (this.watchedCount > 0) this.armWatchdog(Math.max(1, Math.ceil(this.watchedAt[this.watchedHead]! + limit - now)));
  };

  /** Any other command, with the store's timeout when it keeps one (these are rare: a timer each). */
  private timed<T>(promise: Promise<T>): Promise<T> {
    const limit = this.commandTimeoutMs;
    if (limit === null) return promise;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(TIMED_OUT)), limit);
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

  /** The Redis key of a lock. */
  keyOf(key: LockKey): string {
    return `${this.prefix}{${key.scope}:${encodeResource(key.resource)}}${STATE_SUFFIX}`;
  }

  /** Checks that the server answers (UNAVAILABLE otherwise). */
  async ping(): Promise<void> {
    await this.timed(this.client.ping()).catch(this.fail);
  }

  private translate(error: unknown): AppError {
    if (error instanceof AppError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (isUnavailable(error)) {
      const vague = /max retries|Connection is closed|Stream isn't writeable/i.test(message);
      const last = this.lastConnectionError?.message;
      // A command that timed out while the client was reconnecting (say, every Sentinel unreachable) says why too.
      const reason = !last ? message : vague ? last : message === TIMED_OUT ? `${message} (reconnecting: ${last})` : message;
      return new AppError("UNAVAILABLE", `Redis lock store at ${this.where} is unavailable: ${reason}`, { backend: "redis", at: this.where }, { cause: error });
    }
    return new AppError("INTERNAL", `Redis lock store at ${this.where} refused a command: ${message}`, { backend: "redis", at: this.where }, { cause: error });
  }

  private async serverTime(): Promise<Date> {
    const [seconds, micros] = await this.timed(this.client.time());
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
        const [next, batch] = await this.timed(node.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT));
        for (const redisKey of batch) {
          // SCAN may return a key twice; a key it did not write is not a lock.
          const key = seen.has(redisKey) ? null : this.lockKeyOf(redisKey);
          seen.add(redisKey);
          if (key) {
            const row = read(redisKey).then((value) => ({ key, value }));
            // A later SCAN that fails leaves this read behind: its own failure must not go unobserved.
            row.catch(() => {});
            reads.push(row);
          }
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

const isOne = (reply: Reply) => reply === 1;
const asIs = (reply: Reply) => reply;

/** A fencing token as Redis wrote it (decimal digits). */
function tokenOf(digits: string): bigint {
  // Tokens stay below 2^53 for centuries (µs since the epoch), where going through a number is exact and cheaper.
  const value = Number(digits);
  return Number.isSafeInteger(value) ? BigInt(value) : BigInt(digits);
}

function acquireResult(reply: Reply): LockAcquireResult {
  if (typeof reply === "string") {
    // "<token>|<E|S>|<acquiredAt>|<expiresAt>|<reentrant 1|0>"
    const a = reply.indexOf("|");
    const b = a + 2; // the mode is one letter
    const c = reply.indexOf("|", b + 1);
    const d = reply.indexOf("|", c + 1);
    return {
      granted: true,
      fencingToken: tokenOf(reply.slice(0, a)),
      mode: reply.charCodeAt(a + 1) === 83 /* S */ ? "SHARED" : "EXCLUSIVE",
      acquiredAt: new Date(Number(reply.slice(b + 1, c))),
      expiresAt: new Date(Number(reply.slice(c + 1, d))),
      reentrant: reply.charCodeAt(d + 1) === 49 /* 1 */,
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

/** The contention field: "<grants that waited>|<total wait ms>|<max wait ms>" (see lua/lock-state.lua). */
function numbers(value: string | null | undefined): number[] {
  return value ? value.split("|").map((part) => Number(part) || 0) : [];
}

/** meta: key expiry, last token, acquisitions, releases, total and max hold ms (struct.pack('>Bdddddd', 1, …), see lua/lock-state.lua). */
function metaNumbers(value: Buffer | null | undefined): number[] {
  if (!value || value.length !== META_LENGTH || value[0] !== META_VERSION) return [];
  const out: number[] = [];
  for (let offset = 1; offset < META_LENGTH; offset += 8) out.push(value.readDoubleBE(offset));
  return out;
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

function parseRevocation(message: string): LockRevocation | null {
  try {
    const data = JSON.parse(message) as { scope?: unknown; resource?: unknown; holderId?: unknown; token?: unknown; reason?: unknown };
    if (typeof data.scope !== "string" || !isScope(data.scope) || typeof data.resource !== "string" || typeof data.holderId !== "string") return null;
    if (typeof data.token !== "string" || !/^\d+$/.test(data.token)) return null;
    return { key: { scope: data.scope, resource: data.resource }, holderId: data.holderId, fencingToken: BigInt(data.token), reason: typeof data.reason === "string" ? data.reason : null };
  } catch {
    return null;
  }
}

/**
 * Opens the store on `client` (used as is, left open) or on a client of its
 * own for `connection` (or `url`), and checks that Redis answers: an
 * unreachable server is an AppError UNAVAILABLE within the connect or command
 * timeout, not a hang.
 */
export async function openRedisLockStore(options: RedisLockStoreOptions = {}): Promise<RedisLockStore> {
  if (options.client) {
    const store = new RedisLockStore(options.client, { prefix: options.prefix, owned: false });
    await store.ping();
    return store;
  }
  const connection = options.connection ?? { kind: "standalone", url: options.url ?? DEFAULT_URL };
  // No ioredis commandTimeout: the store keeps the limit itself, without a timer per command.
  const client = createRedisClient(connection, { autoPipelining: options.autoPipelining ?? false });
  const store = new RedisLockStore(client, {
    prefix: options.prefix,
    owned: true,
    commandTimeoutMs: options.commandTimeoutMs ?? 5_000,
    // A Cluster client knows its nodes only once connected: name the configured seeds.
    where: connection.kind === "standalone" ? undefined : describeRedisConnection(connection),
  });
  try {
    await store.ping();
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return store;
}
