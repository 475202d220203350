// Prisma's schema engine, run from its WebAssembly build so that no binary is
// downloaded (docs/operations.md#upgrades). We use it only for datamodel-to-datamodel diffs;
// the engine still opens a connection, so it is given a throwaway in-memory PGlite.
import fs from "node:fs";
import { createRequire } from "node:module";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

const require = createRequire(import.meta.url);
let started = false;

function startWasm(): void {
  if (started) return;
  const wasmPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg").replace(/\.js$/, ".wasm");
  const module = new WebAssembly.Module(fs.readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(module, { "./schema_engine_bg.js": bg as unknown as WebAssembly.ModuleImports });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  started = true;
}

/** The SQL that takes a database from `fromSchema` (null: empty) to `toSchema`, as `prisma migrate diff --script` writes it. */
export async function diffSchemas(fromSchema: string | null, toSchema: string): Promise<string> {
  startWasm();
  const scratch = new PGlite();
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(scratch));
  const engine = await bg.SchemaEngine.new({ datamodels: [["schema.prisma", toSchema]] }, () => {}, adapter);
  try {
    const result = await engine.diff({
      from: fromSchema === null ? { tag: "empty" } : { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: fromSchema }] },
      to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: toSchema }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? "";
  } finally {
    engine.free();
    await scratch.close();
  }
}
