/** Something the app needs in order to serve: the store today; Redis and Neo4j when configured. */
export interface DependencyProbe {
  name: string;
  check(): Promise<void>;
}

export interface ProbeResult {
  name: string;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface Readiness {
  ready: boolean;
  checks: ProbeResult[];
  /** Names of the dependencies that failed, for the 503 body and the log line. */
  failed: string[];
}

/**
 * Runs every probe at once, each bounded by `timeoutMs`, so one hung dependency
 * cannot hang the readiness endpoint that a load balancer polls.
 */
export async function checkReadiness(probes: DependencyProbe[], timeoutMs: number): Promise<Readiness> {
  const checks = await Promise.all(probes.map((probe) => runProbe(probe, timeoutMs)));
  const failed = checks.filter((c) => !c.ok).map((c) => c.name);
  return { ready: failed.length === 0, checks, failed };
}

async function runProbe(probe: DependencyProbe, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      probe.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name: probe.name, ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { name: probe.name, ok: false, latencyMs: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
