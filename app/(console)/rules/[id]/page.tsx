import { RuleDetail } from "@/components/remediation/rule-detail";

export const metadata = { title: "Remediation rule · Interlock" };

export default async function RulePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RuleDetail id={id} />;
}
