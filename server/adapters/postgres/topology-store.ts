import "server-only";
import type { MarkerStore, TopologyStore } from "../../core/topology/ports";
import type { ServiceSummary, TopologySpec } from "../../core/topology/types";
import type { PrismaClient } from "./generated/client";

export class PrismaTopologyStore implements TopologyStore {
  constructor(private readonly prisma: PrismaClient) {}

  async listServices(): Promise<ServiceSummary[]> {
    const rows = await this.prisma.service.findMany({
      orderBy: [{ tier: "asc" }, { name: "asc" }],
      include: {
        dependsOn: { select: { to: { select: { name: true } } } },
        dependedOnBy: { select: { from: { select: { name: true } } } },
        resources: { select: { group: { select: { name: true } } } },
      },
    });
    return rows.map((row) => ({
      name: row.name,
      tier: row.tier,
      criticality: row.criticality,
      team: row.team,
      description: row.description,
      dependsOn: row.dependsOn.map((d) => d.to.name).sort(),
      dependedOnBy: row.dependedOnBy.map((d) => d.from.name).sort(),
      resourceGroups: row.resources.map((r) => r.group.name).sort(),
    }));
  }

  async insertMissing(topology: TopologySpec) {
    return this.prisma.$transaction(async (tx) => {
      const services = await tx.service.createMany({ data: topology.services, skipDuplicates: true });
      const groups = await tx.resourceGroup.createMany({
        data: topology.resourceGroups.map(({ name, kind, description }) => ({ name, kind, description })),
        skipDuplicates: true,
      });
      const serviceIds = new Map((await tx.service.findMany({ select: { id: true, name: true } })).map((s) => [s.name, s.id]));
      const groupIds = new Map((await tx.resourceGroup.findMany({ select: { id: true, name: true } })).map((g) => [g.name, g.id]));
      const idOf = (map: Map<string, string>, name: string) => {
        const id = map.get(name);
        if (!id) throw new Error(`"${name}" vanished while the topology was being written`);
        return id;
      };
      const dependencies = await tx.serviceDependency.createMany({
        data: topology.dependencies.map((d) => ({ fromId: idOf(serviceIds, d.from), toId: idOf(serviceIds, d.to), kind: d.kind })),
        skipDuplicates: true,
      });
      const members = await tx.resourceGroupMember.createMany({
        data: topology.resourceGroups.flatMap((g) => g.members.map((m) => ({ groupId: idOf(groupIds, g.name), serviceId: idOf(serviceIds, m) }))),
        skipDuplicates: true,
      });
      // What the seed adds is declared by a file (the demo topology) like an import, with the graph's
      // provenance and a new revision, so the Sources page and other processes see it (docs/graph-changes.md#provenance).
      const kinds = [
        ...topology.services.map(() => "SERVICE"),
        ...topology.dependencies.map(() => "EDGE"),
        ...topology.resourceGroups.map(() => "GROUP"),
      ];
      const keys = [...topology.services.map((s) => s.name), ...topology.dependencies.map((d) => `${d.from}->${d.to}`), ...topology.resourceGroups.map((g) => g.name)];
      await tx.$executeRawUnsafe(
        `INSERT INTO graph_provenance (element_kind, element_key, source, origin, first_seen_at, last_seen_at, evidence)
         SELECT k::"GraphElementKind", e, 'FILE', 'the demo topology, seeded at first start', now(), now(), NULL FROM unnest($1::text[], $2::text[]) AS p(k, e)
         ON CONFLICT DO NOTHING`,
        kinds,
        keys,
      );
      if (services.count + dependencies.count + groups.count + members.count > 0) {
        await tx.$executeRawUnsafe(`UPDATE graph_revision SET revision = revision + 1, changed_at = now() WHERE id = 1`);
      }
      return { services: services.count, dependencies: dependencies.count, resourceGroups: groups.count, members: members.count };
    });
  }
}

/** One-time markers kept in the settings table under their key. */
export class PrismaMarkerStore implements MarkerStore {
  constructor(private readonly prisma: PrismaClient) {}

  async get(key: string): Promise<unknown | null> {
    const row = await this.prisma.setting.findUnique({ where: { key } });
    return row === null ? null : row.value;
  }

  async setIfAbsent(key: string, value: unknown, by: string): Promise<boolean> {
    const result = await this.prisma.setting.createMany({ data: [{ key, value: value as object, updatedBy: by }], skipDuplicates: true });
    return result.count === 1;
  }
}
