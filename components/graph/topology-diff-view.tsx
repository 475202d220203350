"use client";

// A change to the graph (TopologyDiff, docs/graph-changes.md): services, edges
// and resource groups added, removed and changed, each kind collapsible. Used
// for a diff before an apply, a source refresh's applied change and a held
// change awaiting review.
import type { TTopologyDiff } from "@/lib/api/graph-live";
import { KIND_LABEL } from "./graph-elements";

/** Rows listed per list; beyond, a count (a catalog's first refresh can add thousands). */
const LISTED = 200;

export function diffCounts(diff: TTopologyDiff): { added: number; removed: number; changed: number } {
  const kinds = [diff.services, diff.edges, diff.groups];
  return {
    added: kinds.reduce((n, k) => n + k.added.length, 0),
    removed: kinds.reduce((n, k) => n + k.removed.length, 0),
    changed: kinds.reduce((n, k) => n + k.changed.length, 0),
  };
}

export function DiffSummary({ diff }: { diff: TTopologyDiff }) {
  const c = diffCounts(diff);
  if (c.added + c.removed + c.changed === 0) return <span className="text-slate-600">no change</span>;
  return (
    <span className="tabular-nums" data-testid="diff-summary" data-added={c.added} data-removed={c.removed} data-changed={c.changed}>
      <span className="text-emerald-700">+{c.added} added</span>, <span className="text-red-700">−{c.removed} removed</span>, <span className="text-amber-700">~{c.changed} changed</span>
    </span>
  );
}

type Row = { key: string; sign: "+" | "−" | "~"; text: string };

/** A field's value in a "changed" row: text quoted, so an empty or spaced description reads as one. */
const shown = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : String(value));

function rowsOf(diff: TTopologyDiff): { title: string; rows: Row[] }[] {
  const svc = (s: TTopologyDiff["services"]["added"][number]) => `${s.name} (tier ${s.tier}, ${s.criticality}, team ${s.team})`;
  const edge = (e: { from: string; to: string; kind: keyof typeof KIND_LABEL }) => `${e.from} → ${e.to} (${KIND_LABEL[e.kind]})`;
  const grp = (g: TTopologyDiff["groups"]["added"][number]) => `${g.name} (${g.kind.toLowerCase()}, ${g.members.length} members)`;
  return [
    {
      title: "Services",
      rows: [
        ...diff.services.added.map((s): Row => ({ key: `+${s.name}`, sign: "+", text: svc(s) })),
        ...diff.services.removed.map((s): Row => ({ key: `-${s.name}`, sign: "−", text: svc(s) })),
        ...diff.services.changed.map(
          (c): Row => ({
            key: `~${c.name}`,
            sign: "~",
            text: `${c.name}: ${c.fields.map((f) => `${f} ${shown(c.before[f as keyof typeof c.before])} → ${shown(c.after[f as keyof typeof c.after])}`).join(", ")}`,
          }),
        ),
      ],
    },
    {
      title: "Edges",
      rows: [
        ...diff.edges.added.map((e): Row => ({ key: `+${e.from}->${e.to}`, sign: "+", text: edge(e) })),
        ...diff.edges.removed.map((e): Row => ({ key: `-${e.from}->${e.to}`, sign: "−", text: edge(e) })),
        ...diff.edges.changed.map((c): Row => ({ key: `~${c.from}->${c.to}`, sign: "~", text: `${c.from} → ${c.to}: ${KIND_LABEL[c.before]} → ${KIND_LABEL[c.after]}` })),
      ],
    },
    {
      title: "Resource groups",
      rows: [
        ...diff.groups.added.map((g): Row => ({ key: `+${g.name}`, sign: "+", text: grp(g) })),
        ...diff.groups.removed.map((g): Row => ({ key: `-${g.name}`, sign: "−", text: grp(g) })),
        ...diff.groups.changed.map(
          (c): Row => ({
            key: `~${c.name}`,
            sign: "~",
            text: [
              c.name + ":",
              ...c.fields.map((f) => `${f} ${shown(c.before[f as keyof typeof c.before])} → ${shown(c.after[f as keyof typeof c.after])}`),
              c.membersAdded.length ? `members +${c.membersAdded.join(", +")}` : "",
              c.membersRemoved.length ? `members −${c.membersRemoved.join(", −")}` : "",
            ]
              .filter(Boolean)
              .join(" "),
          }),
        ),
      ],
    },
  ];
}

const SIGN_STYLE = { "+": "text-emerald-700", "−": "text-red-700", "~": "text-amber-700" } as const;
const SIGN_LABEL = { "+": "added", "−": "removed", "~": "changed" } as const;

/** The diff, one collapsible list per kind of element; `open` opens the lists of a small diff. */
export function TopologyDiffView({ diff, label, open = true }: { diff: TTopologyDiff; label: string; open?: boolean }) {
  const groups = rowsOf(diff);
  const total = groups.reduce((n, g) => n + g.rows.length, 0);
  if (total === 0) return <p className="text-sm text-slate-600" data-testid="topology-diff" data-empty="true">No change: the graph already matches.</p>;
  return (
    <div className="space-y-1 text-sm" data-testid="topology-diff" aria-label={label} role="group">
      {groups
        .filter((g) => g.rows.length > 0)
        .map((g) => (
          <details key={g.title} open={open && g.rows.length <= 50} className="rounded border border-slate-200">
            <summary className="cursor-pointer bg-slate-50 px-2 py-1 text-xs font-medium uppercase tracking-wide text-slate-700">
              {g.title} ({g.rows.length})
            </summary>
            <ul className="divide-y divide-slate-100 px-2 py-1 font-mono text-xs">
              {g.rows.slice(0, LISTED).map((r) => (
                <li key={r.key} className="flex gap-2 py-0.5" data-testid="diff-row" data-change={SIGN_LABEL[r.sign]}>
                  <span aria-hidden className={`w-3 shrink-0 font-bold ${SIGN_STYLE[r.sign]}`}>
                    {r.sign}
                  </span>
                  <span className="break-all">
                    <span className="sr-only">{SIGN_LABEL[r.sign]}: </span>
                    {r.text}
                  </span>
                </li>
              ))}
            </ul>
            {g.rows.length > LISTED && <p className="px-2 pb-1 text-xs text-slate-500">and {g.rows.length - LISTED} more</p>}
          </details>
        ))}
    </div>
  );
}
