import { z } from "zod";

const ZCriticality = z.enum(["CRITICAL", "HIGH", "MEDIUM", "LOW"]);

export const ZTopology = z
  .object({
    services: z.array(z.object({ name: z.string(), tier: z.number().int(), criticality: ZCriticality, team: z.string(), description: z.string() })),
    dependencies: z.array(z.object({ from: z.string(), to: z.string(), kind: z.enum(["SYNC_API", "ASYNC_EVENT", "DATA"]) })),
    resourceGroups: z.array(z.object({ name: z.string(), kind: z.enum(["DATABASE", "CACHE", "QUEUE", "OTHER"]), description: z.string(), members: z.array(z.string()) })),
  })
  .meta({ id: "Topology", description: "Services, DEPENDS_ON edges (from depends on to) and resource groups" });

export const ZBlastRadiusQuery = z
  .strictObject({
    service: z.string().trim().min(1).max(200).optional().meta({ description: "A service name" }),
    operationId: z.uuid().optional().meta({ description: "An operation: the blast radius of its target service" }),
    depth: z.coerce.number().int().min(1).max(6).default(3),
  })
  .refine((q) => (q.service === undefined) !== (q.operationId === undefined), { message: "give exactly one of service or operationId", path: ["service"] });

export const ZBlastRadius = z
  .object({
    subject: z.object({ service: z.string(), operationId: z.string().nullable() }),
    score: z.number().meta({ description: "The weighted blast-radius score (docs/conflicts.md): direct × 1.0 + shared resource × 0.8 + downstream × 0.5 + upstream × 0.3" }),
    percentage: z.number().meta({ description: "Distinct services affected, as a percentage of all services" }),
    affectedCount: z.number().int(),
    totalServices: z.number().int(),
    depth: z.number().int(),
    direct: z.array(z.string()),
    sharedResource: z.array(z.string()),
    downstream: z.array(z.string()),
    upstream: z.array(z.string()),
  })
  .meta({ id: "BlastRadius" });

export type TTopology = z.infer<typeof ZTopology>;
export type TBlastRadius = z.infer<typeof ZBlastRadius>;
