// `npm run demo` as an operator types it: the list of rows, one row run on its
// own throwaway estate (embedded store, locks on Redis) with the verdict as a
// JSON last line, the crash row killing a real worker process on a throwaway
// Postgres database (and reported unavailable on the embedded store), and bad
// usage refused. The full --matrix takes minutes; the 20 rows are each tested
// in demo/testing/failure-matrix.integration.test.ts.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

function demo(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "scripts/demo.ts", ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "test", REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("npm run demo", () => {
  it("--list prints the 20 rows of the matrix", async () => {
    const { status, stdout } = await demo(["--list"]);
    expect(status).toBe(0);
    const rows = stdout.split("\n").filter((l) => /^\s*\d+\s{2}[a-z-]+\s/.test(l));
    expect(rows).toHaveLength(20);
    expect(stdout).toContain("high-error-rate");
    expect(stdout).toContain("human-override");
  });

  it("--scenario runs one row on its own estate and ends with its measured verdict as JSON", async () => {
    const { status, stdout, stderr } = await demo(["--scenario", "14", "--time-scale", "1000", "--json"]);
    expect(status, stderr).toBe(0);
    expect(stdout).toContain("locks: redis");
    const last = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(last).toMatchObject({ id: "audit-tampering", row: 14, passed: true });
    expect(last.actual).toMatch(/broke at seq \d+/);
    expect(last.durationMs).toBeGreaterThan(0);
  }, 120_000);

  it("--scenario 15 --postgres kills a real worker process and the demo's orchestrator recovers its operation", async () => {
    const { status, stdout, stderr } = await demo(["--scenario", "15", "--postgres", POSTGRES_URL, "--time-scale", "1000", "--json"]);
    expect(status, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain("store: postgres (temporary database interlock_demo_");
    const last = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(last).toMatchObject({ id: "orchestrator-crash", row: 15, passed: true, unavailableReason: null });
    expect(last.actual).toMatch(/^Worker process \d+ killed \(SIGKILL\) after canary 10%; attempt \d+ took the operation up/);
  }, 180_000);

  it("reports the crash row unavailable on the embedded store, and why, instead of a verdict", async () => {
    const { status, stdout } = await demo(["--scenario", "orchestrator-crash", "--time-scale", "1000", "--json"]);
    expect(status).toBe(1);
    expect(stdout).toContain("UNAVAILABLE");
    const last = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(last).toMatchObject({ id: "orchestrator-crash", passed: false });
    expect(last.unavailableReason).toMatch(/needs a database a second process can open.*set DATABASE_URL/);
  }, 120_000);

  it("refuses an unknown scenario and a bad time scale with exit 2", async () => {
    const unknown = await demo(["--scenario", "meteor-strike"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("--list");
    const scale = await demo(["--time-scale", "0"]);
    expect(scale.status).toBe(2);
    expect(scale.stderr).toContain("--time-scale");
  }, 60_000);
});
