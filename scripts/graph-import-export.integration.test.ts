// `npm run graph:import` and `npm run graph:export` as an operator runs them,
// against a fresh Postgres database and against an embedded store on disk.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimDataDir } from "../server/adapters/postgres/database";
import { createTestDatabase, type TestDatabase } from "../server/testing/postgres";

const root = path.resolve(import.meta.dirname, "..");
const EXAMPLE = path.join(root, "docs", "topology.example.yaml");

function run(script: "graph-import" | "graph-export" | "audit-verify", args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), "--conditions=react-server", `scripts/${script}.ts`, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", INTERLOCK_SEED_DEMO: "false", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("graph:import and graph:export on Postgres", () => {
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase("graph_cli");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-graph-cli-"));
    env = { DATABASE_URL: db.url, INTERLOCK_DATA_DIR: dir };
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it("imports the example and exports it back byte for byte", async () => {
    const imported = run("graph-import", [EXAMPLE], env);
    expect(imported.stderr).toBe("");
    expect(imported.status).toBe(0);
    expect(imported.stdout).toContain("42 services, 63 dependencies, 3 resource groups (9 memberships)");
    // The import is on the audit trail, with who ran it, and the trail verifies.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query(`SELECT actor, action, payload FROM audit_events`);
    await client.end();
    // One graph.changed event, through the same path as PUT /api/v1/graph (docs/graph-changes.md#graph-import).
    expect(rows).toEqual([
      {
        actor: `cli:${os.userInfo().username}`,
        action: "graph.changed",
        payload: expect.objectContaining({ source: "FILE", origin: "topology.example.yaml", baseRevision: 0, revision: 1, summary: { added: 42 + 63 + 3, removed: 0, changed: 0 } }),
      },
    ]);
    expect(JSON.parse(run("audit-verify", [], env).stdout)).toMatchObject({ valid: true, checked: 1 });
    const out = path.join(dir, "out.yaml");
    const exported = run("graph-export", [out], env);
    expect(exported.status).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toBe(fs.readFileSync(EXAMPLE, "utf8"));
    // Without a file the export goes to stdout, in JSON when asked for a .json file.
    expect(run("graph-export", [], env).stdout).toBe(fs.readFileSync(EXAMPLE, "utf8"));
    const json = path.join(dir, "out.json");
    expect(run("graph-export", [json], env).status).toBe(0);
    expect(JSON.parse(fs.readFileSync(json, "utf8")).services).toHaveLength(42);
  });

  it("refuses a bad file naming line and entry, and changes nothing", () => {
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, "services:\n  - name: a\n    tier: 1\n    criticality: HIGH\n    team: t\n    dependsOn: [ghost]\n  - name: a\n    tier: 1\n    criticality: HIGH\n    team: t\n");
    const result = run("graph-import", [bad], env);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("refused, 2 problem(s); nothing was changed");
    expect(result.stderr).toContain(`${bad}:6:17 services[0] (a).dependsOn[0]: unknown service "ghost"`);
    expect(result.stderr).toContain(`${bad}:7:5 services[1] (a): duplicate service name "a"`);
    expect(run("graph-export", [], env).stdout).toBe(fs.readFileSync(EXAMPLE, "utf8"));
  });

  it("accepts and reports cycles, and reports the services a new file removes", () => {
    const cyclic = path.join(dir, "cyclic.yaml");
    fs.writeFileSync(
      cyclic,
      "services:\n  - { name: a, tier: 1, criticality: HIGH, team: t, dependsOn: [b] }\n  - { name: b, tier: 2, criticality: LOW, team: t, dependsOn: [a] }\n",
    );
    const dry = run("graph-import", [cyclic, "--dry-run"], env);
    expect(dry.stdout).toContain("Dry run: nothing was changed");
    // The dry run prints the diff against the stored graph.
    expect(dry.stdout).toContain("Against revision 1 of");
    expect(dry.stdout).toMatch(/services removed \(42\): /);
    expect(dry.stdout).toContain("edges added (2): a -> b, b -> a");
    expect(run("graph-export", [], env).stdout).toBe(fs.readFileSync(EXAMPLE, "utf8"));
    const result = run("graph-import", [cyclic], env);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("1 dependency cycle(s), accepted:\n  a ⇄ b");
    expect(result.stdout).toContain("Removed 42 service(s) not in the file");
  });

  it("says how to use it without a file, and names a missing file", () => {
    expect(run("graph-import", [], env)).toMatchObject({ status: 2, stderr: expect.stringContaining("usage: npm run graph:import") });
    expect(run("graph-import", [path.join(dir, "nope.yaml")], env)).toMatchObject({ status: 1, stderr: expect.stringContaining("no such file") });
  });
});

describe("graph:import on the embedded store", () => {
  it("imports into PGlite on disk, and refuses clearly while another process holds the store", () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-graph-pglite-"));
    try {
      const env = { INTERLOCK_DATA_DIR: dataDir };
      expect(run("graph-import", [EXAMPLE], env).status).toBe(0);
      expect(run("graph-export", [], env).stdout).toBe(fs.readFileSync(EXAMPLE, "utf8"));
      // This test process plays the running server.
      const release = claimDataDir(path.join(dataDir, "pglite"));
      try {
        const refused = run("graph-import", [EXAMPLE], env);
        expect(refused.status).toBe(1);
        expect(refused.stderr).toMatch(/Cannot open the store: the embedded store at .* is in use by another Interlock process/);
        expect(refused.stderr).toContain("set INTERLOCK_URL and INTERLOCK_TOKEN (an admin's API token) to import through it");
      } finally {
        release();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
