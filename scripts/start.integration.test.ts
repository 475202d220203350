// `npm start` refuses bad configuration before it builds or serves anything.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

function start(env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), "--conditions=react-server", "scripts/start.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("npm start with bad configuration", () => {
  it("stops with a message naming DATABASE_URL when it is malformed", () => {
    const result = start({ DATABASE_URL: "postgres//missing-colon" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Interlock cannot start.");
    expect(result.stderr).toMatch(/DATABASE_URL: is not a valid URL/);
  });

  it("names every bad variable", () => {
    const result = start({ DATABASE_URL: "mysql://root@db/x", PORT: "http" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/DATABASE_URL: must use the postgres:\/\/ or postgresql:\/\/ scheme/);
    expect(result.stderr).toMatch(/PORT: must be a number/);
  });

  it("refuses a real store (DATABASE_URL) without its own session secret", () => {
    const result = start({ DATABASE_URL: "postgresql://interlock@127.0.0.1:1/interlock" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/AUTH_SECRET: is required when DATABASE_URL is set/);
  });

  it("refuses the documentation's example secret and the demo users' published passwords on a real store", () => {
    const result = start({
      DATABASE_URL: "postgresql://interlock@127.0.0.1:1/interlock",
      AUTH_SECRET: "change-me-to-a-long-random-string-of-32-chars-or-more",
      INTERLOCK_DEMO_USERS: "true",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/AUTH_SECRET: is the example value/);
    expect(result.stderr).toMatch(/INTERLOCK_DEMO_USERS: would create users whose passwords are published/);
  });

  it("refuses a real store without an https:// AUTH_URL (session cookies must be Secure)", () => {
    const missing = start({ DATABASE_URL: "postgresql://interlock@127.0.0.1:1/interlock", AUTH_SECRET: "s".repeat(40) });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/AUTH_URL: is required when DATABASE_URL is set/);
    const plain = start({ DATABASE_URL: "postgresql://interlock@127.0.0.1:1/interlock", AUTH_SECRET: "s".repeat(40), AUTH_URL: "http://interlock.example.com" });
    expect(plain.status).toBe(1);
    expect(plain.stderr).toMatch(/AUTH_URL: must be an https:\/\/ URL when DATABASE_URL is set/);
  });

  it("refuses to serve the embedded store's demo users beyond this machine (HOST=0.0.0.0)", () => {
    const result = start({ HOST: "0.0.0.0", INTERLOCK_DATA_DIR: ".data/start-host-test" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/HOST: serves other machines, and this store has the demo users whose passwords are published/);
  });
});
