// `npm run graph:import -- <file.yaml|file.json> [--dry-run] [--drop-observed]`:
// makes the declared dependency graph what the file says (format:
// docs/topology.md), through the same path as PUT /api/v1/graph
// (docs/graph-changes.md#graph-import): one transaction, a new revision, one
// graph.changed audit event with the diff, provenance FILE with the file's name.
// A file with any problem is refused whole, each problem named by line and
// entry, and nothing is changed. Cycles are accepted and listed. --dry-run
// prints the diff and changes nothing. Edges only observed in traffic stay
// unless --drop-observed.
//
// Two ways to reach the graph:
//   - INTERLOCK_URL and INTERLOCK_TOKEN (an admin's API token) set: through the
//     running server (works with the embedded store while the server runs);
//   - otherwise the store directly: Postgres at any time; the embedded store
//     only while no server holds it.
import fs from "node:fs";
import path from "node:path";
import type { TGraphChangeResult } from "../lib/api/graph-live";
import { describeFileProblems, parseTopologyFile } from "../server/adapters/topology-file/topology-file";
import { PrismaConflictPolicyStore } from "../server/adapters/postgres/conflict-policy-store";
import { PostgresGraphChangeStore } from "../server/adapters/postgres/graph-change-store";
import { systemClock } from "../server/core/clock";
import { getConflictPolicy } from "../server/core/conflicts/get-conflict-policy";
import { isAppError } from "../server/core/errors";
import { applyTopologyDocument } from "../server/core/graph/apply-topology-document";
import { diffTopologyDocument } from "../server/core/graph/diff-topology-document";
import type { GraphChangeResult } from "../server/core/graph/graph-change-result";
import type { TopologySpec } from "../server/core/topology/types";
import { auditFor, cliActor } from "./lib/audit";
import { openScriptGraphStores } from "./lib/graph-stores";

const args = process.argv.slice(2);
const dryRun = args.includes("--dry-run");
const observed = args.includes("--drop-observed") ? "drop" : "keep";
const file = args.find((a) => !a.startsWith("--"));
if (!file) {
  console.error("usage: npm run graph:import -- <topology.yaml|topology.json> [--dry-run] [--drop-observed]   (format: docs/topology.md)");
  process.exit(2);
}

let text: string;
try {
  text = fs.readFileSync(file, "utf8");
} catch (error) {
  console.error(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error)}`);
  process.exit(1);
}

const parsed = parseTopologyFile(text);
if (!parsed.ok) {
  console.error(`${file}: refused, ${parsed.problems.length} problem(s); nothing was changed.\n${describeFileProblems(file, parsed.problems)}`);
  process.exit(1);
}
const { topology } = parsed;
const origin = path.basename(file);
const options = { source: "FILE" as const, origin, observed: observed as "keep" | "drop" };
const summary = `${topology.services.length} services, ${topology.dependencies.length} dependencies, ${topology.resourceGroups.length} resource groups`;
const memberships = topology.resourceGroups.reduce((n, g) => n + g.members.length, 0);

const url = process.env.INTERLOCK_URL;
const token = process.env.INTERLOCK_TOKEN;
let result: GraphChangeResult | TGraphChangeResult;
let where: string;
try {
  if (url && token) {
    where = url;
    result = await throughServer(url, token, topology);
  } else {
    const direct = await directly(topology);
    result = direct.result;
    where = direct.where;
  }
} catch (error) {
  if (!isAppError(error)) throw error;
  console.error(`${file}: refused (${error.code}): ${error.message}. Nothing was changed.`);
  process.exit(1);
}
report(result);

async function directly(document: TopologySpec): Promise<{ result: GraphChangeResult; where: string }> {
  const stores = await openScriptGraphStores({
    // The embedded store takes one process at a time: while the server runs, go through it.
    busyHint: "While the server runs, set INTERLOCK_URL and INTERLOCK_TOKEN (an admin's API token) to import through it.",
  });
  try {
    const deps = {
      changes: new PostgresGraphChangeStore(stores.db),
      audit: auditFor(stores.env, stores.db).log,
      clock: systemClock,
      mirror: stores.neo4j,
      conflictPolicy: () => getConflictPolicy({ policies: new PrismaConflictPolicyStore(stores.db) }),
    };
    const by = { actor: cliActor(), role: "ADMIN" as const };
    const result = dryRun ? await diffTopologyDocument(deps, document, options, by) : await applyTopologyDocument(deps, document, options, by);
    await deps.audit.settle();
    return { result, where: stores.describe() };
  } finally {
    await stores.close();
  }
}

async function throughServer(base: string, apiToken: string, document: TopologySpec): Promise<TGraphChangeResult> {
  const query = new URLSearchParams({ source: "FILE", origin, observed });
  const response = await fetch(`${base.replace(/\/+$/, "")}/api/v1/graph${dryRun ? "/diff" : ""}?${query}`, {
    method: dryRun ? "POST" : "PUT",
    headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json" },
    body: JSON.stringify(document),
  });
  const body = (await response.json().catch(() => null)) as (TGraphChangeResult & { error?: { code: string; message: string } }) | null;
  if (!response.ok) {
    const message = body?.error?.message ?? `HTTP ${response.status}`;
    const hint = response.status === 413 ? " (raise API_MAX_BODY_BYTES on the server, or import directly against Postgres)" : response.status === 403 ? " (the token must be an admin's)" : "";
    console.error(`${file}: refused by ${base} (${response.status}): ${message}${hint}. Nothing was changed.`);
    process.exit(1);
  }
  return body!;
}

function report(r: GraphChangeResult | TGraphChangeResult): void {
  const d = r.diff;
  const counts = `${r.summary.added} added, ${r.summary.removed} removed, ${r.summary.changed} changed`;
  const cycles = r.cycles.length === 0 ? "No dependency cycles" : `${r.cycles.length} dependency cycle(s), accepted:\n${r.cycles.map((c) => `  ${c.join(" ⇄ ")}`).join("\n")}`;
  const lines: string[] = [];
  if (dryRun) lines.push(`${file}: valid (${summary}). Against revision ${r.baseRevision} of ${where}: ${counts}.`);
  else lines.push(`Imported ${file} into ${where}: ${summary} (${memberships} memberships); ${counts}; revision ${r.revision}.`);
  const list = (label: string, names: string[]) => {
    if (names.length > 0) lines.push(`  ${label} (${names.length}): ${names.slice(0, 20).join(", ")}${names.length > 20 ? ", …" : ""}`);
  };
  list("services added", d.services.added.map((s) => s.name));
  list("services removed", d.services.removed.map((s) => s.name));
  list("services changed", d.services.changed.map((c) => `${c.name} (${c.fields.join(", ")})`));
  list("edges added", d.edges.added.map((e) => `${e.from} -> ${e.to}`));
  list("edges removed", d.edges.removed.map((e) => `${e.from} -> ${e.to}`));
  list("edges changed", d.edges.changed.map((e) => `${e.from} -> ${e.to} (${e.before} → ${e.after})`));
  list("groups added", d.groups.added.map((g) => g.name));
  list("groups removed", d.groups.removed.map((g) => g.name));
  list("groups changed", d.groups.changed.map((g) => g.name));
  list("kept, only observed in traffic", r.keptObserved.map((e) => `${e.from} -> ${e.to}`));
  if (r.inFlight.length > 0) list("in-flight operations whose conflicts change", r.inFlight.map((c) => `${c.operationId} (${c.service})`));
  if (!dryRun && d.services.removed.length > 0) lines.push(`Removed ${d.services.removed.length} service(s) not in the file: ${d.services.removed.map((s) => s.name).join(", ")}`);
  lines.push(cycles);
  if (dryRun) lines.push("Dry run: nothing was changed.");
  console.log(lines.join("\n"));
}
