// `npm start`: validates configuration, builds the console if the sources changed
// since the last build, then runs `next start` and prints the URL once the server
// answers. Migrations and the demo seed run inside the server (instrumentation.ts).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { spawn, spawnSync } from "node:child_process";
import { isLoopbackHost } from "../server/env";
import { loadConfigOrExit, projectRoot as root } from "./lib/config";

const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const fingerprintFile = path.join(root, ".next", "interlock-source-fingerprint");
const SOURCES = ["app", "components", "lib", "server", "demo", "public", "prisma/schema.prisma", "instrumentation.ts", "next.config.mjs", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];

const env = loadConfigOrExit({ forServing: true });

// `next build` writes next.config.mjs's response headers into the build, and they
// depend on the environment, .env files included (Strict-Transport-Security only
// on an https AUTH_URL or CONSOLE_URL): when this environment's differ, rebuild.
const { securityHeaders } = (await import(pathToFileURL(path.join(root, "next.config.mjs")).href)) as {
  securityHeaders: (env: Record<string, string | undefined>) => { key: string; value: string }[];
};
const buildHeaders = JSON.stringify(securityHeaders({ ...process.env, NODE_ENV: "production" }));

/** A hash of every source file that goes into the build, to rebuild only when one changed. */
function sourceFingerprint(): string {
  const hash = crypto.createHash("sha256");
  const visit = (rel: string) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    const stat = fs.statSync(abs);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(abs).sort()) visit(path.join(rel, entry));
    } else if (!rel.endsWith(".test.ts")) {
      hash.update(rel).update("\0").update(fs.readFileSync(abs)).update("\0");
    }
  };
  SOURCES.forEach(visit);
  hash.update("headers").update("\0").update(buildHeaders);
  return hash.digest("hex");
}

const fingerprint = sourceFingerprint();
const built = fs.existsSync(path.join(root, ".next", "BUILD_ID")) && fs.existsSync(fingerprintFile) && fs.readFileSync(fingerprintFile, "utf8") === fingerprint;
if (!built) {
  console.log("Building the Interlock console (once, and again only when the sources change)…");
  const build = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (build.status !== 0) {
    console.error("The build failed; see the output above.");
    process.exit(build.status ?? 1);
  }
  fs.writeFileSync(fingerprintFile, fingerprint);
}

const server = spawn(process.execPath, [nextBin, "start", "--port", String(env.PORT), "--hostname", env.HOST], {
  cwd: root,
  stdio: "inherit",
  // NEXT_MANUAL_SIG_HANDLE: Next's own SIGTERM/SIGINT handler exits at once; the server's (server/boot.ts)
  // stops the work and signs the audit chain's last events first (docs/spec/audit.md#checkpoints).
  env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", NEXT_MANUAL_SIG_HANDLE: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// Tell the person at the terminal where to go, once the console really answers.
const everyInterface = env.HOST === "0.0.0.0" || env.HOST === "::";
const loopback = isLoopbackHost(env.HOST);
const urlHost = (host: string) => (host.includes(":") && !host.startsWith("[") ? `[${host}]` : host);
const url = `http://${everyInterface || loopback ? "localhost" : urlHost(env.HOST)}:${env.PORT}`;
const probeUrl = `http://${everyInterface ? "127.0.0.1" : urlHost(env.HOST)}:${env.PORT}/api/ready`;
const reach = loopback
  ? `listening on ${env.HOST} only; set HOST=0.0.0.0 to serve other machines`
  : `listening on ${everyInterface ? "every interface" : env.HOST}: other machines can reach it`;
const store = env.store === "pglite" ? `embedded PGlite in ${env.pgliteDir}` : "PostgreSQL (DATABASE_URL)";
if (!loopback && env.demoUsers) {
  // Only reached with INTERLOCK_INSECURE_DEMO_USERS=true (server/env.ts refuses it otherwise).
  console.warn(
    `\n*** WARNING: HOST=${env.HOST} serves other machines, and the demo users (passwords published in the README, admin included) can sign in. ` +
      `Anyone who can reach port ${env.PORT} can approve operations and read the audit log. Use a throwaway store only. ***\n`,
  );
}
void (async () => {
  for (let attempt = 0; attempt < 600 && server.exitCode === null; attempt++) {
    try {
      const response = await fetch(probeUrl);
      if (response.ok) {
        console.log(`\nInterlock console: ${url}  (store: ${store}; ${reach})\n`);
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
})();
