// The deployment ledger kept in process memory: what the unit tests use, and
// what a process runs with when it has no store. It applies the port's fencing
// rule (DeploymentLedger in ./ports) exactly as the Postgres ledger must.
import { type Clock, systemClock } from "../clock";
import { FencingGuard } from "../locks/fencing";
import type { DeployedVersion, DeploymentLedger } from "./ports";

export class InMemoryDeploymentLedger implements DeploymentLedger {
  private readonly live = new Map<string, DeployedVersion>();
  private readonly written = new Map<string, DeployedVersion[]>();
  private readonly fencing = new FencingGuard();

  constructor(private readonly clock: Clock = systemClock) {}

  async current(service: string): Promise<DeployedVersion | null> {
    const entry = this.live.get(service);
    return entry ? { ...entry, recordedAt: new Date(entry.recordedAt) } : null;
  }

  /**
   * Refuses a token lower than the highest seen for the service (an equal one is
   * the same holder writing again, e.g. a resumed attempt, and is accepted).
   */
  async record(entry: { service: string; version: string; operationId: string; fencingToken: bigint }): Promise<{ accepted: boolean; highestToken: bigint }> {
    const check = this.fencing.check(entry.service, entry.fencingToken);
    if (!check.accepted) return { accepted: false, highestToken: check.highest };

    const before = this.live.get(entry.service);
    // Writing the version that is already live (a resumed attempt repeating its
    // write) must not make it its own "previous version": a rollback would then
    // have nowhere to go.
    const previousVersion = before === undefined ? null : before.version === entry.version ? before.previousVersion : before.version;
    const recorded: DeployedVersion = {
      service: entry.service,
      version: entry.version,
      previousVersion,
      operationId: entry.operationId,
      fencingToken: entry.fencingToken,
      recordedAt: this.clock.now(),
    };
    this.live.set(entry.service, recorded);
    this.written.set(entry.service, [...(this.written.get(entry.service) ?? []), recorded]);
    return { accepted: true, highestToken: entry.fencingToken };
  }

  /** Every accepted write for a service, oldest first (for tests and the demo's timeline). */
  history(service: string): DeployedVersion[] {
    return (this.written.get(service) ?? []).map((e) => ({ ...e }));
  }
}
