import { RuleList } from "@/components/remediation/rule-list";

export const metadata = { title: "Remediation rules · Interlock" };

export default function RulesPage() {
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-semibold">Remediation rules</h1>
        <p className="text-sm text-slate-600">
          When an Alertmanager alert matching a rule fires, the rule submits its operation for the alert&apos;s incident: in dry run it only records what it would submit. A breaker stops a rule that acts too often.
        </p>
      </header>
      <RuleList />
    </div>
  );
}
