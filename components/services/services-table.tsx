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
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">Services in the dependency graph</caption>
        <thead className="bg-slate-100 text-xs uppercase tracking-wide text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2">Service</th>
            <th scope="col" className="px-3 py-2">Tier</th>
            <th scope="col" className="px-3 py-2">Criticality</th>
            <th scope="col" className="px-3 py-2">Team</th>
            <th scope="col" className="px-3 py-2">Depends on</th>
            <th scope="col" className="px-3 py-2">Depended on by</th>
            <th scope="col" className="px-3 py-2">Resource groups</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {services.map((service) => (
            <tr key={service.name} data-testid="service-row">
              <th scope="row" className="px-3 py-2 font-mono text-sm font-medium text-slate-900">
                <span className="whitespace-nowrap">{service.name}</span>
                <p className="max-w-56 font-sans text-xs font-normal text-slate-500">{service.description}</p>
              </th>
              <td className="px-3 py-2">{service.tier}</td>
              <td className="px-3 py-2">
                <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${CRITICALITY_STYLE[service.criticality]}`}>{service.criticality}</span>
              </td>
              <td className="px-3 py-2">{service.team}</td>
              <td className="px-3 py-2"><NameList names={service.dependsOn} empty="—" /></td>
              <td className="px-3 py-2"><NameList names={service.dependedOnBy} empty="—" /></td>
              <td className="px-3 py-2"><NameList names={service.resourceGroups} empty="—" /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
