// `npm run audit:verify`                       verifies the configured store's audit chain
// `npm run audit:verify -- --file export.jsonl` verifies an export offline
//     [--public-key key.pem]                   the key its checkpoints must be signed with
//                                              (default: this installation's signing key)
// Prints the result as JSON; exits 0 when valid, 1 when not, 2 on bad usage.
import fs from "node:fs";
import readline from "node:readline";
import { parseArgs } from "node:util";
import type { KeyObject } from "node:crypto";
import crypto from "node:crypto";
import { parsePublicKey, loadAuditSigningKey } from "../server/adapters/audit/signing-key";
import { chainRowFromRecord, type ExportLine } from "../server/core/audit/export-format";
import type { AuditCheckpoint, VerificationResult } from "../server/core/audit/types";
import { verifyAuditLog } from "../server/core/audit/verify-audit-log";
import { verifyChain, type ChainRow } from "../server/core/audit/verify-chain";
import { openAudit } from "./lib/audit";
import { loadConfigOrExit } from "./lib/config";

let args: { file?: string; "public-key"?: string };
try {
  args = parseArgs({ options: { file: { type: "string" }, "public-key": { type: "string" } } }).values;
} catch (error) {
  console.error(`${(error as Error).message}\nusage: npm run audit:verify [-- --file export.jsonl [--public-key key.pem]]`);
  process.exit(2);
}
const env = loadConfigOrExit();

async function verifyFile(file: string, publicKey: KeyObject): Promise<VerificationResult> {
  if (!fs.existsSync(file)) {
    console.error(`no such file: ${file}`);
    process.exit(2);
  }
  // Checkpoints come after the events in an export: read them first, then stream the events.
  const checkpoints: AuditCheckpoint[] = [];
  for await (const line of readline.createInterface({ input: fs.createReadStream(file) })) {
    if (line.includes('"type":"checkpoint"')) {
      const { type: _type, ...checkpoint } = JSON.parse(line) as Extract<ExportLine, { type: "checkpoint" }>;
      checkpoints.push(checkpoint);
    }
  }
  async function* rows(): AsyncIterable<ChainRow> {
    let n = 0;
    for await (const line of readline.createInterface({ input: fs.createReadStream(file) })) {
      n++;
      if (!line.trim()) continue;
      let parsed: ExportLine;
      try {
        parsed = JSON.parse(line) as ExportLine;
      } catch {
        throw new Error(`${file}:${n} is not JSON`);
      }
      if (parsed.type === "event") {
        const { type: _type, ...record } = parsed;
        yield chainRowFromRecord(record);
      }
    }
  }
  return verifyChain({ rows: rows(), tableCheckpoints: checkpoints, sinkCheckpoints: [], publicKey });
}

let result: VerificationResult;
if (args.file) {
  const publicKey = args["public-key"]
    ? parsePublicKey(fs.readFileSync(args["public-key"], "utf8"), args["public-key"])
    : crypto.createPublicKey(loadAuditSigningKey({ configured: env.AUDIT_SIGNING_KEY, keyFile: env.auditKeyFile }));
  result = await verifyFile(args.file, publicKey);
} else {
  const audit = await openAudit(env);
  try {
    // As the server verifies: an unsigned tail older than its checkpoints would allow is missing evidence.
    result = await verifyAuditLog({ store: audit.store, sink: audit.sink, publicKey: audit.publicKey, unsigned: { now: audit.log.now(), graceMs: audit.log.unsignedGraceMs } });
  } finally {
    await audit.db.close();
  }
}
console.log(JSON.stringify(result));
console.error(result.valid ? `audit chain valid: ${result.checked} events, ${result.checkpoints} checkpoints` : `AUDIT CHAIN BROKEN: ${result.kind} at seq ${result.firstBadSeq}: ${result.detail}`);
process.exit(result.valid ? 0 : 1);
