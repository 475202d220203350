import { ApprovalQueue } from "@/components/approvals/approval-queue";

export const metadata = { title: "Approvals · Interlock" };

export default function ApprovalsPage() {
  return (
    <div className="space-y-4">
      <header>
        <h1 className="text-2xl font-semibold">Approvals</h1>
        <p className="text-sm text-slate-600">Operations paused for human review, oldest first. Unanswered reviews escalate at 15, 30 and 60 minutes.</p>
      </header>
      <ApprovalQueue />
    </div>
  );
}
