import "server-only";
import type { DeployedVersion, DeploymentLedger } from "../../core/executors/ports";
import type { Database } from "./database";

/**
 * The deployment ledger in the store: the resource the simulated executors
 * change under the SERVICE lock. The fencing check is in the statement
 * itself: the row is written only if the token is at least the highest
 * recorded, so a stale holder's write is refused however late it arrives.
 */
export class PostgresDeploymentLedger implements DeploymentLedger {
  constructor(private readonly db: Database) {}

  async current(service: string): Promise<DeployedVersion | null> {
    const rows = await this.db.query<{ service: string; version: string; previous_version: string | null; operation_id: string; fencing_token: string; recorded_at: Date | string }>(
      `SELECT service, version, previous_version, operation_id::text AS operation_id, fencing_token::text AS fencing_token, recorded_at FROM deployed_versions WHERE service = $1`,
      [service],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      service: row.service,
      version: row.version,
      previousVersion: row.previous_version,
      operationId: row.operation_id,
      fencingToken: BigInt(row.fencing_token),
      recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
    };
  }

  async record(entry: { service: string; version: string; operationId: string; fencingToken: bigint }): Promise<{ accepted: boolean; highestToken: bigint }> {
    const written = await this.db.query<{ fencing_token: string }>(
      `INSERT INTO deployed_versions AS d (service, version, previous_version, operation_id, fencing_token, recorded_at)
       VALUES ($1, $2, NULL, $3::uuid, $4::bigint, clock_timestamp())
       ON CONFLICT (service) DO UPDATE SET
         previous_version = CASE WHEN d.version = EXCLUDED.version THEN d.previous_version ELSE d.version END,
         version = EXCLUDED.version, operation_id = EXCLUDED.operation_id,
         fencing_token = EXCLUDED.fencing_token, recorded_at = EXCLUDED.recorded_at
       WHERE d.fencing_token <= EXCLUDED.fencing_token
       RETURNING fencing_token::text AS fencing_token`,
      [entry.service, entry.version, entry.operationId, entry.fencingToken.toString()],
    );
    if (written.length === 1) return { accepted: true, highestToken: entry.fencingToken };
    const current = await this.current(entry.service);
    return { accepted: false, highestToken: current?.fencingToken ?? entry.fencingToken };
  }
}
