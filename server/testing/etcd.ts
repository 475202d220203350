// A real etcd (Debian's etcd 3.4 package) for integration tests, the
// reliability suite and the lock benchmark: one member on free ports of
// 127.0.0.1, its data under /dev/shm, awaited until /health answers true.
// Imports nothing of the server itself, like prometheus.ts.
//
// The data dir is on /dev/shm (tmpfs): etcd fsyncs its WAL on every write, and
// on tmpfs an fsync costs nothing, so tests and the benchmark measure etcd and
// the lock store rather than the disk of a shared machine. What is on "disk"
// still survives kill() + restart() (the process dies, the tmpfs files stay),
// which is what the reliability suite needs.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, requireBinary, retryUntil, type RunningDaemon } from "./prometheus";

export const ETCD_BIN = process.env.ETCD_BIN ?? "/usr/bin/etcd";

const ETCD_INSTALL = "Install Debian's etcd with `sudo apt-get update && sudo apt-get install -y etcd-server` (Debian/Ubuntu; CI does this), or point ETCD_BIN at the binary.";
/** How long startEtcd and restart() wait for /health. */
const ETCD_DEADLINE_MS = 60_000;
const LOG_KEPT = 20_000;

export interface EtcdServer {
  /** http://127.0.0.1:<client port>, for an etcd3 client's `hosts`. */
  readonly endpoint: string;
  /** The member's data dir (under /dev/shm); kept across kill()/restart(), removed by stop(). */
  readonly dataDir: string;
  /** SIGTERM (SIGKILL after 10 s), then removes the data dir. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Sends `signal` (SIGKILL by default); keeps the data dir. SIGSTOP and
   * SIGTSTP (a stalled server) and SIGCONT resolve once sent; any other signal
   * resolves once the process has exited.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again (stopping it first if it runs) on the same data dir and ports; resolves once healthy. */
  restart(): Promise<void>;
  /** The tail of its output. */
  log(): string;
}

// Children still running when the test process exits are killed, so a failed
// or interrupted test leaves no etcd behind; their data dirs go too.
const running = new Set<{ child: ChildProcess; dataDir: string; removeOnExit: boolean }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const entry of running) {
      try {
        entry.child.kill("SIGKILL");
      } catch {
        // already gone
      }
      if (entry.removeOnExit) fs.rmSync(entry.dataDir, { recursive: true, force: true });
    }
  });
}

/**
 * Starts one etcd member named `options.name` ("interlock-test" by default) on
 * free client and peer ports of 127.0.0.1 with a fresh data dir under /dev/shm,
 * and resolves once GET /health answers {"health":"true"}. Fails with the log's
 * tail if it exits or is not healthy within 60 s (and cleans up).
 */
export async function startEtcd(options: { name?: string } = {}): Promise<EtcdServer> {
  requireBinary(ETCD_BIN, "etcd", ETCD_INSTALL);
  installExitHook();
  const name = options.name ?? "interlock-test";
  const shm = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  const dataDir = fs.mkdtempSync(path.join(shm, `interlock-etcd-${name.replace(/[^A-Za-z0-9_-]/g, "_")}-`));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${name}=${peerUrl}`,
    "--initial-cluster-state=new",
    `--initial-cluster-token=${path.basename(dataDir)}`,
    "--logger=zap",
    "--log-level=warn",
  ];

  let log = "";
  let entry: { child: ChildProcess; dataDir: string; removeOnExit: boolean } | null = null;
  let removed = false;

  const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

  const launch = async () => {
    const child = spawn(ETCD_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-LOG_KEPT);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    child.on("error", (error) => {
      log = (log + `\n[spawn ${ETCD_BIN}: ${error.message}]\n`).slice(-LOG_KEPT);
    });
    entry = { child, dataDir, removeOnExit: true };
    running.add(entry);
    child.once("exit", () => {
      if (entry?.child === child) running.delete(entry);
    });
    const daemon: RunningDaemon = {
      name: "etcd",
      url: endpoint,
      log: () => log,
      exitCode: () => (exited(child) ? (child.exitCode ?? -1) : null),
      stop: async () => undefined,
    };
    await retryUntil(
      async () => {
        if (exited(child)) throw new Error(`etcd exited (code ${child.exitCode}, signal ${child.signalCode})`);
        const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(2_000) });
        const body = (await response.json()) as { health?: string };
        if (response.status !== 200 || body.health !== "true") throw new Error(`/health answered ${response.status} ${JSON.stringify(body)}`);
      },
      "etcd healthy",
      { daemon, deadlineMs: ETCD_DEADLINE_MS },
    );
  };

  /** Sends `signal` and waits for the exit; `escalate`: SIGKILL after 10 s. A stopped (SIGSTOP) process is continued so it can act on it. */
  const signalAndWait = async (signal: NodeJS.Signals, escalate: boolean) => {
    const child = entry?.child;
    if (!child || exited(child) || child.pid === undefined) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    if (signal !== "SIGKILL") child.kill("SIGCONT");
    const timer = escalate && signal !== "SIGKILL" ? setTimeout(() => child.kill("SIGKILL"), 10_000) : null;
    await gone;
    if (timer) clearTimeout(timer);
  };

  const server: EtcdServer = {
    endpoint,
    dataDir,
    log: () => log,
    async stop() {
      await signalAndWait("SIGTERM", true);
      if (!removed) {
        removed = true;
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      const child = entry?.child;
      if (signal === "SIGSTOP" || signal === "SIGTSTP" || signal === "SIGCONT") {
        if (child && !exited(child)) child.kill(signal);
        return;
      }
      const gone = child && !exited(child) ? new Promise<void>((resolve) => child.once("exit", () => resolve())) : null;
      child?.kill(signal);
      await gone;
    },
    async restart() {
      if (removed) throw new Error("etcd: restart() after stop(): the data dir is gone");
      await signalAndWait("SIGTERM", true);
      await launch();
    },
  };

  try {
    await launch();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
