import "server-only";
import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import { AppError } from "../../core/errors";
import type { SignInThrottleStore, ThrottleCounter } from "../../core/identity/sign-in-throttle";
import { createRedisClient, describeRedisConnection, type RedisConnectionConfig } from "./redis-client";

// Sign-in throttle counters on Redis (when Redis is configured: REDIS_URL,
// REDIS_SENTINELS or REDIS_CLUSTER_NODES): one hash per key,
//   <prefix>signin:<sha256 of the key>  {a: attempts, s: strikes, b: blocked until, e: expires at (epoch ms)}
// expiring at the time the caller's clock sets (PEXPIREAT), the clock that
// decides blocks too. Each operation is one Lua script, so replicas sharing the Redis
// count every attempt once and exactly one of them sets a block. The key is
// hashed: Redis never holds what was typed into the email field
// (docs/security.md#sign-in-abuse). Every script and command touches that one
// key, so each runs on a Redis Cluster as it does on one node (one slot).

// ARGV: now, expire-at (now + window). A key past its expiry by the caller's
// clock starts over even if Redis has not removed it yet, as in the table store.
const HIT = `
local now = tonumber(ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 or tonumber(redis.call('HGET', KEYS[1], 'e') or '0') <= now then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'a', 1, 's', 0, 'b', 0, 'e', ARGV[2])
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
  return {1, 0, 0}
end
local blocked = tonumber(redis.call('HGET', KEYS[1], 'b') or '0')
local attempts
if blocked > now then
  attempts = tonumber(redis.call('HGET', KEYS[1], 'a') or '0')
else
  attempts = redis.call('HINCRBY', KEYS[1], 'a', 1)
end
return {attempts, tonumber(redis.call('HGET', KEYS[1], 's') or '0'), blocked}
`;

// ARGV: now, blocked until, attempts after, keep until. Only if not blocked at `now`.
const BLOCK = `
local now = tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', KEYS[1], 'b') or '0')
if blocked > now then return 0 end
local keep = tonumber(ARGV[4])
local expires = tonumber(redis.call('HGET', KEYS[1], 'e') or '0')
if expires > keep then keep = expires end
redis.call('HSET', KEYS[1], 'b', ARGV[2], 'a', ARGV[3], 'e', keep)
redis.call('HINCRBY', KEYS[1], 's', 1)
redis.call('PEXPIREAT', KEYS[1], keep)
return 1
`;

interface ThrottleCommands {
  signInThrottleHit(key: string, nowMs: string, expireAtMs: string): Promise<[number, number, number]>;
  signInThrottleBlock(key: string, nowMs: string, untilMs: string, attemptsAfter: string, keepUntilMs: string): Promise<number>;
}

/** How long a command may take (also while a Cluster client has not found its nodes, where ioredis's commandTimeout does not yet run). */
const COMMAND_TIMEOUT_MS = 2_000;

export class RedisSignInThrottleStore implements SignInThrottleStore {
  readonly backend = "redis" as const;
  private readonly client: (Redis | Cluster) & ThrottleCommands;

  constructor(
    client: Redis | Cluster,
    private readonly prefix: string,
    private readonly owned: boolean,
    /** Where Redis is, for messages. */
    private readonly where = "Redis",
  ) {
    client.defineCommand("signInThrottleHit", { numberOfKeys: 1, lua: HIT });
    client.defineCommand("signInThrottleBlock", { numberOfKeys: 1, lua: BLOCK });
    this.client = client as (Redis | Cluster) & ThrottleCommands;
  }

  private redisKey(key: string): string {
    return `${this.prefix}signin:${createHash("sha256").update(key).digest("hex")}`;
  }

  async hit(key: string, nowMs: number, windowMs: number): Promise<ThrottleCounter> {
    const [attempts, strikes, blocked] = await this.call(this.client.signInThrottleHit(this.redisKey(key), String(nowMs), String(nowMs + windowMs)));
    return { attempts: Number(attempts), strikes: Number(strikes), blockedUntilMs: Number(blocked) > 0 ? Number(blocked) : null };
  }

  async block(key: string, nowMs: number, block: { untilMs: number; attemptsAfter: number; keepUntilMs: number }): Promise<boolean> {
    const set = await this.call(this.client.signInThrottleBlock(this.redisKey(key), String(nowMs), String(block.untilMs), String(block.attemptsAfter), String(block.keepUntilMs)));
    return Number(set) === 1;
  }

  async clear(key: string): Promise<void> {
    await this.call(this.client.del(this.redisKey(key)));
  }

  async purgeExpired(): Promise<number> {
    return 0; // Redis expires the keys itself.
  }

  async close(): Promise<void> {
    if (this.owned) this.client.disconnect();
  }

  private async call<T>(command: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("Command timed out")), COMMAND_TIMEOUT_MS);
    });
    try {
      return await Promise.race([command, timeout]);
    } catch (error) {
      throw new AppError("UNAVAILABLE", `Redis (${this.where}) does not answer: sign-in attempts cannot be counted.`, { backend: "redis", at: this.where }, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A store on its own connection to `connection` (REDIS_URL, REDIS_SENTINELS or
 * REDIS_CLUSTER_NODES; or to `url`), keys under `prefix`, the lock store's LOCK_KEY_PREFIX.
 */
export function openRedisSignInThrottleStore(options: ({ url: string } | { connection: RedisConnectionConfig }) & { prefix: string }): RedisSignInThrottleStore {
  const connection: RedisConnectionConfig = "connection" in options ? options.connection : { kind: "standalone", url: options.url };
  const client = createRedisClient(connection, { commandTimeoutMs: COMMAND_TIMEOUT_MS });
  client.on("error", () => {}); // reported by the command that fails
  return new RedisSignInThrottleStore(client, options.prefix, true, describeRedisConnection(connection));
}
