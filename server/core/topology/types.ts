// The service dependency graph as the domain sees it: plain data, no ORM types.

export const CRITICALITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW"] as const;
export type Criticality = (typeof CRITICALITIES)[number];

export const DEPENDENCY_KINDS = ["SYNC_API", "ASYNC_EVENT", "DATA"] as const;
export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];

export const RESOURCE_KINDS = ["DATABASE", "CACHE", "QUEUE", "OTHER"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface ServiceSpec {
  name: string;
  /** 1 is the front door; higher tiers sit deeper in the call path. */
  tier: number;
  criticality: Criticality;
  team: string;
  description: string;
}

/** A DEPENDS_ON edge: `from` calls or consumes `to`. */
export interface DependencySpec {
  from: string;
  to: string;
  kind: DependencyKind;
}

export interface ResourceGroupSpec {
  name: string;
  kind: ResourceKind;
  description: string;
  members: string[];
}

export interface TopologySpec {
  services: ServiceSpec[];
  dependencies: DependencySpec[];
  resourceGroups: ResourceGroupSpec[];
}

/** One service as the console lists it: what it is, what it depends on, who depends on it. */
export interface ServiceSummary extends ServiceSpec {
  dependsOn: string[];
  dependedOnBy: string[];
  resourceGroups: string[];
}
