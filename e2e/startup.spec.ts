// Start-up refuses to run half-configured: with the store out of reach, the
// built server exits with a message that names the store and its variable.
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, test } from "@playwright/test";

const root = path.resolve(import.meta.dirname, "..");

function runServer(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "start", "--port", "3109"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", ...env },
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const killer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    child.on("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
}

test.describe("start-up of the built server", () => {
  test("exits naming DATABASE_URL when Postgres cannot be reached", async () => {
    const { code, output } = await runServer({ DATABASE_URL: "postgresql://interlock@127.0.0.1:1/interlock", AUTH_SECRET: "e2e-startup-secret-0123456789abcdefghijklmnop", AUTH_URL: "https://interlock.example.com" });
    expect(code).toBe(1);
    expect(output).toContain("Interlock cannot start");
    expect(output).toContain("(DATABASE_URL)");
    expect(output).toContain("127.0.0.1:1");
  });

  test("exits naming a malformed DATABASE_URL before it serves anything", async () => {
    const { code, output } = await runServer({ DATABASE_URL: "postgres:/nohost" });
    expect(code).toBe(1);
    expect(output).toMatch(/DATABASE_URL: (is not a valid URL|has no host name)/);
  });
});
