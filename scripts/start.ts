// `npm start`: validates configuration, builds the console if the sources changed
// since the last build, then runs `next start` and prints the URL once the server
// answers. Migrations and the demo seed run inside the server (instrumentation.ts).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { loadConfigOrExit, projectRoot as root } from "./lib/config";

const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const fingerprintFile = path.join(root, ".next", "interlock-source-fingerprint");
const SOURCES = ["app", "components", "lib", "server", "demo", "public", "prisma/schema.prisma", "instrumentation.ts", "next.config.mjs", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];

const env = loadConfigOrExit({ forServing: true });

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
  env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// Tell the person at the terminal where to go, once the console really answers.
const shownHost = env.HOST === "0.0.0.0" || env.HOST === "::" ? "localhost" : env.HOST;
const url = `http://${shownHost}:${env.PORT}`;
const store = env.store === "pglite" ? `embedded PGlite in ${env.pgliteDir}` : "PostgreSQL (DATABASE_URL)";
void (async () => {
  for (let attempt = 0; attempt < 600 && server.exitCode === null; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${env.PORT}/api/ready`);
      if (response.ok) {
        console.log(`\nInterlock console: ${url}  (store: ${store})\n`);
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
})();
