import "server-only";
import type { Container } from "../container";
import { checkReadiness, type Readiness } from "../core/health/check-readiness";

export interface ReadinessBody {
  status: "ready" | "unavailable";
  failed: string[];
  checks: Readiness["checks"];
}

/**
 * 200 when every dependency answers, else 503 naming the ones that did not.
 * A store that cannot even be opened (start-up failed, then the database went
 * away) is reported as the store failing, not as an internal error.
 */
export async function readinessResponse(container: () => Promise<Container>, timeoutMs = 2_000): Promise<{ status: number; body: ReadinessBody }> {
  let readiness: Readiness;
  try {
    readiness = await checkReadiness((await container()).probes, timeoutMs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    readiness = { ready: false, failed: ["store"], checks: [{ name: "store", ok: false, latencyMs: 0, error: message }] };
  }
  return {
    status: readiness.ready ? 200 : 503,
    body: { status: readiness.ready ? "ready" : "unavailable", failed: readiness.failed, checks: readiness.checks },
  };
}
