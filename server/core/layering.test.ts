// DESIGN.md §2 as a test: the domain core imports no framework or driver,
// adapters mark themselves server-only, and pages/routes reach the store only
// through the container and the core's use cases.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(ts|tsx)$/.test(f) && !f.includes("generated") && !/\.test\.tsx?$/.test(f))
    .map((f) => path.join(dir, f));
}

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

  it("lib/ stays safe for the browser: no server code", () => {
    const offences = sourceFiles("lib").flatMap((file) => importsOf(file).filter((spec) => spec.includes("server")).map((spec) => `${file} imports ${spec}`));
    expect(offences).toEqual([]);
  });
});
