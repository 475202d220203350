import type { TopologyStore } from "./ports";
import type { ServiceSummary } from "./types";

export interface ServiceOverview {
  services: ServiceSummary[];
  totals: { services: number; dependencies: number; byTier: Record<number, number> };
}

/** The services with their edges, and the counts the overview page shows. */
export async function listServices(deps: { topology: TopologyStore }): Promise<ServiceOverview> {
  const services = await deps.topology.listServices();
  const byTier: Record<number, number> = {};
  let dependencies = 0;
  for (const service of services) {
    byTier[service.tier] = (byTier[service.tier] ?? 0) + 1;
    dependencies += service.dependsOn.length;
  }
  return { services, totals: { services: services.length, dependencies, byTier } };
}
