import "server-only";
import path from "node:path";
import { z } from "zod";
import { parseGroupMapping, parseGroupRoles } from "./core/identity/oidc-group-mapping";
import { parsePrometheusDuration } from "./core/graph-sources/traces/service-graph-query";
import type { RedisConnectionConfig, RedisHostPort } from "./adapters/redis/redis-client";
import { parseEtcdEndpoints, type EtcdConnectionConfig } from "./adapters/etcd/etcd-config";

// Configuration, validated once at start-up. A bad value stops the process with
// a message naming the variable and what is wrong with it; values are never
// echoed, because DATABASE_URL carries a password.

const booleanString = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const postgresUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "is not a valid URL (expected postgresql://user:password@host:5432/database)" });
    return;
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    ctx.addIssue({ code: "custom", message: `must use the postgres:// or postgresql:// scheme, not ${url.protocol}//` });
  } else if (!url.hostname) {
    ctx.addIssue({ code: "custom", message: "has no host name" });
  } else if (url.pathname.length <= 1) {
    ctx.addIssue({ code: "custom", message: "names no database (expected …/database at the end)" });
  }
});

/**
 * "host:port,host:port" (an IPv6 address in brackets: [::1]:26379) as nodes,
 * or the problem with it: which entry, never its text.
 */
export function parseRedisNodes(value: string): { nodes: RedisHostPort[]; problem: string | null } {
  const entries = value.split(",").map((entry) => entry.trim());
  const nodes: RedisHostPort[] = [];
  for (const [i, entry] of entries.entries()) {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535) {
      const where = entries.length > 1 ? `entry ${i + 1} of ${entries.length}` : "the value";
      return { nodes: [], problem: `must be comma-separated host:port pairs (e.g. 10.0.0.5:26379,10.0.0.6:26379 or [::1]:26379); ${where} is not host:port with a port from 1 to 65535` };
    }
    nodes.push({ host: m[1] ?? m[2]!, port });
  }
  return { nodes, problem: null };
}

const redisNodeList = z
  .string()
  .max(10_000, "must be at most 10000 characters")
  .superRefine((value, ctx) => {
    const { problem } = parseRedisNodes(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** Neo4j is optional: without NEO4J_URI the dependency graph lives in the store's own tables. */
export const NEO4J_ENV_FIELDS = {
  NEO4J_URI: z
    .string()
    .regex(/^(neo4j|neo4j\+s|neo4j\+ssc|bolt|bolt\+s|bolt\+ssc):\/\/[^\s]+$/, "must be a neo4j:// or bolt:// URL (e.g. bolt://localhost:7687)")
    .optional(),
  NEO4J_USER: z.string().min(1, "must not be empty").default("neo4j"),
  NEO4J_PASSWORD: z.string().default(""),
  NEO4J_DATABASE: z.string().min(1, "must not be empty").optional(),
};

/**
 * A Prometheus range duration ("5m", "1h", "30d", "1h30m"): units ms, s, m,
 * h, d, w, y, largest first, and not zero.
 */
export const ZPrometheusDuration = z.string().superRefine((value, ctx) => {
  if (!/^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/.test(value) || value === "") {
    ctx.addIssue({ code: "custom", message: "must be a Prometheus duration such as 1h, 30d or 1h30m (units ms, s, m, h, d, w, y, largest first)" });
  } else if (!/[1-9]/.test(value)) {
    ctx.addIssue({ code: "custom", message: "must be longer than zero" });
  }
});

/** The window the ERROR_BUDGET gate's default Prometheus query measures over (docs/gates.md). */
export const ERROR_BUDGET_ENV_FIELDS = {
  ERROR_BUDGET_WINDOW: ZPrometheusDuration.default("1h"),
};

/**
 * The graph's sources (docs/graph-sources.md#configuration). Durations are
 * Prometheus durations (7d, 5m, 1h30m); GRAPH_REFRESH_INTERVAL=0 refreshes
 * only on an admin's request.
 */
export const GRAPH_SOURCES_ENV_FIELDS = {
  GRAPH_CATALOG_PATHS: z
    .string()
    .max(10_000, "must be at most 10000 characters")
    .refine((v) => v.split(",").some((p) => p.trim() !== ""), "must be comma-separated Backstage catalog files or directories")
    .optional(),
  GRAPH_TRACES_PROMETHEUS_URL: z
    .string()
    .refine((v) => {
      try {
        const url = new URL(v);
        return (url.protocol === "http:" || url.protocol === "https:") && !url.search && !url.hash;
      } catch {
        return false;
      }
    }, "must be Prometheus's http:// or https:// base URL without a query string (e.g. http://prometheus:9090)")
    .optional(),
  GRAPH_TRACES_WINDOW: ZPrometheusDuration.default("1h"),
  GRAPH_TRACES_MIN_REQUESTS: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(1_000_000_000, "must be at most 1000000000").default(10),
  GRAPH_OBSERVED_AGE_OUT: ZPrometheusDuration.default("7d"),
  GRAPH_REFRESH_INTERVAL: z
    .string()
    .refine((v) => v === "0" || (parsePrometheusDuration(v) ?? 0) >= 10_000, "must be 0 (only on request) or a Prometheus duration of at least 10s, such as 5m or 1h")
    .default("5m"),
  GRAPH_REMOVALS: z.enum(["review", "auto"], { message: "must be review or auto" }).default("review"),
};

/** A duration of GRAPH_SOURCES_ENV_FIELDS in milliseconds ("0" is 0). */
export function graphDurationMs(value: string): number {
  return value === "0" ? 0 : (parsePrometheusDuration(value) ?? 0);
}

export const ZEnvSchema = z.object({
  ...ERROR_BUDGET_ENV_FIELDS,
  ...GRAPH_SOURCES_ENV_FIELDS,
  ...NEO4J_ENV_FIELDS,
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: postgresUrl.optional(),
  // Migrations run as this (owner) role; the server then connects with DATABASE_URL, a runtime role that cannot rewrite the audit chain (docs/security.md).
  DATABASE_MIGRATION_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(200, "must be at most 200").default(10),
  INTERLOCK_DATA_DIR: z.string().min(1, "must not be empty").default(".data"),
  // The demo topology and the console's demo: on by default only on the embedded store (defaults in parseEnv; docs/security.md#the-demo-on-a-real-deployment).
  INTERLOCK_SEED_DEMO: booleanString.optional(),
  INTERLOCK_DEMO: booleanString.optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { message: "must be one of fatal, error, warn, info, debug, trace, silent" }).default("info"),
  PORT: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be between 1 and 65535").max(65535, "must be between 1 and 65535").default(3000),
  // Loopback unless asked: the embedded store's demo users have published passwords. HOST=0.0.0.0 serves other machines.
  HOST: z.string().min(1, "must not be empty").default("127.0.0.1"),
  AUDIT_SIGNING_KEY: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_FILE: z.string().min(1, "must not be empty").optional(),
  AUDIT_CHECKPOINT_EVERY: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").default(1000),
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number({ message: "must be a number" }).min(1, "must be at least 1").default(60),
  // A process signs its own events no later than this after the first unsigned one (docs/spec/audit.md#checkpoints).
  AUDIT_CHECKPOINT_DELAY_SECONDS: z.coerce.number({ message: "must be a number" }).min(0.1, "must be at least 0.1").max(3_600, "must be at most 3600").default(5),
  // How often the whole chain is verified in the background (the hash_chain_valid metric); 0 turns it off.
  AUDIT_VERIFY_INTERVAL_MINUTES: z.coerce.number({ message: "must be a number" }).min(0, "must be 0 or more").max(10_080, "must be at most 10080").default(60),
  // Locks (docs/specification.md#locks): Redis when REDIS_URL is set, else lease rows in the store.
  REDIS_URL: z.string().regex(/^rediss?:\/\/[^\s]*$/, "must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)").optional(),
  // Or a primary that Sentinels fail over, or a Redis Cluster (docs/locks-redis-ha.md#configuration): at most one of
  // REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES (checked in redisLocksFrom below).
  REDIS_SENTINELS: redisNodeList.optional(),
  REDIS_SENTINEL_NAME: z.string().max(200, "must be at most 200 characters").regex(/^\S+$/, "must be the master group's name, without spaces").optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  REDIS_CLUSTER_NODES: redisNodeList.optional(),
  // AUTH for the data nodes behind REDIS_SENTINELS or REDIS_CLUSTER_NODES (REDIS_URL carries its own).
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  LOCK_KEY_PREFIX: z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").default("interlock:lock:"),
  // Which lock backend (docs/locks-etcd.md#configuration): auto is Redis when a Redis variable is set, else the store's lease rows.
  LOCK_BACKEND: z.enum(["auto", "redis", "etcd", "postgres"], { message: "must be one of auto, redis, etcd, postgres" }).default("auto"),
  ETCD_ENDPOINTS: z
    .string()
    .max(10_000, "must be at most 10000 characters")
    .superRefine((value, ctx) => {
      const { problem } = parseEtcdEndpoints(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  ETCD_USERNAME: z.string().optional(),
  ETCD_PASSWORD: z.string().optional(),
  ETCD_CA_FILE: z.string().optional(),
  ETCD_CERT_FILE: z.string().optional(),
  ETCD_KEY_FILE: z.string().optional(),
  LOCK_DEFAULT_TTL_SECONDS: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(86_400, "must be at most 86400").default(300),
  LOCK_WAIT_TIMEOUT_SECONDS: z.coerce.number({ message: "must be a number" }).min(0, "must be 0 or more").max(3_600, "must be at most 3600").default(30),
  LOCK_STALE_AFTER_SECONDS: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").default(600),
  // The orchestrator (docs/lifecycle.md). PROMETHEUS_* and EXECUTOR_WEBHOOK_* are validated by their adapters at start-up.
  ORCHESTRATOR_WORKER: booleanString.default(true),
  ORCHESTRATOR_CONCURRENCY: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(1024, "must be at most 1024").default(64),
  ORCHESTRATOR_CLAIM_SECONDS: z.coerce.number({ message: "must be a number" }).min(1, "must be at least 1").max(3_600, "must be at most 3600").default(30),
  ORCHESTRATOR_QUEUE_WAIT_MINUTES: z.coerce.number({ message: "must be a number" }).min(0.1, "must be at least 0.1").max(1_440, "must be at most 1440").default(30),
  // Commands the server runs for some operation types instead of their default executor (docs/runbooks.md);
  // the file itself is read and checked by its adapter at start-up.
  INTERLOCK_RUNBOOKS_FILE: z.string().min(1, "must not be empty").optional(),
  EXECUTOR_TIMEOUT_MINUTES: z.coerce.number({ message: "must be a number" }).min(0.1, "must be at least 0.1").max(1_440, "must be at most 1440").default(30),
  REVIEW_TIMEOUT_MINUTES: z.coerce.number({ message: "must be a number" }).min(1, "must be at least 1").max(43_200, "must be at most 43200").default(240),
  REVIEW_TIMEOUT_OUTCOME: z.enum(["reject", "keep_waiting", "escalate_only"], { message: "must be one of reject, keep_waiting, escalate_only" }).default("reject"),
  // Simulated waits (canary bake times) run this many times faster; 60 turns the canary's 5-minute bakes into 5 s.
  SIMULATION_TIME_SCALE: z.coerce.number({ message: "must be a number" }).min(1, "must be at least 1").max(100_000, "must be at most 100000").default(60),
  // Identity (docs/operations.md#keys-and-files). On the embedded store a secret is generated and kept in the data directory;
  // on a DATABASE_URL store AUTH_SECRET must be given (see productionProblems below).
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (e.g. openssl rand -base64 48)").optional(),
  AUTH_URL: z.url({ message: "must be the console's public URL, e.g. https://interlock.example.com" }).optional(),
  // Links in notifications point here (default: AUTH_URL, else http://localhost:PORT).
  CONSOLE_URL: z.url({ message: "must be the console's public URL, e.g. https://interlock.example.com" }).optional(),
  OIDC_ISSUER: z.url({ message: "must be the OIDC issuer URL" }).optional(),
  OIDC_CLIENT_ID: z.string().min(1, "must not be empty").optional(),
  OIDC_CLIENT_SECRET: z.string().min(1, "must not be empty").optional(),
  OIDC_DEFAULT_ROLE: z.enum(["VIEWER", "OPERATOR", "APPROVER", "ADMIN"], { message: "must be one of VIEWER, OPERATOR, APPROVER, ADMIN" }).default("VIEWER"),
  // Who gets an account on first OIDC sign-in (docs/security.md#identity-oidc); with neither list, OIDC creates no accounts.
  OIDC_ALLOWED_DOMAINS: z.string().max(10_000).refine((v) => v.split(",").every((d) => /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(d.trim())), "must be comma-separated email domains, e.g. example.com,corp.example.com").optional(),
  OIDC_ALLOWED_GROUPS: z.string().max(10_000).refine((v) => v.split(",").every((g) => g.trim().length > 0), "must be comma-separated group names, none empty").optional(),
  OIDC_GROUPS_CLAIM: z.string().trim().min(1, "must not be empty").max(200).default("groups"),
  // Roles and teams from the groups claim at every OIDC sign-in (docs/approvals.md#teams-from-oidc-groups): "sre-admins=ADMIN,sre=APPROVER", "payments-eng=payments".
  OIDC_GROUP_ROLES: z.string().max(10_000).refine((v) => parseGroupRoles(v).problems.length === 0, { message: "must be comma-separated group=ROLE pairs, e.g. sre-admins=ADMIN,sre=APPROVER" }).optional(),
  OIDC_GROUP_TEAMS: z.string().max(10_000).refine((v) => parseGroupMapping(v).problems.length === 0, { message: "must be comma-separated group=team pairs, e.g. payments-eng=payments" }).optional(),
  INTERLOCK_DEMO_USERS: booleanString.optional(),
  INTERLOCK_INSECURE_DEMO_USERS: booleanString.default(false),
  API_MAX_BODY_BYTES: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1024, "must be at least 1024").max(10_485_760, "must be at most 10485760").default(65_536),
  // A whole topology document (PUT /api/v1/graph, POST /api/v1/graph/diff): 10,000 services and 40,000 edges are ~4 MB of JSON.
  GRAPH_MAX_BODY_BYTES: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(65_536, "must be at least 65536").max(268_435_456, "must be at most 268435456").default(16_777_216),
  // Sign-in throttling (docs/security.md#sign-in-abuse): attempts per account and per client address in a minute.
  // The client address comes from X-Forwarded-For only behind TRUST_PROXY_HOPS trusted proxies; with 0 every client shares one count.
  SIGN_IN_ACCOUNT_LIMIT: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(10_000, "must be at most 10000").default(30),
  SIGN_IN_ADDRESS_LIMIT: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(100_000, "must be at most 100000").default(300),
  TRUST_PROXY_HOPS: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(0, "must be 0 or more").max(10, "must be at most 10").default(0),
  // API tokens expire (docs/security.md#offboarding-users-sessions-and-tokens): after the default unless the request asks for less or more, never after the maximum.
  API_TOKEN_DEFAULT_TTL_DAYS: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(3650, "must be at most 3650").default(90),
  API_TOKEN_MAX_TTL_DAYS: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(3650, "must be at most 3650").default(365),
});

/** Secrets that appear in documentation and examples: never accepted as real ones. */
export const PUBLISHED_SECRETS = new Set(["change-me-to-a-long-random-string-of-32-chars-or-more", "interlock-development-secret-do-not-use-in-production"]);

export type Env = z.infer<typeof ZEnvSchema> & {
  /** Where embedded PGlite keeps its files (only used when DATABASE_URL is unset). */
  pgliteDir: string;
  /** The JSONL file audit checkpoints are copied to, outside the database. */
  auditCheckpointFile: string;
  /** Where a generated audit signing key is kept when AUDIT_SIGNING_KEY is unset. */
  auditKeyFile: string;
  /** Where a generated AUTH_SECRET is kept on the embedded store. */
  authSecretFile: string;
  store: "postgres" | "pglite";
  /** Locks (and sign-in throttling) on Redis: REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES; null: in the store. */
  redisLocks: RedisConnectionConfig | null;
  /** The lock backend LOCK_BACKEND chose (auto resolved). */
  lockBackend: "redis" | "etcd" | "postgres";
  /** Where the etcd lock backend is, when LOCK_BACKEND=etcd. */
  etcdLocks: EtcdConnectionConfig | null;
  /** Seed the demo users (published passwords): on by default only on the embedded store. */
  demoUsers: boolean;
  /** Seed the 42 demo services on a store's first start: by default only on the embedded store. */
  INTERLOCK_SEED_DEMO: boolean;
  /** The console's demo and failure matrix (/api/v1/demo/*): by default only on the embedded store. */
  INTERLOCK_DEMO: boolean;
};

export class EnvError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses a set of variables; throws EnvError listing every bad one. Empty strings count as unset. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = ZEnvSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? "(environment)"), message: issue.message })));
  }
  const env = result.data;
  if (env.API_TOKEN_DEFAULT_TTL_DAYS > env.API_TOKEN_MAX_TTL_DAYS) {
    throw new EnvError([{ variable: "API_TOKEN_DEFAULT_TTL_DAYS", message: `must be at most API_TOKEN_MAX_TTL_DAYS (${env.API_TOKEN_MAX_TTL_DAYS})` }]);
  }
  const redisLocks = redisLocksFrom(env);
  const { lockBackend, etcdLocks } = lockBackendFrom(env, redisLocks);
  return {
    ...env,
    pgliteDir: path.resolve(env.INTERLOCK_DATA_DIR, "pglite"),
    auditCheckpointFile: path.resolve(env.AUDIT_CHECKPOINT_FILE ?? path.join(env.INTERLOCK_DATA_DIR, defaultCheckpointFileName(env.DATABASE_URL))),
    auditKeyFile: path.resolve(env.INTERLOCK_DATA_DIR, "audit-signing-key.pem"),
    authSecretFile: path.resolve(env.INTERLOCK_DATA_DIR, "auth-secret"),
    store: env.DATABASE_URL ? "postgres" : "pglite",
    redisLocks,
    lockBackend,
    etcdLocks,
    demoUsers: env.INTERLOCK_DEMO_USERS ?? !env.DATABASE_URL,
    INTERLOCK_SEED_DEMO: env.INTERLOCK_SEED_DEMO ?? !env.DATABASE_URL,
    INTERLOCK_DEMO: env.INTERLOCK_DEMO ?? !env.DATABASE_URL,
  };
}

/**
 * Where the Redis lock backend is (docs/locks-redis-ha.md#configuration): one
 * node, a Sentinel-managed primary, or a Cluster; at most one of them. Throws
 * EnvError listing every problem with the combination.
 */
function redisLocksFrom(env: z.infer<typeof ZEnvSchema>): RedisConnectionConfig | null {
  const problems: { variable: string; message: string }[] = [];
  const chosen = (["REDIS_URL", "REDIS_SENTINELS", "REDIS_CLUSTER_NODES"] as const).filter((name) => env[name] !== undefined);
  if (chosen.length > 1) {
    problems.push({ variable: chosen.join(", "), message: "are set together: set exactly one of REDIS_URL (one Redis), REDIS_SENTINELS (a primary that Sentinels fail over) or REDIS_CLUSTER_NODES (a Redis Cluster)" });
  }
  if (env.REDIS_SENTINELS !== undefined && env.REDIS_SENTINEL_NAME === undefined) {
    problems.push({ variable: "REDIS_SENTINEL_NAME", message: "is required with REDIS_SENTINELS: the master group name the Sentinels monitor (sentinel monitor <name> …)" });
  }
  for (const name of ["REDIS_SENTINEL_NAME", "REDIS_SENTINEL_PASSWORD"] as const) {
    if (env[name] !== undefined && env.REDIS_SENTINELS === undefined) problems.push({ variable: name, message: "is only used with REDIS_SENTINELS, which is not set" });
  }
  for (const name of ["REDIS_USERNAME", "REDIS_PASSWORD"] as const) {
    if (env[name] === undefined || env.REDIS_SENTINELS !== undefined || env.REDIS_CLUSTER_NODES !== undefined) continue;
    problems.push({
      variable: name,
      message: env.REDIS_URL !== undefined ? "is only used with REDIS_SENTINELS or REDIS_CLUSTER_NODES; put REDIS_URL's credentials in the URL (redis://user:password@host:6379)" : "is only used with REDIS_SENTINELS or REDIS_CLUSTER_NODES, neither of which is set",
    });
  }
  if (env.REDIS_USERNAME !== undefined && env.REDIS_PASSWORD === undefined) problems.push({ variable: "REDIS_USERNAME", message: "needs REDIS_PASSWORD (Redis ACL users sign in with both)" });
  if (problems.length) throw new EnvError(problems);
  const auth = { ...(env.REDIS_USERNAME !== undefined ? { username: env.REDIS_USERNAME } : {}), ...(env.REDIS_PASSWORD !== undefined ? { password: env.REDIS_PASSWORD } : {}) };
  if (env.REDIS_SENTINELS !== undefined) {
    return {
      kind: "sentinel",
      sentinels: parseRedisNodes(env.REDIS_SENTINELS).nodes,
      name: env.REDIS_SENTINEL_NAME!,
      ...(env.REDIS_SENTINEL_PASSWORD !== undefined ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}),
      ...auth,
    };
  }
  if (env.REDIS_CLUSTER_NODES !== undefined) return { kind: "cluster", nodes: parseRedisNodes(env.REDIS_CLUSTER_NODES).nodes, ...auth };
  return env.REDIS_URL !== undefined ? { kind: "standalone", url: env.REDIS_URL } : null;
}

/**
 * The lock backend LOCK_BACKEND names (docs/locks-etcd.md#configuration), auto
 * resolved, and etcd's settings. Throws EnvError listing every problem.
 */
function lockBackendFrom(env: z.infer<typeof ZEnvSchema>, redisLocks: RedisConnectionConfig | null): { lockBackend: Env["lockBackend"]; etcdLocks: EtcdConnectionConfig | null } {
  const problems: { variable: string; message: string }[] = [];
  const etcd = env.LOCK_BACKEND === "etcd";
  const etcdVariables = ["ETCD_ENDPOINTS", "ETCD_USERNAME", "ETCD_PASSWORD", "ETCD_CA_FILE", "ETCD_CERT_FILE", "ETCD_KEY_FILE"] as const;
  if (!etcd) {
    for (const name of etcdVariables) if (env[name] !== undefined) problems.push({ variable: name, message: `is only used with LOCK_BACKEND=etcd (LOCK_BACKEND is ${env.LOCK_BACKEND})` });
  } else {
    if (env.ETCD_ENDPOINTS === undefined) problems.push({ variable: "ETCD_ENDPOINTS", message: "is required with LOCK_BACKEND=etcd: the etcd members' client URLs, comma-separated (e.g. https://etcd-1:2379,https://etcd-2:2379)" });
    if ((env.ETCD_USERNAME === undefined) !== (env.ETCD_PASSWORD === undefined)) {
      problems.push({ variable: env.ETCD_USERNAME === undefined ? "ETCD_PASSWORD" : "ETCD_USERNAME", message: "needs both ETCD_USERNAME and ETCD_PASSWORD (etcd users sign in with both)" });
    }
    if ((env.ETCD_CERT_FILE === undefined) !== (env.ETCD_KEY_FILE === undefined)) {
      problems.push({ variable: env.ETCD_CERT_FILE === undefined ? "ETCD_KEY_FILE" : "ETCD_CERT_FILE", message: "needs both ETCD_CERT_FILE and ETCD_KEY_FILE (a client certificate and its key)" });
    }
    const tls = env.ETCD_CA_FILE !== undefined || env.ETCD_CERT_FILE !== undefined || env.ETCD_KEY_FILE !== undefined;
    if (tls && env.ETCD_ENDPOINTS !== undefined && !env.ETCD_ENDPOINTS.trim().startsWith("https://")) {
      problems.push({ variable: "ETCD_ENDPOINTS", message: "must be https:// URLs when ETCD_CA_FILE, ETCD_CERT_FILE or ETCD_KEY_FILE is set" });
    }
  }
  if (env.LOCK_BACKEND === "redis" && !redisLocks) problems.push({ variable: "LOCK_BACKEND", message: "is redis, but none of REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES is set" });
  if (problems.length) throw new EnvError(problems);
  const lockBackend = env.LOCK_BACKEND === "auto" ? (redisLocks ? "redis" : "postgres") : env.LOCK_BACKEND;
  if (!etcd) return { lockBackend, etcdLocks: null };
  return {
    lockBackend,
    etcdLocks: {
      endpoints: parseEtcdEndpoints(env.ETCD_ENDPOINTS!).endpoints,
      ...(env.ETCD_USERNAME !== undefined ? { username: env.ETCD_USERNAME, password: env.ETCD_PASSWORD } : {}),
      ...(env.ETCD_CA_FILE !== undefined ? { caFile: env.ETCD_CA_FILE } : {}),
      ...(env.ETCD_CERT_FILE !== undefined ? { certFile: env.ETCD_CERT_FILE } : {}),
      ...(env.ETCD_KEY_FILE !== undefined ? { keyFile: env.ETCD_KEY_FILE } : {}),
    },
  };
}

/**
 * A store on DATABASE_URL is a real deployment: the server refuses to start
 * with a secret anyone could know (command-line tools, which sign no sessions,
 * are not held to this). The embedded store is a single-machine demo and
 * generates its own secret.
 */
export function assertSafeToServe(env: Env): void {
  const problems = productionProblems(env);
  if (problems.length) throw new EnvError(problems);
}

/**
 * Whether HOST keeps the server to this machine: localhost, 127.0.0.0/8 or ::1.
 * 0.0.0.0, :: and any other address serve other machines.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function productionProblems(env: Env): { variable: string; message: string }[] {
  const exposed = exposedDemoUsersProblem(env);
  if (!env.DATABASE_URL) return exposed ? [exposed] : [];
  const problems: { variable: string; message: string }[] = exposed ? [exposed] : [];
  if (!env.AUTH_SECRET) problems.push({ variable: "AUTH_SECRET", message: "is required when DATABASE_URL is set (sessions are signed with it); generate one with: openssl rand -base64 48" });
  else if (PUBLISHED_SECRETS.has(env.AUTH_SECRET)) problems.push({ variable: "AUTH_SECRET", message: "is the example value from the documentation; generate your own with: openssl rand -base64 48" });
  // Sessions ride in cookies: on a real deployment they must be Secure, which next-auth decides from this URL's
  // scheme (never from a client's X-Forwarded-Proto once AUTH_URL is set). http:// only for this machine (docs/security.md#defaults-that-keep-a-fresh-install-safe).
  if (!env.AUTH_URL) problems.push({ variable: "AUTH_URL", message: "is required when DATABASE_URL is set: the console's public https:// URL (e.g. https://interlock.example.com), so session cookies are Secure and sign-in redirects go only there" });
  else if (new URL(env.AUTH_URL).protocol !== "https:" && !isLoopbackHost(new URL(env.AUTH_URL).hostname)) {
    problems.push({ variable: "AUTH_URL", message: "must be an https:// URL when DATABASE_URL is set (session cookies would travel unencrypted); http:// is accepted only for localhost, 127.0.0.0/8 and ::1" });
  }
  if (env.INTERLOCK_DEMO_USERS && !env.INTERLOCK_INSECURE_DEMO_USERS) {
    problems.push({ variable: "INTERLOCK_DEMO_USERS", message: "would create users whose passwords are published in the README; create real users with npm run user:create (or set INTERLOCK_INSECURE_DEMO_USERS=true for a throwaway test database)" });
  }
  if ((env.OIDC_ISSUER || env.OIDC_CLIENT_ID || env.OIDC_CLIENT_SECRET) && !(env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET)) {
    problems.push({ variable: "OIDC_ISSUER", message: "OIDC needs all of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET" });
  }
  return problems;
}

/**
 * The demo users' passwords are in the README: a server that has them and
 * listens beyond loopback would let anyone on the network sign in as admin.
 * Refused unless INTERLOCK_INSECURE_DEMO_USERS accepts it (a throwaway demo).
 */
function exposedDemoUsersProblem(env: Env): { variable: string; message: string } | null {
  if (!env.demoUsers || isLoopbackHost(env.HOST) || env.INTERLOCK_INSECURE_DEMO_USERS) return null;
  return {
    variable: "HOST",
    message:
      "serves other machines, and this store has the demo users whose passwords are published in the README; keep HOST at 127.0.0.1, " +
      "or set INTERLOCK_DEMO_USERS=false and create real users with npm run user:create (it does not remove demo users an earlier start created), " +
      "or set INTERLOCK_INSECURE_DEMO_USERS=true to serve a throwaway demo to your network anyway",
  };
}

/**
 * One checkpoint file per store, named from the configuration (never from
 * anything in the database, which an attacker could change): checkpoints of one
 * database must never be checked against another's chain, as happens when the
 * same checkout runs on the embedded store and then on a DATABASE_URL.
 */
function defaultCheckpointFileName(databaseUrl: string | undefined): string {
  if (!databaseUrl) return "audit-checkpoints.jsonl";
  const url = new URL(databaseUrl);
  const slug = `${url.hostname}-${url.port || "5432"}-${url.pathname.slice(1)}`.replace(/[^A-Za-z0-9._-]/g, "_");
  return `audit-checkpoints-${slug}.jsonl`;
}

let cached: Env | undefined;

/** The process's configuration, parsed on first use. */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
