"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { z } from "zod";
import { apiFetch } from "@/lib/api/client";
import type { ZPrincipal } from "@/lib/api/identity";
import { usePrincipal } from "../console/providers";
import { ErrorBox, FormError, Loading } from "../kpis/query-states";
import { INPUT, PRIMARY } from "../settings/safety-settings";

type Me = z.infer<typeof ZPrincipal>;
const ME_KEY = ["me"] as const;
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;

/** The signed-in person's own page: who they are, and the Slack account that acts as them in Slack (docs/slack.md#linking). */
export function ProfilePage() {
  const principal = usePrincipal();
  const me = useQuery({ queryKey: ME_KEY, queryFn: () => apiFetch<Me>("/api/v1/me") });
  return (
    <div className="max-w-2xl space-y-8">
      <header>
        <h1 className="text-2xl font-semibold">Profile</h1>
        <p className="text-sm text-slate-600">
          {principal.name} · {principal.email} · <span className="uppercase">{principal.role.toLowerCase()}</span>
        </p>
      </header>
      <section aria-labelledby="slack-heading" className="space-y-3">
        <div>
          <h2 id="slack-heading" className="text-lg font-semibold">
            Slack
          </h2>
          <p className="text-sm text-slate-600">
            Link your Slack account to approve and reject reviews from Interlock&apos;s Slack messages. A click there acts as you, under the same rules as here: your role, approval policies, fresh evidence, and never your own operation. In Slack, open your profile, choose ⋮ and <em>Copy member ID</em>.
          </p>
        </div>
        {me.isPending ? <Loading what="your profile" /> : me.isError ? <ErrorBox error={me.error} onRetry={() => void me.refetch()} what="your profile" /> : <SlackLink linked={me.data.slackUserId} />}
      </section>
    </div>
  );
}

function SlackLink({ linked }: { linked: string | null }) {
  const client = useQueryClient();
  const [value, setValue] = useState(linked ?? "");
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => setValue(linked ?? ""), [linked]);
  const save = useMutation({
    mutationFn: (slackUserId: string | null) => apiFetch<Me>("/api/v1/me", { method: "PATCH", body: { slackUserId } }),
    onMutate: () => setDone(null),
    onSuccess: (me) => {
      client.setQueryData(ME_KEY, me);
      setDone(me.slackUserId ? `Linked to Slack member ${me.slackUserId}.` : "Your Slack account is unlinked.");
    },
  });
  const trimmed = value.trim();
  const invalid = trimmed !== "" && !SLACK_USER_ID.test(trimmed);
  return (
    <form
      aria-label="Slack account"
      noValidate
      className="space-y-2 rounded-lg border border-slate-200 bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(trimmed === "" ? null : trimmed);
      }}
    >
      <p className="text-sm text-slate-700" data-testid="slack-link-status">
        {linked ? (
          <>
            Linked to Slack member <span className="font-mono">{linked}</span>.
          </>
        ) : (
          "No Slack account is linked."
        )}
      </p>
      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="block text-slate-700">Slack member ID</span>
          <input className={`${INPUT} font-mono`} value={value} onChange={(e) => setValue(e.target.value)} placeholder="U0123ABCDEF" autoComplete="off" aria-invalid={invalid} aria-describedby="slack-id-help" />
        </label>
        <button type="submit" className={PRIMARY} disabled={save.isPending || invalid || trimmed === (linked ?? "")}>
          {save.isPending ? "Saving …" : trimmed === "" && linked ? "Unlink" : "Link"}
        </button>
      </div>
      <p id="slack-id-help" className="text-xs text-slate-500">
        {invalid ? "A member ID starts with U or W, followed by upper-case letters and digits." : "Leave it empty and press Unlink to remove the link."}
      </p>
      <FormError error={save.error} />
      <p role="status" aria-live="polite" className="text-sm text-emerald-700">
        {done ?? ""}
      </p>
    </form>
  );
}
