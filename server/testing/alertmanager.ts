// A real Alertmanager (Debian's prometheus-alertmanager) for end-to-end tests,
// and a one-gauge exporter for a real Prometheus to scrape: the alerting chain
// Prometheus → Alertmanager → Interlock's webhook (docs/incidents.md#alertmanager-intake)
// with nothing simulated. Alertmanager starts on a free port of 127.0.0.1 with
// the configuration the test gives, its state under the test's own folder and
// clustering off, and is awaited until /-/ready answers. Used by Playwright
// specs, so it imports nothing of the server itself.
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { freePort, requireBinary, startDaemon, type RunningDaemon } from "./prometheus";

/** Debian installs Alertmanager as prometheus-alertmanager. */
export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? "/usr/bin/prometheus-alertmanager";

const ALERTMANAGER_INSTALL =
  "Install Debian's Alertmanager with `sudo apt-get update && sudo apt-get install -y prometheus-alertmanager` (Debian/Ubuntu; CI does this), or point ALERTMANAGER_BIN at the binary.";

export type RunningAlertmanager = RunningDaemon;

/** Fails with how to install Alertmanager when its binary is missing. */
export function requireAlertmanager(): void {
  requireBinary(ALERTMANAGER_BIN, "Alertmanager", ALERTMANAGER_INSTALL);
}

/**
 * Writes `config` as `<dir>/alertmanager.yml`, starts ALERTMANAGER_BIN with its
 * state in `<dir>/alertmanager-data` and its gossip cluster off (an empty
 * --cluster.listen-address), and resolves once /-/ready answers 200. Fails with
 * the log's tail if it exits or is not ready within 60 s (and stops it).
 */
export async function startAlertmanager(options: { config: object; dir: string }): Promise<RunningAlertmanager> {
  requireAlertmanager();
  const configFile = path.join(options.dir, "alertmanager.yml");
  fs.writeFileSync(configFile, stringifyYaml(options.config));
  const storage = path.join(options.dir, "alertmanager-data");
  fs.mkdirSync(storage, { recursive: true });
  const port = await freePort();
  return startDaemon({
    name: "Alertmanager",
    bin: ALERTMANAGER_BIN,
    port,
    args: [`--config.file=${configFile}`, `--storage.path=${storage}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="],
  });
}

/** The alerts Alertmanager holds now (its API v2), with their state. */
export async function alertmanagerAlerts(alertmanager: RunningAlertmanager): Promise<{ labels: Record<string, string>; status: { state: string } }[]> {
  const response = await fetch(`${alertmanager.url}/api/v2/alerts`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`Alertmanager /api/v2/alerts answered ${response.status}`);
  return (await response.json()) as { labels: Record<string, string>; status: { state: string } }[];
}

export interface GaugeExporter {
  /** host:port, as a Prometheus static target. */
  readonly target: string;
  /** Sets the gauge's value; the next scrape reads it. */
  set(value: number): void;
  /** How many times /metrics has been scraped. */
  scrapes(): number;
  close(): Promise<void>;
}

/** A tiny exporter on a free port of 127.0.0.1: /metrics serves one gauge, `name`, in the text exposition format. */
export async function startGaugeExporter(name: string, help: string, initial = 0): Promise<GaugeExporter> {
  let value = initial;
  let scraped = 0;
  const server = http.createServer((request, response) => {
    if (request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    scraped++;
    response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    response.end(`# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    set(next) {
      value = next;
    },
    scrapes: () => scraped,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
