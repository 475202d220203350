// `npm run audit:export -- [file]`: writes the audit log as JSONL (header, every
// event with its canonical text and hashes, the signed checkpoints) to the file,
// or to stdout. `npm run audit:verify -- --file <file>` checks it offline.
import fs from "node:fs";
import { EXPORT_FORMAT, type ExportLine } from "../server/core/audit/export-format";
import { keyIdOf } from "../server/core/audit/checkpoint-signing";
import { openAudit } from "./lib/audit";
import { loadConfigOrExit } from "./lib/config";

const target = process.argv[2];
const env = loadConfigOrExit();
const audit = await openAudit(env);
const out = target ? fs.createWriteStream(target) : process.stdout;
const write = (line: ExportLine) => new Promise<void>((resolve) => (out.write(`${JSON.stringify(line)}\n`) ? resolve() : out.once("drain", resolve)));
let events = 0;
try {
  await write({ type: "header", format: EXPORT_FORMAT, exportedAt: new Date().toISOString(), keyId: keyIdOf(audit.publicKey), publicKeyPem: audit.publicKey.export({ type: "spki", format: "pem" }).toString() });
  for await (const record of audit.store.streamRecords(5_000)) {
    await write({ type: "event", ...record });
    events++;
  }
  const checkpoints = await audit.store.listCheckpoints();
  for (const checkpoint of checkpoints) await write({ type: "checkpoint", ...checkpoint });
  if (target) await new Promise<void>((resolve) => (out as fs.WriteStream).end(resolve));
  console.error(`exported ${events} events and ${checkpoints.length} checkpoints${target ? ` to ${target}` : ""}`);
} finally {
  await audit.db.close();
}
