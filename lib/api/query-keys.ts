// Query keys by topic: the live-update stream names topics, and every query
// under a topic is refetched when it changes. The topics are the server's
// (server/core/live/change-feed.ts).
export const LIVE_TOPICS = ["operations", "reviews", "locks", "audit", "notifications", "incidents", "graph", "settings"] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

export const queryKeys = {
  operations: (filters: Record<string, unknown> = {}) => ["operations", "list", filters] as const,
  operation: (id: string) => ["operations", "detail", id] as const,
  reviews: () => ["reviews", "queue"] as const,
  locks: () => ["locks", "list"] as const,
  audit: (filters: Record<string, unknown> = {}) => ["audit", "events", filters] as const,
  auditStatistics: () => ["audit", "statistics"] as const,
  inbox: () => ["notifications", "inbox"] as const,
  incidents: (filters: Record<string, unknown> = {}) => ["incidents", "list", filters] as const,
  incident: (id: string) => ["incidents", "detail", id] as const,
  // Remediation rules live under "incidents": their matches are recorded with the incidents they act on.
  remediationRules: () => ["incidents", "rules", "list"] as const,
  remediationRule: (id: string) => ["incidents", "rules", "detail", id] as const,
  graph: () => ["graph", "topology"] as const,
  blastRadius: (subject: string) => ["graph", "blast-radius", subject] as const,
  graphProvenance: () => ["graph", "provenance"] as const,
  graphSources: () => ["graph", "sources"] as const,
  graphDrift: () => ["graph", "drift"] as const,
  kpis: () => ["operations", "kpis"] as const,
  operationPages: (filters: Record<string, unknown> = {}) => ["operations", "pages", filters] as const,
  reviewQueuePages: () => ["reviews", "queue-pages"] as const,
  lockStatistics: () => ["locks", "statistics"] as const,
  kpiReport: (window: string) => ["operations", "kpis", window] as const,
  gateSettings: () => ["settings", "gates"] as const,
  conflictPolicy: () => ["settings", "conflict-policy"] as const,
  notificationSettings: () => ["settings", "notifications"] as const,
  users: () => ["settings", "users"] as const,
  apiTokens: () => ["settings", "tokens"] as const,
  incidentSettings: () => ["settings", "incidents"] as const,
  // What holds changes back now (the banner): under "incidents", the topic of both a halt called or lifted
  // (a manual intervention) and an incident opened or resolved (which may hold a halt); polled too, for windows opening and closing.
  changeControl: () => ["incidents", "change-control"] as const,
  // The demo is not a live topic: its runs live in one server's memory and are polled while they run.
  demoCatalog: () => ["demo", "scenarios"] as const,
  demoRuns: () => ["demo", "runs", "list"] as const,
  demoRun: (id: string) => ["demo", "runs", "detail", id] as const,
};
