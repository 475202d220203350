// `npm run audit:export -- [file]`: writes the audit log as JSONL (header, every
// event with its canonical text and hashes, the signed checkpoints) to the file,
// or to stdout. `npm run audit:verify -- --file <file>` checks it offline.
import fs from "node:fs";
import type { ExportLine } from "../server/core/audit/export-format";
import { exportAuditLog } from "../server/core/audit/export-audit-log";
import { openAudit } from "./lib/audit";
import { loadConfigOrExit } from "./lib/config";

const target = process.argv[2];
const env = loadConfigOrExit();
const audit = await openAudit(env);
const out = target ? fs.createWriteStream(target) : process.stdout;
const write = (line: ExportLine) => new Promise<void>((resolve) => (out.write(`${JSON.stringify(line)}\n`) ? resolve() : out.once("drain", resolve)));
let events = 0;
let checkpoints = 0;
try {
  for await (const line of exportAuditLog({ store: audit.store, publicKey: audit.publicKey, now: new Date() })) {
    await write(line);
    if (line.type === "event") events++;
    if (line.type === "checkpoint") checkpoints++;
  }
  if (target) await new Promise<void>((resolve) => (out as fs.WriteStream).end(resolve));
  console.error(`exported ${events} events and ${checkpoints} checkpoints${target ? ` to ${target}` : ""}`);
} finally {
  await audit.db.close();
}
