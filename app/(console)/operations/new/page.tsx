import Link from "next/link";
import { NewOperationForm } from "@/components/operations/new-operation-form";

export const metadata = { title: "New operation · Interlock" };

export default function NewOperationPage() {
  return (
    <div className="space-y-4">
      <Link href="/operations" className="text-sm text-slate-600 underline decoration-slate-300 underline-offset-2 hover:text-slate-900">
        ← Operations
      </Link>
      <header>
        <h1 className="text-2xl font-semibold">New operation</h1>
        <p className="text-sm text-slate-600">Describe the change; the plan beside the form shows what Interlock would do with it right now (conflicts, gates, locks, queue) before you submit it.</p>
      </header>
      <NewOperationForm />
    </div>
  );
}
