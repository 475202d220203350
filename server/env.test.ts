import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertSafeToServe, EnvError, isLoopbackHost, parseEnv } from "./env";

function problemsOf(source: Record<string, string>): { variable: string; message: string }[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

describe("parseEnv", () => {
  it("defaults to the embedded store under .data/pglite", () => {
    const env = parseEnv({});
    expect(env.store).toBe("pglite");
    expect(env.pgliteDir).toBe(path.resolve(".data", "pglite"));
    expect(env.PORT).toBe(3000);
    expect(env.INTERLOCK_SEED_DEMO).toBe(true);
  });

  it("uses Postgres when DATABASE_URL is set, and treats an empty value as unset", () => {
    expect(parseEnv({ DATABASE_URL: "postgresql://u:p@db.internal:5432/interlock" }).store).toBe("postgres");
    expect(parseEnv({ DATABASE_URL: "" }).store).toBe("pglite");
  });

  it("seeds the demo topology and serves the console's demo only on the embedded store unless told (docs/security.md#the-demo-on-a-real-deployment)", () => {
    const embedded = parseEnv({});
    expect([embedded.INTERLOCK_SEED_DEMO, embedded.INTERLOCK_DEMO]).toEqual([true, true]);
    const real = parseEnv({ DATABASE_URL: "postgresql://u:p@db.internal:5432/interlock" });
    expect([real.INTERLOCK_SEED_DEMO, real.INTERLOCK_DEMO]).toEqual([false, false]);
    const asked = parseEnv({ DATABASE_URL: "postgresql://u:p@db.internal:5432/interlock", INTERLOCK_SEED_DEMO: "true", INTERLOCK_DEMO: "yes" });
    expect([asked.INTERLOCK_SEED_DEMO, asked.INTERLOCK_DEMO]).toEqual([true, true]);
    const refused = parseEnv({ INTERLOCK_SEED_DEMO: "false", INTERLOCK_DEMO: "0" });
    expect([refused.INTERLOCK_SEED_DEMO, refused.INTERLOCK_DEMO]).toEqual([false, false]);
    expect(problemsOf({ INTERLOCK_DEMO: "sometimes" })[0]).toMatchObject({ variable: "INTERLOCK_DEMO" });
  });

  it("honours INTERLOCK_DATA_DIR for the embedded store", () => {
    expect(parseEnv({ INTERLOCK_DATA_DIR: "/var/lib/interlock" }).pgliteDir).toBe("/var/lib/interlock/pglite");
  });

  it.each([
    ["not a url", "is not a valid URL"],
    ["mysql://root@localhost/db", "must use the postgres:// or postgresql:// scheme"],
    ["postgresql://localhost", "names no database"],
  ])("refuses DATABASE_URL=%s naming the variable", (value, message) => {
    const problems = problemsOf({ DATABASE_URL: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.variable).toBe("DATABASE_URL");
    expect(problems[0]!.message).toContain(message);
  });

  it("never echoes the value of a refused variable (it may hold a password)", () => {
    try {
      parseEnv({ DATABASE_URL: "mysql://admin:hunter2@db/x" });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("hunter2");
      expect(String((error as Error).message)).toContain("DATABASE_URL");
    }
  });

  it("takes locks from Redis only when REDIS_URL is a redis URL, with the documented lock defaults", () => {
    const env = parseEnv({});
    expect(env.REDIS_URL).toBeUndefined();
    expect([env.LOCK_DEFAULT_TTL_SECONDS, env.LOCK_WAIT_TIMEOUT_SECONDS, env.LOCK_STALE_AFTER_SECONDS]).toEqual([300, 30, 600]);
    expect(parseEnv({ REDIS_URL: "redis://:pw@cache:6379/2" }).REDIS_URL).toBe("redis://:pw@cache:6379/2");
    expect(problemsOf({ REDIS_URL: "http://cache:6379" })[0]).toMatchObject({ variable: "REDIS_URL" });
    expect(problemsOf({ LOCK_DEFAULT_TTL_SECONDS: "0" })[0]).toMatchObject({ variable: "LOCK_DEFAULT_TTL_SECONDS" });
  });

  it("lists every bad variable at once", () => {
    const problems = problemsOf({ PORT: "eighty", LOG_LEVEL: "loud", INTERLOCK_SEED_DEMO: "maybe" });
    expect(problems.map((p) => p.variable).sort()).toEqual(["INTERLOCK_SEED_DEMO", "LOG_LEVEL", "PORT"]);
  });

  it("refuses an out-of-range port and pool size", () => {
    expect(problemsOf({ PORT: "70000" })[0]).toMatchObject({ variable: "PORT" });
    expect(problemsOf({ DATABASE_POOL_SIZE: "0" })[0]).toMatchObject({ variable: "DATABASE_POOL_SIZE" });
  });
});

describe("parseEnv: audit settings", () => {
  it("keeps checkpoints and a generated key in the data directory by default", () => {
    const env = parseEnv({ INTERLOCK_DATA_DIR: "/srv/interlock" });
    expect(env.auditCheckpointFile).toBe("/srv/interlock/audit-checkpoints.jsonl");
    expect(env.auditKeyFile).toBe("/srv/interlock/audit-signing-key.pem");
    expect(env.AUDIT_CHECKPOINT_EVERY).toBe(1000);
    expect(env.AUDIT_CHECKPOINT_INTERVAL_SECONDS).toBe(60);
  });

  it("keeps each Postgres database's checkpoints in a file of its own, named from the URL without credentials", () => {
    const env = parseEnv({ INTERLOCK_DATA_DIR: "/srv/interlock", DATABASE_URL: "postgresql://u:secret@db.internal:6432/interlock_prod" });
    expect(env.auditCheckpointFile).toBe("/srv/interlock/audit-checkpoints-db.internal-6432-interlock_prod.jsonl");
    expect(parseEnv({ DATABASE_URL: "postgresql://u@db/x", AUDIT_CHECKPOINT_FILE: "/worm/cp.jsonl" }).auditCheckpointFile).toBe("/worm/cp.jsonl");
  });

  it("refuses a checkpoint cadence below one", () => {
    expect(problemsOf({ AUDIT_CHECKPOINT_EVERY: "0" })[0]).toMatchObject({ variable: "AUDIT_CHECKPOINT_EVERY" });
  });
});

describe("AUTH_URL on a real deployment", () => {
  const servingProblems = (source: Record<string, string>) => {
    try {
      assertSafeToServe(parseEnv(source));
      return [];
    } catch (error) {
      if (error instanceof EnvError) return error.problems;
      throw error;
    }
  };
  const real = { DATABASE_URL: "postgresql://u@db/x", AUTH_SECRET: "s".repeat(40) };

  it("is required with DATABASE_URL, so session cookies are Secure and redirects go only to the console", () => {
    const problems = servingProblems(real);
    expect(problems.map((p) => p.variable)).toEqual(["AUTH_URL"]);
    expect(problems[0]!.message).toContain("is required when DATABASE_URL is set");
    expect(servingProblems({ ...real, AUTH_URL: "https://interlock.example.com" })).toEqual([]);
  });

  it("must be https://, except on this machine", () => {
    expect(servingProblems({ ...real, AUTH_URL: "http://interlock.example.com" })[0]!.message).toContain("must be an https:// URL");
    expect(servingProblems({ ...real, AUTH_URL: "http://10.0.0.5:3000" }).map((p) => p.variable)).toEqual(["AUTH_URL"]);
    expect(servingProblems({ ...real, AUTH_URL: "http://127.0.0.1:3000" })).toEqual([]);
    expect(servingProblems({ ...real, AUTH_URL: "http://localhost:3000" })).toEqual([]);
  });

  it("is not required on the embedded store (loopback by default, no session secret to share)", () => {
    expect(servingProblems({})).toEqual([]);
  });
});

describe("HOST", () => {
  const servingProblems = (source: Record<string, string>) => {
    try {
      assertSafeToServe(parseEnv(source));
      return [];
    } catch (error) {
      if (error instanceof EnvError) return error.problems;
      throw error;
    }
  };

  it("listens on loopback only unless told otherwise (the embedded store's demo passwords are published)", () => {
    expect(parseEnv({}).HOST).toBe("127.0.0.1");
    expect(parseEnv({ HOST: "0.0.0.0" }).HOST).toBe("0.0.0.0");
    expect(servingProblems({})).toEqual([]);
  });

  it.each(["127.0.0.1", "127.0.1.1", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"])("counts %s as this machine only", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "interlock.internal", "127.0.0.1.nip.io", "::ffff:10.0.0.1"])("counts %s as serving other machines", (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it("refuses to serve the demo users to other machines, naming HOST", () => {
    const problems = servingProblems({ HOST: "0.0.0.0" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ variable: "HOST" });
    expect(problems[0]!.message).toContain("demo users whose passwords are published");
    expect(servingProblems({ HOST: "192.168.1.20", DATABASE_URL: "postgresql://u@db/x", AUTH_SECRET: "s".repeat(40), AUTH_URL: "https://interlock.example.com", INTERLOCK_DEMO_USERS: "true" }).map((p) => p.variable).sort()).toEqual(["HOST", "INTERLOCK_DEMO_USERS"]);
  });

  it("serves other machines without demo users, or with them when INTERLOCK_INSECURE_DEMO_USERS accepts it", () => {
    expect(servingProblems({ HOST: "0.0.0.0", INTERLOCK_DEMO_USERS: "false" })).toEqual([]);
    expect(servingProblems({ HOST: "0.0.0.0", DATABASE_URL: "postgresql://u@db/x", AUTH_SECRET: "s".repeat(40), AUTH_URL: "https://interlock.example.com" })).toEqual([]);
    expect(servingProblems({ HOST: "0.0.0.0", INTERLOCK_INSECURE_DEMO_USERS: "true" })).toEqual([]);
  });
});

describe("API token lifetimes (docs/security.md#offboarding-users-sessions-and-tokens)", () => {
  it("expire after 90 days by default and at most after 365", () => {
    expect(parseEnv({})).toMatchObject({ API_TOKEN_DEFAULT_TTL_DAYS: 90, API_TOKEN_MAX_TTL_DAYS: 365 });
    expect(parseEnv({ API_TOKEN_DEFAULT_TTL_DAYS: "7", API_TOKEN_MAX_TTL_DAYS: "30" })).toMatchObject({ API_TOKEN_DEFAULT_TTL_DAYS: 7, API_TOKEN_MAX_TTL_DAYS: 30 });
  });

  it("refuses values outside 1..3650, and a default longer than the maximum", () => {
    expect(problemsOf({ API_TOKEN_DEFAULT_TTL_DAYS: "0" }).map((p) => p.variable)).toEqual(["API_TOKEN_DEFAULT_TTL_DAYS"]);
    expect(problemsOf({ API_TOKEN_MAX_TTL_DAYS: "3651" }).map((p) => p.variable)).toEqual(["API_TOKEN_MAX_TTL_DAYS"]);
    expect(problemsOf({ API_TOKEN_DEFAULT_TTL_DAYS: "1.5" }).map((p) => p.variable)).toEqual(["API_TOKEN_DEFAULT_TTL_DAYS"]);
    expect(problemsOf({ API_TOKEN_DEFAULT_TTL_DAYS: "400" })).toEqual([{ variable: "API_TOKEN_DEFAULT_TTL_DAYS", message: "must be at most API_TOKEN_MAX_TTL_DAYS (365)" }]);
  });
});

describe("Redis for locks: one node, Sentinel or Cluster (docs/locks-redis-ha.md#configuration)", () => {
  it("reads REDIS_URL as one node, and no Redis variable as locks in the store", () => {
    expect(parseEnv({}).redisLocks).toBeNull();
    expect(parseEnv({ REDIS_URL: "redis://:pw@cache:6379/2" }).redisLocks).toEqual({ kind: "standalone", url: "redis://:pw@cache:6379/2" });
  });

  it("reads REDIS_SENTINELS and REDIS_SENTINEL_NAME as a Sentinel-managed primary, with the Sentinels' and the data nodes' credentials", () => {
    expect(parseEnv({ REDIS_SENTINELS: "10.0.0.5:26379, sentinel-2.internal:26380,[::1]:26381", REDIS_SENTINEL_NAME: "interlock" }).redisLocks).toEqual({
      kind: "sentinel",
      sentinels: [
        { host: "10.0.0.5", port: 26379 },
        { host: "sentinel-2.internal", port: 26380 },
        { host: "::1", port: 26381 },
      ],
      name: "interlock",
    });
    const withAuth = parseEnv({ REDIS_SENTINELS: "s1:26379", REDIS_SENTINEL_NAME: "m", REDIS_SENTINEL_PASSWORD: "sp", REDIS_USERNAME: "locks", REDIS_PASSWORD: "dp" });
    expect(withAuth.redisLocks).toEqual({ kind: "sentinel", sentinels: [{ host: "s1", port: 26379 }], name: "m", sentinelPassword: "sp", username: "locks", password: "dp" });
  });

  it("reads REDIS_CLUSTER_NODES as a Cluster's seed nodes", () => {
    expect(parseEnv({ REDIS_CLUSTER_NODES: "r1:7000,r2:7001", REDIS_PASSWORD: "dp" }).redisLocks).toEqual({
      kind: "cluster",
      nodes: [
        { host: "r1", port: 7000 },
        { host: "r2", port: 7001 },
      ],
      password: "dp",
    });
  });

  it("refuses two Redis topologies at once, naming both variables", () => {
    expect(problemsOf({ REDIS_URL: "redis://cache:6379", REDIS_SENTINELS: "s1:26379", REDIS_SENTINEL_NAME: "m" }).map((p) => p.variable)).toEqual(["REDIS_URL, REDIS_SENTINELS"]);
    expect(problemsOf({ REDIS_SENTINELS: "s1:26379", REDIS_SENTINEL_NAME: "m", REDIS_CLUSTER_NODES: "r1:7000" }).map((p) => p.variable)).toEqual(["REDIS_SENTINELS, REDIS_CLUSTER_NODES"]);
    expect(problemsOf({ REDIS_URL: "redis://cache:6379", REDIS_SENTINELS: "s1:26379", REDIS_SENTINEL_NAME: "m", REDIS_CLUSTER_NODES: "r1:7000" })[0]!.message).toContain("exactly one of REDIS_URL");
  });

  it("refuses REDIS_SENTINELS without REDIS_SENTINEL_NAME, and Sentinel settings without Sentinels", () => {
    expect(problemsOf({ REDIS_SENTINELS: "s1:26379" })).toEqual([{ variable: "REDIS_SENTINEL_NAME", message: expect.stringContaining("is required with REDIS_SENTINELS") }]);
    expect(problemsOf({ REDIS_SENTINEL_NAME: "m" }).map((p) => p.variable)).toEqual(["REDIS_SENTINEL_NAME"]);
    expect(problemsOf({ REDIS_URL: "redis://cache:6379", REDIS_SENTINEL_PASSWORD: "sp" }).map((p) => p.variable)).toEqual(["REDIS_SENTINEL_PASSWORD"]);
  });

  it.each([
    ["REDIS_SENTINELS", "s1"],
    ["REDIS_SENTINELS", "s1:26379,"],
    ["REDIS_SENTINELS", "s1:0"],
    ["REDIS_CLUSTER_NODES", "r1:70000"],
    ["REDIS_CLUSTER_NODES", "redis://r1:7000"],
    ["REDIS_CLUSTER_NODES", "::1:7000"],
  ])("refuses a malformed host:port list in %s (%s), naming the variable and never echoing the value", (variable, value) => {
    const problems = problemsOf({ [variable]: value, REDIS_SENTINEL_NAME: "m" }).filter((p) => p.variable === variable);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain("host:port");
    expect(problems[0]!.message).not.toContain(value);
  });

  it("takes the data nodes' credentials only where they are used", () => {
    expect(problemsOf({ REDIS_URL: "redis://cache:6379", REDIS_PASSWORD: "dp" })).toEqual([{ variable: "REDIS_PASSWORD", message: expect.stringContaining("put REDIS_URL's credentials in the URL") }]);
    expect(problemsOf({ REDIS_PASSWORD: "dp" }).map((p) => p.variable)).toEqual(["REDIS_PASSWORD"]);
    expect(problemsOf({ REDIS_CLUSTER_NODES: "r1:7000", REDIS_USERNAME: "locks" })).toEqual([{ variable: "REDIS_USERNAME", message: expect.stringContaining("needs REDIS_PASSWORD") }]);
  });
});

describe("LOCK_BACKEND and etcd (docs/locks-etcd.md#configuration)", () => {
  it("auto keeps the default: Redis when a Redis variable is set, else the store", () => {
    expect(parseEnv({}).lockBackend).toBe("postgres");
    expect(parseEnv({ REDIS_URL: "redis://cache:6379" }).lockBackend).toBe("redis");
    expect(parseEnv({ LOCK_BACKEND: "postgres", REDIS_URL: "redis://cache:6379" }).lockBackend).toBe("postgres");
    expect(parseEnv({}).etcdLocks).toBeNull();
  });

  it("reads LOCK_BACKEND=etcd with ETCD_ENDPOINTS, credentials and TLS files", () => {
    const env = parseEnv({
      LOCK_BACKEND: "etcd",
      ETCD_ENDPOINTS: "https://etcd-1:2379, https://10.0.0.7:2379/",
      ETCD_USERNAME: "interlock",
      ETCD_PASSWORD: "pw",
      ETCD_CA_FILE: "/etc/interlock/etcd-ca.pem",
      ETCD_CERT_FILE: "/etc/interlock/etcd.pem",
      ETCD_KEY_FILE: "/etc/interlock/etcd-key.pem",
    });
    expect(env.lockBackend).toBe("etcd");
    expect(env.etcdLocks).toEqual({
      endpoints: ["https://etcd-1:2379", "https://10.0.0.7:2379"],
      username: "interlock",
      password: "pw",
      caFile: "/etc/interlock/etcd-ca.pem",
      certFile: "/etc/interlock/etcd.pem",
      keyFile: "/etc/interlock/etcd-key.pem",
    });
    expect(parseEnv({ LOCK_BACKEND: "etcd", ETCD_ENDPOINTS: "http://127.0.0.1:2379" }).etcdLocks).toEqual({ endpoints: ["http://127.0.0.1:2379"] });
  });

  it("refuses LOCK_BACKEND=etcd without ETCD_ENDPOINTS, naming the variable", () => {
    expect(problemsOf({ LOCK_BACKEND: "etcd" })).toEqual([{ variable: "ETCD_ENDPOINTS", message: expect.stringContaining("is required with LOCK_BACKEND=etcd") }]);
  });

  it("refuses an unknown LOCK_BACKEND, and LOCK_BACKEND=redis without Redis", () => {
    expect(problemsOf({ LOCK_BACKEND: "zookeeper" })).toEqual([{ variable: "LOCK_BACKEND", message: "must be one of auto, redis, etcd, postgres" }]);
    expect(problemsOf({ LOCK_BACKEND: "redis" })).toEqual([{ variable: "LOCK_BACKEND", message: expect.stringContaining("none of REDIS_URL") }]);
  });

  it("refuses etcd settings without LOCK_BACKEND=etcd, and half of a credential pair", () => {
    expect(problemsOf({ ETCD_ENDPOINTS: "http://127.0.0.1:2379" })).toEqual([{ variable: "ETCD_ENDPOINTS", message: "is only used with LOCK_BACKEND=etcd (LOCK_BACKEND is auto)" }]);
    expect(problemsOf({ LOCK_BACKEND: "etcd", ETCD_ENDPOINTS: "http://e:2379", ETCD_USERNAME: "u" }).map((p) => p.variable)).toEqual(["ETCD_USERNAME"]);
    expect(problemsOf({ LOCK_BACKEND: "etcd", ETCD_ENDPOINTS: "https://e:2379", ETCD_KEY_FILE: "/k.pem" }).map((p) => p.variable)).toEqual(["ETCD_KEY_FILE"]);
    expect(problemsOf({ LOCK_BACKEND: "etcd", ETCD_ENDPOINTS: "http://e:2379", ETCD_CA_FILE: "/ca.pem" })).toEqual([{ variable: "ETCD_ENDPOINTS", message: expect.stringContaining("must be https://") }]);
  });

  it.each(["members:2379", "grpc://e:2379", "http://user:secret@e:2379", "http://e:2379/v3", "http://e:2379,https://f:2379", "http://e:2379,"])(
    "refuses a malformed ETCD_ENDPOINTS (%s), never echoing the value",
    (value) => {
      const problems = problemsOf({ LOCK_BACKEND: "etcd", ETCD_ENDPOINTS: value });
      expect(problems.map((p) => p.variable)).toEqual(["ETCD_ENDPOINTS"]);
      expect(problems[0]!.message).not.toContain(value);
    },
  );
});
