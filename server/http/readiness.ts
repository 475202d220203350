import "server-only";
import type { Container } from "../container";
import { checkReadiness, type ProbeResult, type Readiness } from "../core/health/check-readiness";
import { getLogger, type Logger } from "../logger";

export interface ReadinessBody {
  status: "ready" | "unavailable";
  failed: string[];
  checks: Readiness["checks"];
}

/** What a failed check says publicly: its cause stays in the server log (docs/api.md#outside-apiv1). */
export const UNAVAILABLE = "unavailable; the cause is in the server log";
/** A probe's own timeout says nothing about the deployment, and tells a hung dependency from a refusing one. */
const TIMEOUT = /^no answer within \d+ ms$/;

/**
 * 200 when every dependency answers, else 503 naming the ones that did not.
 * A store that cannot even be opened (start-up failed, then the database went
 * away) is reported as the store failing, not as an internal error.
 *
 * The endpoint is public (load balancers poll it), so its body names each
 * check, whether it passed and how long it took, and nothing more: a driver's
 * error message names the database user, host and database, and it goes to
 * the log only.
 */
export async function readinessResponse(
  container: () => Promise<Container>,
  timeoutMs = 2_000,
  log: () => Pick<Logger, "warn"> = getLogger,
): Promise<{ status: number; body: ReadinessBody }> {
  let readiness: Readiness;
  try {
    readiness = await checkReadiness((await container()).probes, timeoutMs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    readiness = { ready: false, failed: ["store"], checks: [{ name: "store", ok: false, latencyMs: 0, error: message }] };
  }
  const failures = readiness.checks.filter((c) => !c.ok);
  if (failures.length > 0) log().warn({ checks: failures.map((c) => ({ name: c.name, latencyMs: c.latencyMs, error: c.error })) }, "not ready");
  return {
    status: readiness.ready ? 200 : 503,
    body: { status: readiness.ready ? "ready" : "unavailable", failed: readiness.failed, checks: readiness.checks.map(publicCheck) },
  };
}

function publicCheck(check: ProbeResult): ProbeResult {
  if (check.ok) return { name: check.name, ok: true, latencyMs: check.latencyMs };
  return { name: check.name, ok: false, latencyMs: check.latencyMs, error: check.error && TIMEOUT.test(check.error) ? check.error : UNAVAILABLE };
}
