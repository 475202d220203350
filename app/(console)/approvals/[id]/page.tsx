import { ReviewView } from "@/components/approvals/review-view";

export const metadata = { title: "Review · Interlock" };

type Search = Record<string, string | string[] | undefined>;

// id is the operation's id; notification links add ?decision=approve|reject, which only preselects.
export default async function ReviewPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Search> }) {
  const { id } = await params;
  const sp = await searchParams;
  const raw = Array.isArray(sp.decision) ? sp.decision[0] : sp.decision;
  const decision = raw === "approve" || raw === "reject" ? raw : null;
  return <ReviewView operationId={id} preselected={decision} />;
}
