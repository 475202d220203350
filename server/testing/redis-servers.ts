// Throwaway Redis servers for tests of Redis topologies (docs/locks-redis-ha.md):
// redis-server and redis-sentinel from Debian (packages redis-server,
// redis-sentinel, redis-tools for redis-cli), each on a free port with a
// directory of its own under a temp dir, no persistence. Every process started
// here is registered, and stopRedisProcesses() kills them all: call it from
// afterAll, so a failed test leaves nothing running. A missing binary fails the
// test, naming the package.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { Redis } from "ioredis";
import type { RedisHostPort } from "../adapters/redis/redis-client";
import { freePort } from "./prometheus";

export const REDIS_SERVER_BIN = "/usr/bin/redis-server";
export const REDIS_SENTINEL_BIN = "/usr/bin/redis-sentinel";
export const REDIS_CLI_BIN = "/usr/bin/redis-cli";
const PACKAGE_OF: Record<string, string> = { [REDIS_SERVER_BIN]: "redis-server", [REDIS_SENTINEL_BIN]: "redis-sentinel", [REDIS_CLI_BIN]: "redis-tools" };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something truthy, or fails after `timeoutMs` saying what it waited for. */
export async function waitUntil<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(50);
  }
}

const running = new Set<RedisProcess>();

/** A redis-server or redis-sentinel started by a test. */
export class RedisProcess {
  private log = "";
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    private readonly child: ChildProcess,
    /** AUTH for client() (requirepass). */
    private readonly password?: string,
  ) {
    running.add(this);
    const capture = (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-6_000));
    child.stdout?.on("data", capture);
    child.stderr?.on("data", capture);
    this.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        resolve();
      });
      child.on("error", (error) => {
        this.log += `\n${error.message}`;
        this.exit ??= { code: null, signal: null };
        running.delete(this);
        resolve();
      });
    });
  }

  get host(): string {
    return "127.0.0.1";
  }

  get address(): RedisHostPort {
    return { host: this.host, port: this.port };
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** For failure messages: how it ended and the end of its log. */
  describe(): string {
    return `${this.name} on port ${this.port} (pid ${this.child.pid}) ${this.exit ? `exited ${JSON.stringify(this.exit)}` : "running"}; log:\n${this.log.slice(-3_000)}`;
  }

  /** A plain client of this server, reconnecting after a drop (Sentinel drops the clients of a replica it promotes); the caller disconnects it. */
  client(): Redis {
    const client = new Redis({
      host: this.host,
      port: this.port,
      ...(this.password !== undefined ? { password: this.password } : {}),
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      lazyConnect: true,
      retryStrategy: (times) => Math.min(times * 50, 500),
    });
    client.on("error", () => {});
    return client;
  }

  /** Sends `signal` (default SIGKILL) and waits until the process is gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.exit) return;
    this.child.kill(signal);
    await this.exited;
  }
}

/** Answers PING (a Sentinel does too), or asks for a password (it is up)? */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

async function assertInstalled(bin: string): Promise<void> {
  try {
    await fs.access(bin, fs.constants.X_OK);
  } catch {
    throw new Error(`${bin} is missing: install Debian's ${PACKAGE_OF[bin] ?? "redis"} package (apt-get install ${PACKAGE_OF[bin] ?? "redis-server"})`);
  }
}

async function launch(name: string, bin: string, args: string[], port: number, dir: string, password?: string): Promise<RedisProcess> {
  await assertInstalled(bin);
  const child = spawn(bin, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const started = new RedisProcess(name, port, dir, child, password);
  const deadline = Date.now() + 15_000;
  while (!(await pings(port))) {
    if (!started.alive || Date.now() > deadline) {
      await started.kill();
      throw new Error(`${name} did not start: ${started.describe()}`);
    }
    await sleep(25);
  }
  return started;
}

/**
 * A redis-server on a free port with its own directory under `parentDir`, no
 * persistence; `args` are added (e.g. --replicaof). With `password`, it
 * requires it (requirepass) and uses it towards its primary (masterauth).
 */
export async function startRedisServer(options: { parentDir: string; name: string; args?: string[]; port?: number; password?: string }): Promise<RedisProcess> {
  const port = options.port ?? (await freePort());
  const dir = path.join(options.parentDir, options.name);
  await fs.mkdir(dir, { recursive: true });
  const auth = options.password !== undefined ? ["--requirepass", options.password, "--masterauth", options.password] : [];
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...auth, ...(options.args ?? [])];
  return launch(options.name, REDIS_SERVER_BIN, args, port, dir, options.password);
}

/**
 * A redis-sentinel watching one master group, with the quorum and timings
 * given. Sentinel rewrites its config file as it learns, so the file is in the
 * Sentinel's own directory.
 */
export async function startRedisSentinel(options: {
  parentDir: string;
  name: string;
  masterName: string;
  master: RedisHostPort;
  quorum?: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  /** The data nodes' password (sentinel auth-pass). */
  masterPassword?: string;
  /** The Sentinel's own password (requirepass). */
  password?: string;
}): Promise<RedisProcess> {
  const port = await freePort();
  const dir = path.join(options.parentDir, options.name);
  await fs.mkdir(dir, { recursive: true });
  const configFile = path.join(dir, "sentinel.conf");
  const { masterName: m } = options;
  await fs.writeFile(
    configFile,
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      'logfile ""',
      `sentinel monitor ${m} ${options.master.host} ${options.master.port} ${options.quorum ?? 1}`,
      `sentinel down-after-milliseconds ${m} ${options.downAfterMs}`,
      `sentinel failover-timeout ${m} ${options.failoverTimeoutMs}`,
      `sentinel parallel-syncs ${m} 1`,
      ...(options.masterPassword !== undefined ? [`sentinel auth-pass ${m} ${options.masterPassword}`] : []),
      ...(options.password !== undefined ? [`requirepass ${options.password}`] : []),
      "",
    ].join("\n"),
  );
  return launch(options.name, REDIS_SENTINEL_BIN, [configFile], port, dir, options.password);
}

function run(bin: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(bin)} ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export interface RunningCluster {
  /** The masters as created (a failover may change that). */
  masters: RedisProcess[];
  /** Each master's replicas, by the master's port. */
  replicasOf: Map<number, RedisProcess[]>;
  /** Every node started. */
  all: RedisProcess[];
  /** The masters' addresses: the seed nodes, as REDIS_CLUSTER_NODES would list them. */
  nodes: RedisHostPort[];
}

/**
 * A Redis Cluster of `masters` masters with `replicas` replicas each (default
 * none), each node on a free port with a free cluster-bus port, made with
 * `redis-cli --cluster create`, and returned once every node reports
 * cluster_state:ok and every replica is in sync.
 */
export async function startRedisCluster(options: { parentDir: string; masters: number; replicas?: number; nodeTimeoutMs?: number; password?: string }): Promise<RunningCluster> {
  await assertInstalled(REDIS_CLI_BIN);
  const ports = new Set<number>();
  const port = async () => {
    for (;;) {
      const p = await freePort();
      if (!ports.has(p)) {
        ports.add(p);
        return p;
      }
    }
  };
  const replicas = options.replicas ?? 0;
  const all: RedisProcess[] = [];
  for (let i = 0; i < options.masters * (1 + replicas); i++) {
    const busPort = await port();
    all.push(
      await startRedisServer({
        parentDir: options.parentDir,
        name: `cluster-node-${i + 1}`,
        port: await port(),
        ...(options.password !== undefined ? { password: options.password } : {}),
        args: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", String(options.nodeTimeoutMs ?? 2_000), "--cluster-port", String(busPort)],
      }),
    );
  }
  const auth = options.password !== undefined ? ["-a", options.password, "--no-auth-warning"] : [];
  await run(REDIS_CLI_BIN, [...auth, "--cluster", "create", ...all.map((n) => `${n.host}:${n.port}`), "--cluster-replicas", String(replicas), "--cluster-yes"], 60_000);
  const masters: RedisProcess[] = [];
  const replicasOf = new Map<number, RedisProcess[]>();
  for (const node of all) {
    const client = node.client();
    try {
      await waitUntil(async () => /cluster_state:ok/.test(String(await client.cluster("INFO"))), `${node.name} reports cluster_state:ok`);
      const info = await waitUntil(async () => {
        const text = await client.info("replication");
        return /role:master/.test(text) || /master_link_status:up/.test(text) ? text : null;
      }, `${node.name} is a master or a replica in sync`);
      const masterPort = /master_port:(\d+)/.exec(info)?.[1];
      if (masterPort === undefined) masters.push(node);
      else replicasOf.set(Number(masterPort), [...(replicasOf.get(Number(masterPort)) ?? []), node]);
    } finally {
      client.disconnect();
    }
  }
  return { masters, replicasOf, all, nodes: masters.map((m) => m.address) };
}

/** A field of an INFO reply ("role", "master_link_status", …). */
export function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

/** Waits until `replica` has everything `primary` has written so far. */
export async function waitForReplication(primary: Redis, replica: Redis): Promise<void> {
  const target = Number(infoField(await primary.info("replication"), "master_repl_offset"));
  await waitUntil(async () => Number(infoField(await replica.info("replication"), "slave_repl_offset")) >= target, "the replica has everything the primary wrote");
}

/**
 * Cuts replication from `primary` to `replica` for good, leaving `replica` a
 * replica that Sentinel or the Cluster may still promote: it is given a wrong
 * masterauth and its link is killed, so it keeps reconnecting and failing to
 * authenticate. What the primary writes from now on, the replica never gets:
 * the deterministic form of what asynchronous replication may do at a failure.
 */
export async function cutReplication(primary: Redis, replica: Redis): Promise<void> {
  await replica.config("SET", "masterauth", "not-the-password");
  await replica.call("CLIENT", "KILL", "TYPE", "master");
  await waitUntil(async () => infoField(await primary.info("replication"), "connected_slaves") === "0", "the primary has no replica connected");
  await waitUntil(async () => infoField(await replica.info("replication"), "master_link_status") === "down", "the replica's link to the primary is down");
}

/** Kills (SIGKILL) every process this module started that is still running. */
export async function stopRedisProcesses(): Promise<void> {
  await Promise.allSettled([...running].map((p) => p.kill()));
}
