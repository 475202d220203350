// The architecture's layers as a test: the domain core imports no framework
// or driver, adapters mark themselves server-only, pages/routes reach the
// store only through the container and the core's use cases, and the
// self-healing demo (demo/) is a client of the engine: the server never
// imports it, and it uses only the orchestrator's public surface.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

function sourceFiles(dir: string, options: { tests?: boolean } = {}): string[] {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [dir];
  return fs.readdirSync(abs, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(ts|tsx)$/.test(f) && !f.includes("generated") && (options.tests || !/\.test\.tsx?$/.test(f)))
    .map((f) => path.join(dir, f));
}

/** Where an import points, relative to the repository root ("@/x" and relative paths); null for packages. */
function targetOf(file: string, spec: string): string | null {
  if (spec.startsWith("@/")) return path.normalize(spec.slice(2));
  if (spec.startsWith(".")) return path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec));
  return null;
}

/** The orchestrator's public modules: what a client of the engine (the demo) may import from server/core/operations. */
const PUBLIC_OPERATIONS = new Set(["orchestrator", "types", "ports", "state-machine", "orchestrator-config"].map((m) => path.join("server", "core", "operations", m)));

function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

const FORBIDDEN_IN_CORE = /^(next|next\/.*|react|react-dom|react\/.*|@prisma\/.*|ioredis|neo4j-driver|pg|@electric-sql\/.*|pglite-prisma-adapter|pino|prom-client|server-only)$/;

describe("layering", () => {
  it("finds the files it checks", () => {
    expect(sourceFiles("server/core").length).toBeGreaterThan(5);
    expect(sourceFiles("server/adapters").length).toBeGreaterThan(2);
  });

  it("server/core imports no framework, driver or ORM, and nothing outside the core", () => {
    const offences: string[] = [];
    for (const file of sourceFiles("server/core")) {
      for (const spec of importsOf(file)) {
        if (FORBIDDEN_IN_CORE.test(spec)) offences.push(`${file} imports ${spec}`);
        if (spec.startsWith(".")) {
          const target = path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec));
          if (!target.startsWith(path.join("server", "core"))) offences.push(`${file} reaches outside the core: ${spec}`);
        }
        if (spec.startsWith("@/")) offences.push(`${file} imports ${spec}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it("every adapter file imports server-only first", () => {
    const missing = sourceFiles("server/adapters").filter((file) => importsOf(file)[0] !== "server-only");
    expect(missing).toEqual([]);
  });

  it("pages, routes and components never import adapters or the Prisma client directly", () => {
    const offences = [...sourceFiles("app"), ...sourceFiles("components"), ...sourceFiles("lib")].flatMap((file) =>
      importsOf(file)
        .filter((spec) => /server\/adapters|@prisma\/|^pg$|@electric-sql/.test(spec))
        .map((spec) => `${file} imports ${spec}`),
    );
    expect(offences).toEqual([]);
  });

  it("the server never imports the demo: nothing under server/core, server/adapters, server/container.ts or server/boot.ts reaches demo/", () => {
    const files = [...sourceFiles("server/core", { tests: true }), ...sourceFiles("server/adapters", { tests: true }), ...sourceFiles("server/container.ts"), ...sourceFiles("server/boot.ts")];
    expect(files.length).toBeGreaterThan(50);
    expect(files).toContain(path.join("server", "container.ts"));
    const offences = files.flatMap((file) =>
      importsOf(file)
        .filter((spec) => {
          const target = targetOf(file, spec);
          return target !== null && (target === "demo" || target.startsWith(`demo${path.sep}`));
        })
        .map((spec) => `${file} imports ${spec}`),
    );
    expect(offences).toEqual([]);
  });

  it("the demo is a client of the engine: no orchestrator internals (.deps, .worker) and only the public modules of server/core/operations", () => {
    const files = sourceFiles("demo").filter((f) => !f.startsWith(path.join("demo", "services")));
    expect(files.length).toBeGreaterThan(10);
    expect(files).toContain(path.join("demo", "pipeline", "failure-matrix.ts"));
    const offences: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(path.join(root, file), "utf8");
      for (const m of text.matchAll(/\b(\w*[oO]rchestrator)\s*\.\s*(deps|worker)\b/g)) offences.push(`${file} uses ${m[1]}.${m[2]}`);
      for (const spec of importsOf(file)) {
        const target = targetOf(file, spec)?.replace(/\.tsx?$/, "");
        if (target?.startsWith(path.join("server", "core", "operations") + path.sep) && !PUBLIC_OPERATIONS.has(target)) offences.push(`${file} imports an orchestrator internal: ${spec}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it("the engine ships no fault injection: no simulateCrash in server/core", () => {
    const files = sourceFiles("server/core", { tests: true });
    expect(files.length).toBeGreaterThan(50);
    const offences = files.filter((file) => file !== path.join("server", "core", "layering.test.ts") && /\bsimulateCrash\b/.test(fs.readFileSync(path.join(root, file), "utf8")));
    expect(offences).toEqual([]);
  });

  it("every demo adapter file imports server-only first", () => {
    const files = [...sourceFiles("demo/adapters"), ...sourceFiles("demo/console")];
    expect(files.length).toBeGreaterThan(3);
    expect(files.filter((file) => importsOf(file)[0] !== "server-only")).toEqual([]);
  });

  it("lib/ stays safe for the browser: no server code", () => {
    const offences = sourceFiles("lib").flatMap((file) => importsOf(file).filter((spec) => spec.includes("server")).map((spec) => `${file} imports ${spec}`));
    expect(offences).toEqual([]);
  });
});
