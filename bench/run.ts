// `npm run bench -- <name>`: runs one benchmark from bench/<name>.ts.
import path from "node:path";
import fs from "node:fs";

const name = process.argv[2];
const available = fs.readdirSync(import.meta.dirname).filter((f) => f.endsWith(".bench.ts")).map((f) => f.replace(".bench.ts", ""));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join("|")}>`);
  process.exit(2);
}
await import(path.join(import.meta.dirname, `${name}.bench.ts`));
