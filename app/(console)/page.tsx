import { connection } from "next/server";
import { KpiPanel } from "@/components/kpis/kpi-panel";
import { ServicesTable } from "@/components/services/services-table";
import { getContainer } from "@/server/container";
import { listServices } from "@/server/core/topology/list-services";

export default async function OverviewPage() {
  await connection(); // read the store on every request, never at build time
  const container = await getContainer();
  const { services, totals } = await listServices({ topology: container.topology });
  const storeLabel = container.db.kind === "pglite" ? "embedded PGlite" : "PostgreSQL";

  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-semibold">Overview</h1>
        <p className="text-sm text-slate-600">
          Store: {storeLabel} <span className="font-mono text-xs text-slate-500">({container.db.location})</span>
        </p>
      </header>

      <KpiPanel />

      <section aria-labelledby="graph-heading" className="space-y-3">
        <h2 id="graph-heading" className="text-lg font-semibold">Services</h2>
        <dl className="grid max-w-2xl grid-cols-2 gap-3 sm:grid-cols-4">
          <Stat label="Services" value={totals.services} />
          <Stat label="Dependencies" value={totals.dependencies} />
          {Object.entries(totals.byTier).map(([tier, count]) => (
            <Stat key={tier} label={`Tier ${tier}`} value={count} />
          ))}
        </dl>
        {services.length === 0 ? (
          <p className="rounded border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600">
            The dependency graph is empty. Start with INTERLOCK_SEED_DEMO=true on a new store to load the demo topology.
          </p>
        ) : (
          <ServicesTable services={services} />
        )}
      </section>
    </div>
  );
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-3 py-2">
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums">{value}</dd>
    </div>
  );
}
