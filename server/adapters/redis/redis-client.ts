import "server-only";
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";

// The one place that turns the Redis configuration (server/env.ts: REDIS_URL,
// REDIS_SENTINELS or REDIS_CLUSTER_NODES) into an ioredis client, for the lock
// store and the sign-in throttle store alike. What each topology guarantees
// for locks, and what it does not, is docs/locks-redis-ha.md.
//
// Every client fails a command rather than keeping it for ever: one
// reconnection attempt per command (maxRetriesPerRequest), a short connect
// timeout, and either ioredis's commandTimeout or the caller's own limit (the
// lock store keeps one itself, see RedisLockStore.watch). That matters most
// while a Sentinel failover is under way: until the Sentinels name the new
// primary, the client is sent back to the dead one, and each command fails
// with an error the stores report as UNAVAILABLE.

export interface RedisHostPort {
  host: string;
  port: number;
}

/** Where Redis is, as configured (server/env.ts builds it; docs/locks-redis-ha.md#configuration). */
export type RedisConnectionConfig =
  | { kind: "standalone"; url: string }
  | {
      kind: "sentinel";
      /** The Sentinels to ask for the primary, tried in order. */
      sentinels: RedisHostPort[];
      /** The master group name (`sentinel monitor <name> …`). */
      name: string;
      /** AUTH for the Sentinels themselves. */
      sentinelPassword?: string;
      /** AUTH for the data nodes (primary and replicas). */
      username?: string;
      password?: string;
    }
  | {
      kind: "cluster";
      /** Seed nodes; the client learns the rest of the Cluster from them. */
      nodes: RedisHostPort[];
      username?: string;
      password?: string;
    };

export interface RedisClientSettings {
  /** ioredis's auto-pipelining (default false; see RedisLockStoreOptions.autoPipelining). */
  autoPipelining?: boolean;
  /**
   * ioredis's per-command timeout (a timer per command). Left unset by the
   * lock store, which enforces its own; every other caller should set it.
   */
  commandTimeoutMs?: number;
  /** Connecting to a node, and asking a Sentinel, gives up after this (default 2 s). */
  connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;

/**
 * Reconnection delays of a one-node or Sentinel client: doubling from 50 ms
 * but never above 1 s (plus up to 100 ms of jitter), where ioredis's default
 * grows to 5 s. A lock client should be back within a second of its server
 * (or of the promoted replica), not seconds later.
 */
const reconnectDelay = (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 5), 1_000) + Math.floor(Math.random() * 100);

/** host:port, with an IPv6 address in brackets. */
const hostPort = (node: RedisHostPort) => (node.host.includes(":") ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`);

/** Where a configuration points, for messages (never the password). */
export function describeRedisConnection(config: RedisConnectionConfig): string {
  switch (config.kind) {
    case "standalone": {
      try {
        const url = new URL(config.url);
        return `${url.hostname || "127.0.0.1"}:${url.port || "6379"}`;
      } catch {
        return "redis";
      }
    }
    case "sentinel":
      return `Sentinel master "${config.name}" via ${config.sentinels.map(hostPort).join(",")}`;
    case "cluster":
      return `Cluster ${config.nodes.map(hostPort).join(",")}`;
  }
}

/**
 * A new, not yet connected (lazyConnect) client for `config`: connect it,
 * or send it a command, to start. The caller owns it (quit or disconnect).
 */
export function createRedisClient(config: RedisConnectionConfig, settings: RedisClientSettings = {}): Redis | Cluster {
  const connectTimeout = settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const perNode: RedisOptions = {
    // A command fails after one reconnection attempt instead of waiting in the offline queue for ever.
    maxRetriesPerRequest: 1,
    connectTimeout,
    ...(settings.commandTimeoutMs !== undefined ? { commandTimeout: settings.commandTimeoutMs } : {}),
  };
  switch (config.kind) {
    case "standalone":
      return new Redis(config.url, { ...perNode, retryStrategy: reconnectDelay, enableAutoPipelining: settings.autoPipelining ?? false, lazyConnect: true });
    case "sentinel":
      return new Redis({
        ...perNode,
        retryStrategy: reconnectDelay,
        enableAutoPipelining: settings.autoPipelining ?? false,
        lazyConnect: true,
        sentinels: config.sentinels.map(({ host, port }) => ({ host, port })),
        name: config.name,
        ...(config.sentinelPassword !== undefined ? { sentinelPassword: config.sentinelPassword } : {}),
        ...(config.username !== undefined ? { username: config.username } : {}),
        ...(config.password !== undefined ? { password: config.password } : {}),
        // A Sentinel that does not answer is skipped for the next one.
        sentinelCommandTimeout: connectTimeout,
        // ioredis checks on every connection that the node it was sent to is
        // the primary (INFO role), and asks the Sentinels again when it is not.
        // Two more ways to hear of a failover while the old primary still
        // answers (a partition, a manual SENTINEL FAILOVER): the Sentinels'
        // +switch-master message, and a write refused with READONLY (this node
        // was demoted); either makes the client reconnect through the
        // Sentinels. The refused command itself still fails (UNAVAILABLE):
        // resending a lock script on its own is the caller's decision.
        failoverDetector: true,
        reconnectOnError: (error) => /^READONLY\b/.test(error.message),
      });
    case "cluster": {
      const options: ClusterOptions = {
        enableAutoPipelining: settings.autoPipelining ?? false,
        lazyConnect: true,
        redisOptions: {
          ...perNode,
          ...(config.username !== undefined ? { username: config.username } : {}),
          ...(config.password !== undefined ? { password: config.password } : {}),
        },
        slotsRefreshTimeout: connectTimeout,
      };
      return new Cluster(
        config.nodes.map(({ host, port }) => ({ host, port })),
        options,
      );
    }
  }
}
