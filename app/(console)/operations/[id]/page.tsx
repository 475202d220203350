import { OperationDetailView } from "@/components/operations/operation-detail";

export const metadata = { title: "Operation · Interlock" };

export default async function OperationPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <OperationDetailView id={id} />;
}
