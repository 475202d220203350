import { IncidentList } from "@/components/incidents/incident-list";

export default function IncidentsPage() {
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-semibold">Incidents</h1>
        <p className="text-sm text-slate-600">Detected problems, their remediation and time to recovery. Open one for its MTTR timeline.</p>
      </header>
      <IncidentList />
    </div>
  );
}
