import { IncidentDetail } from "@/components/incidents/incident-detail";

export const metadata = { title: "Incident · Interlock" };

export default async function IncidentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <IncidentDetail id={id} />;
}
