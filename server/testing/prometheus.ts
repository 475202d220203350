// A real Prometheus (Debian's package) for integration and end-to-end tests:
// started on a free port of 127.0.0.1 with a configuration the test gives and
// a TSDB under the test's own folder, awaited until /-/ready answers, and
// stopped. Used by Vitest and by Playwright specs, so it imports nothing of
// the server itself (no "server-only", no adapters). startDaemon is the same
// start-and-await for the other Prometheus-family servers (alertmanager.ts).
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { stringify as stringifyYaml } from "yaml";

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? "/usr/bin/promtool";

/** How long startPrometheus waits for /-/ready, and retryUntil's default deadline. */
export const PROMETHEUS_DEADLINE_MS = 60_000;
/** How much of Prometheus's output is kept. */
const LOG_KEPT = 20_000;
/** How much of it an error message shows. */
const LOG_SHOWN = 3_000;

const PROMETHEUS_INSTALL = "Install Debian's Prometheus with `sudo apt-get update && sudo apt-get install -y prometheus` (Debian/Ubuntu; CI does this), or point PROMETHEUS_BIN and PROMTOOL_BIN at the binaries.";

/** Fails with how to install it when `bin` is missing; `what` names it ("Prometheus", "promtool"); `install` says how (Prometheus's package by default). */
export function requireBinary(bin: string, what: string, install: string = PROMETHEUS_INSTALL): void {
  if (!fs.existsSync(bin)) {
    throw new Error(`${what} is not installed at ${bin}; this integration test needs the real one. ${install}`);
  }
}

/** A TCP port of 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningDaemon {
  /** What it is ("Prometheus", "Alertmanager"), for messages. */
  readonly name: string;
  /** http://127.0.0.1:<port>, without a trailing slash. */
  readonly url: string;
  /** The tail of its stdout and stderr. */
  log(): string;
  /** Its exit code once it has exited by itself; null while it runs (or after a signal ended it). */
  exitCode(): number | null;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export type RunningPrometheus = RunningDaemon;

export interface RetryOptions {
  /** Stop retrying early once this Prometheus has exited, and show its log on failure. */
  prometheus?: RunningDaemon | null;
  /** The same for any other server started by startDaemon (an Alertmanager). */
  daemon?: RunningDaemon | null;
  deadlineMs?: number;
  /** More to say on failure, printed before Prometheus's log. */
  details?: () => string;
}

/**
 * Retries `check` every 250 ms until it stops throwing; after the deadline (or
 * once the server has exited), fails with its last error and the server's log.
 */
export async function retryUntil<T>(check: () => Promise<T>, what: string, options: RetryOptions = {}): Promise<T> {
  const { deadlineMs = PROMETHEUS_DEADLINE_MS, details } = options;
  const prometheus = options.daemon ?? options.prometheus;
  const deadline = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (error) {
      last = error;
      if (prometheus && prometheus.exitCode() !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(
    `${what}: not reached within ${deadlineMs} ms. Last error: ${last instanceof Error ? last.message : String(last)}\n` +
      (details ? `${details()}\n` : "") +
      `${prometheus?.name ?? "Prometheus"} log (tail):\n${(prometheus?.log() ?? "").slice(-LOG_SHOWN)}`,
  );
}

/**
 * Writes `config` as `<dir>/prometheus.yml`, starts PROMETHEUS_BIN with its
 * TSDB in `<dir>/data`, and resolves once /-/ready answers 200. Fails with the
 * log's tail if Prometheus exits or is not ready within 60 s (and stops it).
 */
export async function startPrometheus(options: { config: object; dir: string }): Promise<RunningPrometheus> {
  requireBinary(PROMETHEUS_BIN, "Prometheus");
  const configFile = path.join(options.dir, "prometheus.yml");
  fs.writeFileSync(configFile, stringifyYaml(options.config));
  const port = await freePort();
  return startDaemon({
    name: "Prometheus",
    bin: PROMETHEUS_BIN,
    port,
    args: [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(options.dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
  });
}

/**
 * Starts `bin` with `args` (which must make it listen on 127.0.0.1:`port`) and
 * resolves once its /-/ready answers 200. Fails with the log's tail if it exits
 * or is not ready within 60 s (and stops it).
 */
export async function startDaemon(options: { name: string; bin: string; args: string[]; port: number }): Promise<RunningDaemon> {
  const { name, bin } = options;
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(bin, options.args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keepLog = (text: string) => {
    log = (log + text).slice(-LOG_KEPT);
  };
  child.stdout.on("data", (chunk: Buffer) => keepLog(chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => keepLog(chunk.toString()));
  // Without a listener, a failed spawn would crash the test process.
  child.on("error", (error) => keepLog(`\n[spawn ${bin}: ${error.message}]\n`));

  const running: RunningDaemon = {
    name,
    url,
    log: () => log,
    exitCode: () => child.exitCode,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };

  try {
    await retryUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`${path.basename(bin)} exited with code ${child.exitCode}`);
        const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
        if (response.status !== 200) throw new Error(`/-/ready answered ${response.status}`);
      },
      `${name} ready`,
      { daemon: running },
    );
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}

export interface RunningExporter {
  /** host:port, as a scrape target. */
  readonly target: string;
  /** How many times /metrics has been served. */
  scrapes(): number;
  stop(): Promise<void>;
}

/**
 * A /metrics endpoint on a free port of 127.0.0.1 serving what `render` returns
 * for the n-th scrape (1, 2, …), in Prometheus's text format. A test whose
 * counters grow by a fixed amount per scrape gets rates and increases that do
 * not depend on when the scrapes happen.
 */
export async function startMetricsExporter(render: (scrape: number) => string): Promise<RunningExporter> {
  let served = 0;
  const server = http.createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    served++;
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(render(served));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    scrapes: () => served,
    async stop() {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `values` as the inside of a text-format label set: backslash, double quote and line feed escaped. */
export function metricLabels(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");
}
