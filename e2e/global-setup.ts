// Before the browser tests, on each server: the incident-rate gate (at most 5
// incidents opened an hour, across the estate; docs/gates.md) is raised. The
// journeys open real incidents within minutes — from Alertmanager, the API and
// the console — and at the default the gate would then refuse every later
// deployment of the suite, whatever it tests. The gate itself is tested in
// server/adapters/postgres/gate-history.integration.test.ts and the
// orchestrator's tests; the gate settings journey restores the defaults at the end.
import { request, type FullConfig } from "@playwright/test";

export default async function globalSetup(config: FullConfig): Promise<void> {
  for (const project of config.projects) {
    const baseURL = project.use.baseURL;
    if (!baseURL || project.name === "startup") continue;
    const context = await request.newContext({ baseURL });
    try {
      const { csrfToken } = (await (await context.get("/api/auth/csrf")).json()) as { csrfToken: string };
      await context.post("/api/auth/callback/credentials", { form: { csrfToken, email: "admin@interlock.local", password: "interlock-admin", json: "true" }, maxRedirects: 0 });
      const changed = await context.put("/api/v1/settings/gates", { headers: { origin: baseURL }, data: { gates: { INCIDENT_RATE: { threshold: 1_000 } } } });
      if (!changed.ok()) throw new Error(`raising the incident-rate gate on ${baseURL} failed: ${changed.status()} ${await changed.text()}`);
    } finally {
      await context.dispose();
    }
  }
}
