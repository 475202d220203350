import "server-only";
import fs from "node:fs";
import path from "node:path";
import type { CheckpointSink } from "../../core/audit/ports";
import type { AuditCheckpoint } from "../../core/audit/types";

/**
 * Checkpoints appended to a JSONL file outside the database, one signed head a
 * line, flushed to disk before the append returns. Point AUDIT_CHECKPOINT_FILE at
 * storage the database's writers cannot rewrite (another volume, a WORM bucket
 * mount) and a rewritten or truncated chain cannot hide.
 */
export class JsonlCheckpointSink implements CheckpointSink {
  constructor(private readonly file: string) {}

  get location(): string {
    return this.file;
  }

  async append(checkpoint: AuditCheckpoint): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    const handle = await fs.promises.open(this.file, "a", 0o600);
    try {
      await handle.write(`${JSON.stringify(checkpoint)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async readAll(): Promise<AuditCheckpoint[]> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line, i) => {
        try {
          return JSON.parse(line) as AuditCheckpoint;
        } catch {
          // A damaged line must not quietly drop a checkpoint: it fails verification as unsigned.
          return { seq: 0, hash: "", count: 0, at: "", keyId: `unreadable line ${i + 1} of ${this.file}`, signature: "" };
        }
      });
  }
}
