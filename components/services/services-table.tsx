import { DataTable } from "@/components/ui/data-table";
import type { ServiceSummary } from "@/server/core/topology/types";

const CRITICALITY_STYLE: Record<ServiceSummary["criticality"], string> = {
  CRITICAL: "bg-red-100 text-red-800",
  HIGH: "bg-orange-100 text-orange-800",
  MEDIUM: "bg-yellow-100 text-yellow-800",
  LOW: "bg-slate-100 text-slate-700",
};

// Service names never break at their hyphens: each is a chip that wraps as a whole.
function NameList({ names, empty }: { names: string[]; empty: string }) {
  if (names.length === 0) return <span className="text-slate-400">{empty}</span>;
  return (
    <ul className="flex flex-wrap gap-1">
      {names.map((name) => (
        <li key={name} className="whitespace-nowrap rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700">
          {name}
        </li>
      ))}
    </ul>
  );
}

export function ServicesTable({ services }: { services: ServiceSummary[] }) {
  const names = (pick: (s: ServiceSummary) => string[]) => (service: ServiceSummary) => <NameList names={pick(service)} empty="—" />;
  return (
    <DataTable
      caption="Services in the dependency graph"
      rows={services}
      rowKey={(service) => service.name}
      rowProps={() => ({ "data-testid": "service-row" })}
      columns={[
        {
          key: "service",
          header: "Service",
          rowHeader: true,
          className: "font-mono text-sm font-medium text-slate-900",
          cell: (service) => (
            <>
              <span className="whitespace-nowrap">{service.name}</span>
              <p className="max-w-56 font-sans text-xs font-normal text-slate-500">{service.description}</p>
            </>
          ),
        },
        { key: "tier", header: "Tier", cell: (service) => service.tier },
        {
          key: "criticality",
          header: "Criticality",
          cell: (service) => <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${CRITICALITY_STYLE[service.criticality]}`}>{service.criticality}</span>,
        },
        { key: "team", header: "Team", cell: (service) => service.team },
        { key: "dependsOn", header: "Depends on", cell: names((s) => s.dependsOn) },
        { key: "dependedOnBy", header: "Depended on by", cell: names((s) => s.dependedOnBy) },
        { key: "resourceGroups", header: "Resource groups", cell: names((s) => s.resourceGroups) },
      ]}
    />
  );
}
