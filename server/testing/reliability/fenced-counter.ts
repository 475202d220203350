// The resource the reliability suite protects with locks: one counter per
// resource, kept in Redis the way a storage service that understands fencing
// tokens would keep it (Kleppmann, "How to do distributed locking"). Every read
// and write carries the caller's fencing token; the service remembers the
// highest token it has seen per resource and refuses anything older. So a
// holder that lost its lock without noticing (paused, partitioned, its lock
// store restarted) cannot overwrite the work of the one that came after it,
// and every such refusal is counted, so a test can tell "the lock worked"
// (no refusals) from "the lock failed but fencing caught it" (refusals) from
// "an update was lost" (final value below the accepted writes).
//
// Deliberately independent of the lock store: it lives on the machine's main
// Redis, even when the lock store is a throwaway redis-server that a test kills.
import { Redis } from "ioredis";

export const DEFAULT_COUNTER_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

// Tokens are decimal strings of non-negative integers (bigints on the client).
// Redis tokens are microseconds since the epoch (~1.7e15) and Postgres ones are
// small, both below 2^53 where Lua's doubles are exact; past 15 digits the
// comparison switches to zero-padded strings, which orders any length exactly.
const LESS = `
local function less(a, b)
  if #a <= 15 and #b <= 15 then return tonumber(a) < tonumber(b) end
  local width = math.max(#a, #b)
  return string.rep('0', width - #a) .. a < string.rep('0', width - #b) .. b
end
`;

/** KEYS: counter hash, global refusal counter. ARGV: token. Returns {1, value} or {0, highest}. */
const READ = `${LESS}
local token = ARGV[1]
local highest = redis.call('HGET', KEYS[1], 'highest')
if highest and less(token, highest) then
  redis.call('HINCRBY', KEYS[1], 'refusedReads', 1)
  redis.call('INCR', KEYS[2])
  return {0, highest}
end
if not highest or less(highest, token) then redis.call('HSET', KEYS[1], 'highest', token) end
return {1, redis.call('HGET', KEYS[1], 'value') or '0'}
`;

/** KEYS: counter hash, global refusal counter. ARGV: token, new value, writer. Returns {1, token} or {0, highest}. */
const WRITE = `${LESS}
local token = ARGV[1]
local highest = redis.call('HGET', KEYS[1], 'highest')
if highest and less(token, highest) then
  redis.call('HINCRBY', KEYS[1], 'refusedWrites', 1)
  redis.call('INCR', KEYS[2])
  return {0, highest}
end
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'highest', token, 'lastWriter', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'accepted', 1)
return {1, token}
`;

export type FencedRead = { ok: true; value: number } | { ok: false; highest: bigint };
export type FencedWrite = { ok: true } | { ok: false; highest: bigint };

export interface CounterState {
  value: number;
  /** Highest token seen (null: never touched). */
  highest: bigint | null;
  accepted: number;
  refusedReads: number;
  refusedWrites: number;
  lastWriter: string | null;
}

type ScriptReply = [number, string];
type CounterClient = Redis & {
  fencedRead(hash: string, refusals: string, token: string): Promise<ScriptReply>;
  fencedWrite(hash: string, refusals: string, token: string, value: string, writer: string): Promise<ScriptReply>;
};

function tokenText(token: bigint): string {
  if (token < 0n) throw new Error(`fencing tokens are non-negative, got ${token}`);
  return token.toString();
}

export class FencedCounter {
  private constructor(
    private readonly client: CounterClient,
    /** Every key of this counter starts with it; cleanup() removes them all. */
    readonly prefix: string,
  ) {}

  static async open(options: { url?: string; prefix: string }): Promise<FencedCounter> {
    const client = new Redis(options.url ?? DEFAULT_COUNTER_URL, { maxRetriesPerRequest: 2, lazyConnect: true }) as CounterClient;
    // Without a listener, a connection error event would be an uncaught exception in the worker.
    client.on("error", () => {});
    client.defineCommand("fencedRead", { numberOfKeys: 2, lua: READ });
    client.defineCommand("fencedWrite", { numberOfKeys: 2, lua: WRITE });
    await client.connect();
    return new FencedCounter(client, options.prefix);
  }

  private hashOf(resource: string): string {
    return `${this.prefix}counter:${resource}`;
  }

  private get refusalsKey(): string {
    return `${this.prefix}refusals`;
  }

  /** Reads the value; refused (and counted) when a higher token has been seen. */
  async read(resource: string, token: bigint): Promise<FencedRead> {
    const [ok, text] = await this.client.fencedRead(this.hashOf(resource), this.refusalsKey, tokenText(token));
    return ok === 1 ? { ok: true, value: Number(text) } : { ok: false, highest: BigInt(text) };
  }

  /** Stores `value`; refused (and counted) when a higher token has been seen. */
  async write(resource: string, token: bigint, value: number, writer: string): Promise<FencedWrite> {
    const [ok, text] = await this.client.fencedWrite(this.hashOf(resource), this.refusalsKey, tokenText(token), String(value), writer);
    return ok === 1 ? { ok: true } : { ok: false, highest: BigInt(text) };
  }

  async state(resource: string): Promise<CounterState> {
    const h = await this.client.hgetall(this.hashOf(resource));
    return {
      value: Number(h.value ?? 0),
      highest: h.highest === undefined ? null : BigInt(h.highest),
      accepted: Number(h.accepted ?? 0),
      refusedReads: Number(h.refusedReads ?? 0),
      refusedWrites: Number(h.refusedWrites ?? 0),
      lastWriter: h.lastWriter ?? null,
    };
  }

  /** Refusals of every resource under this prefix. */
  async refusals(): Promise<number> {
    return Number((await this.client.get(this.refusalsKey)) ?? 0);
  }

  /** Deletes every key under the prefix (the suite's cleanup). */
  async cleanup(): Promise<number> {
    return deleteKeysWithPrefix(this.client, this.prefix);
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

/** SCAN + UNLINK of `prefix*`; the prefix is escaped so it matches literally. */
export async function deleteKeysWithPrefix(client: Redis, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1_000);
    if (keys.length) deleted += await client.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
  return deleted;
}
