// Changing the graph through the REST API on the real container over Postgres
// (docs/graph-changes.md): preview with POST /api/v1/graph/diff, apply exactly
// that with PUT /api/v1/graph?expectedRevision, provenance per element; an
// invalid document is refused naming each problem, a stale revision with 409,
// a non-admin with 403, and none of them writes anything.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZGraphChangeResult, ZGraphProvenance } from "@/lib/api/graph-live";
import { ZTopology } from "@/lib/api/graph";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";
import { insertApiToken } from "../../testing/identity";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("graph_changes_api");
}, 120_000);
afterAll(async () => {
  await api?.close();
});

async function send(role: Role, path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { ...(await api.as(role)) };
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : null) as any };
}

async function revisionAndEvents() {
  const [row] = await api.container.db.query<{ revision: string; events: string }>(
    `SELECT (SELECT revision FROM graph_revision WHERE id = 1)::text AS revision, (SELECT count(*) FROM audit_events WHERE action = 'graph.changed')::text AS events`,
  );
  return { revision: Number(row!.revision), events: Number(row!.events) };
}

describe("PUT /api/v1/graph and POST /api/v1/graph/diff", () => {
  it("previews a change, applies exactly it at the revision previewed, and records where each element came from", async () => {
    const current = ZTopology.parse((await send("VIEWER", "/api/v1/graph")).json);
    const start = await revisionAndEvents();
    const next = {
      ...current,
      services: [...current.services, { name: "archive-vault-service", tier: 3, criticality: "HIGH", team: "payments", description: "Ledger" }],
      dependencies: [...current.dependencies, { from: "archive-vault-service", to: current.services[0]!.name, kind: "SYNC_API" }],
    };
    const preview = await send("ADMIN", "/api/v1/graph/diff", { body: next });
    expect(preview.status).toBe(200);
    const diff = ZGraphChangeResult.parse(preview.json);
    expect(diff).toMatchObject({ applied: false, revision: null, baseRevision: start.revision, summary: { added: 2, removed: 0, changed: 0 } });
    expect(diff.diff.services.added.map((s) => s.name)).toEqual(["archive-vault-service"]);
    expect(await revisionAndEvents()).toEqual(start);

    const put = await send("ADMIN", `/api/v1/graph?expectedRevision=${diff.baseRevision}&origin=estate-v2`, { method: "PUT", body: next });
    expect(put.status).toBe(200);
    const applied = ZGraphChangeResult.parse(put.json);
    expect(applied).toMatchObject({ applied: true, revision: start.revision + 1, baseRevision: start.revision, diff: diff.diff });
    expect(await revisionAndEvents()).toEqual({ revision: start.revision + 1, events: start.events + 1 });
    // This process's index was handed the new graph: no reload needed to see the new service.
    expect(api.container.graphIndex.revision).toBe(start.revision + 1);
    expect((await api.container.graphIndex.current(new Date())).idOf("archive-vault-service")).toBeDefined();

    const provenance = ZGraphProvenance.parse((await send("VIEWER", "/api/v1/graph/provenance")).json);
    expect(provenance.revision).toBe(start.revision + 1);
    expect(provenance.services.find((s) => s.name === "archive-vault-service")!.sources).toEqual([expect.objectContaining({ source: "CONSOLE", origin: "estate-v2", evidence: null })]);
    const edge = provenance.edges.find((e) => e.from === "archive-vault-service")!;
    expect(edge).toMatchObject({ declared: true, observed: false });

    // The same diff again, at the revision it was computed against: the graph has moved.
    const stale = await send("ADMIN", `/api/v1/graph?expectedRevision=${diff.baseRevision}`, { method: "PUT", body: next });
    expect(stale.status).toBe(409);
    expect(stale.json.error).toMatchObject({ code: "CONFLICT", details: { expectedRevision: start.revision, revision: start.revision + 1 } });
    expect(await revisionAndEvents()).toEqual({ revision: start.revision + 1, events: start.events + 1 });
  });

  it("refuses an invalid document with 422 naming each problem, and writes nothing", async () => {
    const before = await revisionAndEvents();
    const badShape = await send("ADMIN", "/api/v1/graph", { method: "PUT", body: { services: [{ name: "a", tier: 0, criticality: "HUGE", team: "t" }], dependencies: [] } });
    expect(badShape.status).toBe(422);
    const where = JSON.stringify(badShape.json.error.details);
    expect(where).toContain("tier");
    expect(where).toContain("criticality");

    const inconsistent = await send("ADMIN", "/api/v1/graph/diff", {
      body: {
        services: [
          { name: "a", tier: 1, criticality: "HIGH", team: "t" },
          { name: "a", tier: 2, criticality: "LOW", team: "t" },
        ],
        dependencies: [{ from: "a", to: "ghost" }],
        resourceGroups: [{ name: "db", kind: "DATABASE", members: ["phantom"] }],
      },
    });
    expect(inconsistent.status).toBe(422);
    expect(inconsistent.json.error.details.problems).toEqual([
      'services[1]: duplicate service name "a"',
      'dependencies[0]: unknown service "ghost"',
      'resourceGroups[0]: unknown service "phantom" in group "db"',
    ]);
    expect(await revisionAndEvents()).toEqual(before);
  });

  it("lets only an admin diff or change the graph; anyone signed in reads the provenance", async () => {
    const current = (await send("VIEWER", "/api/v1/graph")).json;
    expect((await send("APPROVER", "/api/v1/graph", { method: "PUT", body: current })).status).toBe(403);
    expect((await send("OPERATOR", "/api/v1/graph/diff", { body: current })).status).toBe(403);
    expect((await send("VIEWER", "/api/v1/graph/provenance")).status).toBe(200);
  });
});

describe("npm run graph:import through the running server", () => {
  it("with INTERLOCK_URL and an admin's INTERLOCK_TOKEN, puts the file through PUT /api/v1/graph: source FILE, origin the file name", async () => {
    // The harness answers in-process; a small HTTP front door lets the script reach it as it would reach a server.
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const headers = Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === "string"));
        void api.fetch(req.url!, { method: req.method, headers, body }).then(async (r) => {
          res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
          res.end(Buffer.from(await r.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-graph-import-http-"));
    try {
      const admin = (await api.container.db.query<{ id: string }>(`SELECT id::text AS id FROM users WHERE role = 'ADMIN' LIMIT 1`))[0]!;
      const { secret } = await insertApiToken(api.container.identity.store, { name: "graph-import", createdById: admin.id, role: "ADMIN" });
      const current = ZTopology.parse((await send("VIEWER", "/api/v1/graph")).json);
      const file = path.join(dir, "estate.yaml");
      // Only the first service changes (its description); edges and groups are carried over as the export writes them.
      const exported = await send("VIEWER", "/api/v1/graph");
      fs.writeFileSync(file, JSON.stringify({ // JSON is YAML too; the file format is docs/topology.md
        services: exported.json.services.map((s: any) => ({
          ...s,
          description: s.name === current.services[0]!.name ? "imported over HTTP" : s.description,
          dependsOn: exported.json.dependencies.filter((d: any) => d.from === s.name).map((d: any) => ({ service: d.to, kind: d.kind })),
          resourceGroups: exported.json.resourceGroups.filter((g: any) => g.members.includes(s.name)).map((g: any) => g.name),
        })),
        resourceGroups: exported.json.resourceGroups.map(({ name, kind, description }: any) => ({ name, kind, description })),
      }));
      const before = await revisionAndEvents();
      const address = server.address() as { port: number };
      const root = path.resolve(import.meta.dirname, "../../..");
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "scripts/graph-import.ts", file], {
          cwd: root,
          env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", INTERLOCK_URL: `http://127.0.0.1:${address.port}`, INTERLOCK_TOKEN: secret },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("exit", (code) => resolve({ code, stdout, stderr }));
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`revision ${before.revision + 1}`);
      expect(result.stdout).toContain(`services changed (1): ${current.services[0]!.name} (description)`);
      const provenance = ZGraphProvenance.parse((await send("VIEWER", "/api/v1/graph/provenance")).json);
      expect(provenance.services.find((s) => s.name === current.services[0]!.name)!.sources).toEqual(expect.arrayContaining([expect.objectContaining({ source: "FILE", origin: "estate.yaml" })]));
      expect(await revisionAndEvents()).toEqual({ revision: before.revision + 1, events: before.events + 1 });
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
