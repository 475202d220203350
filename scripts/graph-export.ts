// `npm run graph:export -- [file.yaml|file.json]`: writes the stored dependency
// graph in the topology file format (docs/topology.md), to the file or to
// standard output; `graph:import` reads it back unchanged. JSON when the file
// name ends in .json, YAML otherwise.
import fs from "node:fs";
import { formatTopologyFile } from "../server/adapters/topology-file/topology-file";
import { exportTopology } from "../server/core/graph/export-topology";
import { openScriptGraphStores } from "./lib/graph-stores";

const file = process.argv.slice(2).find((a) => !a.startsWith("--"));
const stores = await openScriptGraphStores();
try {
  const topology = await exportTopology({ graph: stores.primary });
  const text = formatTopologyFile(topology, file?.endsWith(".json") ? "json" : "yaml");
  if (file) {
    fs.writeFileSync(file, text);
    // Progress goes to stderr so that `graph:export > file` stays a clean file.
    console.error(`Exported ${topology.services.length} services, ${topology.dependencies.length} dependencies, ${topology.resourceGroups.length} resource groups from ${stores.describe()} to ${file}.`);
  } else {
    process.stdout.write(text);
  }
} finally {
  await stores.close();
}
