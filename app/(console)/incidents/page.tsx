import { IncidentList } from "@/components/incidents/incident-list";

export const metadata = { title: "Incidents · Interlock" };

export default function IncidentsPage() {
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-semibold">Incidents</h1>
        <p className="text-sm text-slate-600">
          Problems opened by Alertmanager&apos;s alerts, by tools, by operators and by the demo: their state, what the remediation rules did, and the time to recovery measured from stored times. Open one for its timeline.
        </p>
      </header>
      <IncidentList />
    </div>
  );
}
