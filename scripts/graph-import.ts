// `npm run graph:import -- <file.yaml|file.json> [--dry-run]`: replaces the
// stored dependency graph with the topology in the file (format:
// docs/topology.md). A file with any problem is refused whole, each problem
// named by line and entry, and nothing is changed. Cycles are accepted and
// listed. Against the embedded store the server must be stopped (PGlite takes
// one process at a time).
import fs from "node:fs";
import path from "node:path";
import { describeFileProblems, parseTopologyFile } from "../server/adapters/topology-file/topology-file";
import { isAppError } from "../server/core/errors";
import { findDependencyCycles } from "../server/core/graph/find-dependency-cycles";
import { importTopology } from "../server/core/graph/import-topology";
import { auditFor, cliActor } from "./lib/audit";
import { openScriptGraphStores } from "./lib/graph-stores";

const args = process.argv.slice(2);
const dryRun = args.includes("--dry-run");
const file = args.find((a) => !a.startsWith("--"));
if (!file) {
  console.error("usage: npm run graph:import -- <topology.yaml|topology.json> [--dry-run]   (format: docs/topology.md)");
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
const cycles = findDependencyCycles(topology);
const summary = `${topology.services.length} services, ${topology.dependencies.length} dependencies, ${topology.resourceGroups.length} resource groups`;
const cycleText = cycles.length === 0 ? "no dependency cycles" : `${cycles.length} dependency cycle(s), accepted:\n${cycles.map((c) => `  ${c.join(" ⇄ ")}`).join("\n")}`;

if (dryRun) {
  console.log(`${file}: valid (${summary}); ${cycleText}. Dry run: nothing was changed.`);
  process.exit(0);
}

const stores = await openScriptGraphStores();
try {
  const outcome = await importTopology({ graph: stores.postgres }, topology);
  if (stores.neo4j) await importTopology({ graph: stores.neo4j }, topology);
  // Replacing the graph changes every later conflict decision: the trail records who did it and what changed.
  const audit = auditFor(stores.env, stores.db);
  await audit.log.append({
    category: "SYSTEM_HEALTH",
    severity: outcome.removedServices.length > 0 ? "WARNING" : "INFO",
    actor: cliActor(),
    action: "topology.imported",
    payload: {
      file: path.basename(file),
      services: topology.services.length,
      dependencies: topology.dependencies.length,
      resourceGroups: topology.resourceGroups.length,
      removedServices: outcome.removedServices,
      cycles: cycles.map((c) => c.join(" ⇄ ")),
    },
  });
  await audit.log.settle();
  console.log(`Imported ${file} into ${stores.describe()}: ${summary} (${outcome.members} memberships).`);
  if (outcome.removedServices.length > 0) console.log(`Removed ${outcome.removedServices.length} service(s) not in the file: ${outcome.removedServices.join(", ")}`);
  console.log(cycleText.charAt(0).toUpperCase() + cycleText.slice(1));
} catch (error) {
  if (!isAppError(error)) throw error;
  console.error(`${file}: refused by the store (${error.code}): ${error.message}. Nothing was changed${stores.neo4j ? " in Postgres (check Neo4j if Postgres had already been written)" : ""}.`);
  process.exitCode = 1;
} finally {
  await stores.close();
}
