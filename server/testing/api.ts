// The REST API in-process, for tests: the real container on a fresh Postgres
// database (real store, real orchestrator worker, real audit chain), and the
// real route modules under app/api called with real Request objects. Nothing
// between the test and the route is simulated except the network hop (the
// Playwright tests cover that against the built server).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encode } from "next-auth/jwt";
import type { Container } from "../container";
import type { Role } from "../core/identity/roles";
import { createTestDatabase, type TestDatabase } from "./postgres";

const root = path.resolve(import.meta.dirname, "..", "..");

export interface RouteFile {
  /** OpenAPI form: /api/v1/tokens/{id}. */
  template: string;
  file: string;
  methods: Record<string, (request: Request, segment: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>>;
}

/** Every app/api/** /route.ts, imported, with its path as a template. */
export async function loadRouteFiles(): Promise<RouteFile[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") files.push(full);
    }
  };
  walk(path.join(root, "app", "api"));
  const routes: RouteFile[] = [];
  for (const file of files.sort()) {
    const rel = path.relative(path.join(root, "app"), path.dirname(file)).split(path.sep);
    const template = "/" + rel.map((seg) => seg.replace(/^\[\.\.\.(\w+)\]$/, "{...$1}").replace(/^\[(\w+)\]$/, "{$1}")).join("/");
    const mod = (await import(file)) as Record<string, unknown>;
    const methods = Object.fromEntries(Object.entries(mod).filter(([name, value]) => /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/.test(name) && typeof value === "function")) as RouteFile["methods"];
    routes.push({ template, file: path.relative(root, file), methods });
  }
  return routes;
}

function match(template: string, pathname: string): Record<string, string | string[]> | null {
  const t = template.split("/");
  const p = pathname.split("/");
  const params: Record<string, string | string[]> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    const rest = /^\{\.\.\.(\w+)\}$/.exec(seg);
    if (rest) {
      if (p.length <= i) return null;
      params[rest[1]!] = p.slice(i).map(decodeURIComponent);
      return params;
    }
    if (i >= p.length) return null;
    const param = /^\{(\w+)\}$/.exec(seg);
    if (param) params[param[1]!] = decodeURIComponent(p[i]!);
    else if (seg !== p[i]) return null;
  }
  return t.length === p.length ? params : null;
}

export interface ApiHarness {
  container: Container;
  routes: RouteFile[];
  db: TestDatabase;
  /** Sends a request to the route that Next would route it to (static segments win over dynamic ones, as in Next). */
  fetch(input: string, init?: RequestInit): Promise<Response>;
  /** A session cookie for a user, as next-auth would set it after sign-in now. */
  sessionCookie(userId: string): Promise<string>;
  /** Headers for each demo user's session (cookie + same-origin Origin). */
  as(role: Role): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export const ORIGIN = "http://interlock.test";

export async function startApiHarness(label: string, env: Record<string, string> = {}): Promise<ApiHarness> {
  const db = await createTestDatabase(label);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-api-"));
  Object.assign(process.env, {
    DATABASE_URL: db.url,
    INTERLOCK_DATA_DIR: dataDir,
    AUTH_SECRET: "api-test-secret-0123456789abcdefghijklmnopqrstuv",
    // Required with DATABASE_URL (server/env.ts); loopback http keeps next-auth's plain cookie names in these tests.
    AUTH_URL: "http://127.0.0.1:3000",
    INTERLOCK_DEMO_USERS: "true",
    INTERLOCK_INSECURE_DEMO_USERS: "true",
    LOG_LEVEL: "silent",
    SIMULATION_TIME_SCALE: "100000",
    // The journeys run on the 42 demo services, which a DATABASE_URL store no longer seeds unless asked.
    INTERLOCK_SEED_DEMO: "true",
    // Background chain verification appends events at its own times; tests that count rows need quiet.
    AUDIT_VERIFY_INTERVAL_MINUTES: "0",
    ...env,
  });
  const { getContainer, disposeContainer } = await import("../container");
  const container = await getContainer();
  const routes = await loadRouteFiles();
  // Next prefers static segments; sort so that templates with fewer dynamic parts are tried first.
  const ordered = [...routes].sort((a, b) => dynamicCount(a.template) - dynamicCount(b.template));
  // As the jwt callback signs it: the user id and the account's session epoch now.
  const sessionCookie = async (userId: string) => {
    const epoch = (await container.identity.store.findUserById(userId))?.sessionEpoch ?? null;
    return `next-auth.session-token=${await encode({ token: { uid: userId, sub: userId, epoch }, secret: container.identity.secret })}`;
  };
  const roleHeaders = new Map<Role, Record<string, string>>();
  return {
    container,
    routes,
    db,
    async fetch(input, init = {}) {
      const url = new URL(input, ORIGIN);
      for (const route of ordered) {
        const params = match(route.template, url.pathname);
        if (!params) continue;
        const method = (init.method ?? "GET").toUpperCase();
        const handler = route.methods[method];
        if (!handler) throw new Error(`${route.file} has no ${method} handler (every API route file answers every method)`);
        return handler(new Request(url, init), { params: Promise.resolve(params) });
      }
      throw new Error(`no route file serves ${url.pathname}`);
    },
    sessionCookie,
    async as(role) {
      if (!roleHeaders.has(role)) {
        const user = await container.identity.store.findUserByEmail(`${role.toLowerCase()}@interlock.local`);
        if (!user) throw new Error(`no demo user for ${role}`);
        roleHeaders.set(role, { cookie: await sessionCookie(user.id), origin: ORIGIN, host: new URL(ORIGIN).host });
      }
      return roleHeaders.get(role)!;
    },
    async close() {
      await disposeContainer();
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function dynamicCount(template: string): number {
  return (template.match(/\{/g) ?? []).length * 10 + (template.includes("{...") ? 100 : 0);
}
