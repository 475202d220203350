"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { apiFetch } from "@/lib/api/client";
import { ROLES } from "@/lib/api/common";
import type { ZApiToken, ZApiTokenList, ZCreatedApiToken, ZUser, ZUserChange, ZUserList } from "@/lib/api/identity";
import { queryKeys } from "@/lib/api/query-keys";
import { DataTable } from "@/components/ui/data-table";
import { Time } from "@/components/ui/time";
import { usePrincipal } from "../console/providers";
import { ErrorBox, FormError, Loading } from "../kpis/query-states";
import { INPUT, PRIMARY } from "./safety-settings";

type User = z.infer<typeof ZUser>;
type Token = z.infer<typeof ZApiToken>;
type Role = (typeof ROLES)[number];
const roleLabel = (r: string) => r.charAt(0) + r.slice(1).toLowerCase();

// ── users ──────────────────────────────────────────────────────────

function CreateUser() {
  const client = useQueryClient();
  const [form, setForm] = useState({ email: "", name: "", role: "VIEWER" as Role, password: "" });
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => apiFetch<User>("/api/v1/users", { body: { email: form.email, name: form.name, role: form.role, ...(form.password ? { password: form.password } : {}) } }),
    onMutate: () => setCreated(null),
    onSuccess: (user) => {
      setCreated(`Created ${user.email} as ${roleLabel(user.role)}.`);
      setForm({ email: "", name: "", role: "VIEWER", password: "" });
      void client.invalidateQueries({ queryKey: queryKeys.users() });
    },
  });
  return (
    <form
      aria-label="Create a user"
      noValidate
      className="space-y-2 rounded-lg border border-slate-200 bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <h3 className="text-sm font-medium text-slate-700">Create a user</h3>
      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="block text-slate-700">Email</span>
          <input type="email" className={INPUT} value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} autoComplete="off" />
        </label>
        <label className="text-sm">
          <span className="block text-slate-700">Name</span>
          <input className={INPUT} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} autoComplete="off" />
        </label>
        <label className="text-sm">
          <span className="block text-slate-700">Role</span>
          <select className={INPUT} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block text-slate-700">Password (12+ characters; empty for SSO only)</span>
          <input type="password" className={INPUT} value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} autoComplete="new-password" />
        </label>
        <button type="submit" className={PRIMARY} disabled={create.isPending}>
          {create.isPending ? "Creating …" : "Create user"}
        </button>
      </div>
      <FormError error={create.error} />
      <p role="status" aria-live="polite" className="text-sm text-emerald-700">
        {created ?? ""}
      </p>
    </form>
  );
}

/** A change an admin is about to make to a user, waiting for its reason. */
type PendingChange = { user: User; change: { disabled: boolean } | { role: Role } | { teams: string[] } };

function describeChange({ user, change }: PendingChange): { title: string; consequence: string; confirm: string } {
  if ("teams" in change) {
    return {
      title: `Set the teams of ${user.email}?`,
      consequence: `Teams: ${change.teams.length ? change.teams.join(", ") : "none"} (were ${user.teams.length ? user.teams.join(", ") : "none"}). Approval policies that draw on a team count their approvals from then on; nobody is signed out.`,
      confirm: "Set teams",
    };
  }
  if ("role" in change) {
    return {
      title: `Make ${user.email} ${roleLabel(change.role).toLowerCase()}?`,
      consequence: `Their role changes from ${roleLabel(user.role).toLowerCase()} to ${roleLabel(change.role).toLowerCase()}. Every session they hold is signed out, and every API token they created is revoked.`,
      confirm: "Change role",
    };
  }
  return change.disabled
    ? { title: `Disable ${user.email}?`, consequence: "They are signed out everywhere at once, cannot sign in again, and every API token they created is revoked.", confirm: "Disable user" }
    : { title: `Enable ${user.email}?`, consequence: "They can sign in again. Tokens revoked when they were disabled stay revoked.", confirm: "Enable user" };
}

/** Asks why (the reason goes into the audit trail with the change), then sends PATCH /api/v1/users/{id}. */
function ChangeUserDialog({ pending, onClose }: { pending: PendingChange; onClose: () => void }) {
  const client = useQueryClient();
  const principal = usePrincipal();
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState("");
  const text = describeChange(pending);
  const change = useMutation({
    mutationFn: () => apiFetch<z.infer<typeof ZUserChange>>(`/api/v1/users/${pending.user.id}`, { method: "PATCH", body: { ...pending.change, reason } }),
    onSuccess: () => {
      // A change of your own account signs you out: the page reload sends you to sign in.
      if (pending.user.id === principal.id && !("teams" in pending.change)) window.location.reload();
      void client.invalidateQueries({ queryKey: queryKeys.users() });
      void client.invalidateQueries({ queryKey: queryKeys.apiTokens() });
      onClose();
    },
  });
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="change-user-title" onClose={onClose} className="m-auto w-full max-w-md rounded-lg border border-slate-200 p-5 shadow-xl backdrop:bg-slate-900/40">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate();
        }}
      >
        <h3 id="change-user-title" className="text-lg font-semibold">
          {text.title}
        </h3>
        <p className="mt-2 text-sm text-slate-600">{text.consequence}</p>
        <label className="mt-3 block text-sm">
          <span className="block text-slate-700">Reason (kept in the audit trail)</span>
          <textarea className={`${INPUT} w-full`} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} required autoFocus />
        </label>
        <div className="mt-3">
          <FormError error={change.error} />
        </div>
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={PRIMARY} disabled={change.isPending || reason.trim() === ""}>
            {change.isPending ? "Saving …" : text.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}

export function UserSettings() {
  const query = useQuery({ queryKey: queryKeys.users(), queryFn: ({ signal }) => apiFetch<z.infer<typeof ZUserList>>("/api/v1/users", { signal }) });
  const principal = usePrincipal();
  const [pending, setPending] = useState<PendingChange | null>(null);
  return (
    <div className="space-y-3">
      {query.isPending ? (
        <Loading what="users" />
      ) : query.isError ? (
        <ErrorBox error={query.error} what="users" onRetry={() => void query.refetch()} />
      ) : query.data.users.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600">No users yet.</p>
      ) : (
        <DataTable
          caption="Users"
          density="snug"
          rows={query.data.users}
          rowKey={(u) => u.id}
          rowProps={(u) => ({ "data-testid": `user-${u.email}` })}
          columns={[
            { key: "email", header: "Email", className: "font-mono text-xs", cell: (u) => u.email },
            { key: "name", header: "Name", cell: (u) => u.name },
            {
              key: "role",
              header: "Role",
              cell: (u) => (
                <select
                  aria-label={`Role of ${u.email}`}
                  className={INPUT}
                  value={u.role}
                  onChange={(e) => setPending({ user: u, change: { role: e.target.value as Role } })}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {roleLabel(r)}
                    </option>
                  ))}
                </select>
              ),
            },
            { key: "teams", header: "Teams", className: "text-xs", cell: (u) => <TeamsCell user={u} onSet={(teams) => setPending({ user: u, change: { teams } })} /> },
            { key: "signIn", header: "Sign-in", className: "text-xs", cell: (u) => (u.signIn === "password" ? "Password" : "SSO") },
            {
              key: "status",
              header: "Status",
              className: "text-xs",
              cell: (u) =>
                u.disabledAt ? (
                  <span className="text-red-700">
                    disabled <Time iso={u.disabledAt} />
                  </span>
                ) : (
                  "active"
                ),
            },
            { key: "created", header: "Created", className: "text-xs", cell: (u) => <Time iso={u.createdAt} /> },
            {
              key: "actions",
              header: "Access",
              className: "text-xs",
              cell: (u) =>
                u.disabledAt ? (
                  <button type="button" aria-label={`Enable ${u.email}`} className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100" onClick={() => setPending({ user: u, change: { disabled: false } })}>
                    Enable
                  </button>
                ) : (
                  <button
                    type="button"
                    className="rounded border border-red-300 px-2 py-0.5 text-red-700 hover:bg-red-50 disabled:opacity-50"
                    disabled={u.id === principal.id}
                    title={u.id === principal.id ? "You cannot disable your own account; another admin must" : undefined}
                    aria-label={`Disable ${u.email}`}
                    onClick={() => setPending({ user: u, change: { disabled: true } })}
                  >
                    Disable
                  </button>
                ),
            },
          ]}
        />
      )}
      {pending && <ChangeUserDialog key={`${pending.user.id}-${JSON.stringify(pending.change)}`} pending={pending} onClose={() => setPending(null)} />}
      <CreateUser />
    </div>
  );
}

/** A user's teams (the topology's team names), comma-separated; approval policies draw on them (docs/approvals.md#teams). */
function TeamsCell({ user, onSet }: { user: User; onSet: (teams: string[]) => void }) {
  const [value, setValue] = useState(user.teams.join(", "));
  const teams = [...new Set(value.split(",").map((t) => t.trim()).filter(Boolean))];
  const changed = teams.join(",") !== user.teams.join(",");
  return (
    <form
      className="flex items-center gap-1"
      onSubmit={(e) => {
        e.preventDefault();
        if (changed) onSet(teams);
      }}
    >
      <input aria-label={`Teams of ${user.email}`} className={`${INPUT} w-36`} placeholder="no team" value={value} onChange={(e) => setValue(e.target.value)} />
      {changed ? (
        <button type="submit" className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100" aria-label={`Set teams of ${user.email}`}>
          Set
        </button>
      ) : null}
    </form>
  );
}

// ── API tokens ─────────────────────────────────────────────────────

function ShownOnce({ token, name, onDone }: { token: string; name: string; onDone: () => void }) {
  const [copied, setCopied] = useState<"" | "copied" | "failed">("");
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.select(), []);
  return (
    <div className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-4" data-testid="new-token">
      <p className="text-sm font-semibold text-amber-900">Copy the token for {name} now: it is shown this once and cannot be read again.</p>
      <div className="flex flex-wrap items-center gap-2">
        <label className="sr-only" htmlFor="new-token-value">
          New API token
        </label>
        <input id="new-token-value" ref={ref} readOnly value={token} className={`${INPUT} w-full max-w-xl font-mono`} onFocus={(e) => e.target.select()} />
        <button
          type="button"
          className={PRIMARY}
          onClick={() =>
            navigator.clipboard
              ?.writeText(token)
              .then(() => setCopied("copied"))
              .catch(() => setCopied("failed")) ?? setCopied("failed")
          }
        >
          Copy token
        </button>
        <button type="button" className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100" onClick={onDone}>
          I have stored it
        </button>
      </div>
      <p role="status" aria-live="polite" className="text-xs text-amber-900">
        {copied === "copied" ? "Copied to the clipboard." : copied === "failed" ? "The browser refused the clipboard: select the token and copy it by hand." : ""}
      </p>
    </div>
  );
}

function RevokeDialog({ token, onClose }: { token: Token; onClose: () => void }) {
  const client = useQueryClient();
  const ref = useRef<HTMLDialogElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const revoke = useMutation({
    mutationFn: () => apiFetch<Token>(`/api/v1/tokens/${token.id}`, { method: "DELETE" }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.apiTokens() });
      onClose();
    },
  });
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    // The consequential choice is the one asked about; Escape or Cancel backs out.
    confirm.current?.focus();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="revoke-title" onClose={onClose} className="m-auto w-full max-w-md rounded-lg border border-slate-200 p-5 shadow-xl backdrop:bg-slate-900/40">
      <h3 id="revoke-title" className="text-lg font-semibold">
        Revoke “{token.name}”?
      </h3>
      <p className="mt-2 text-sm text-slate-600">
        Every request with this token ({token.prefix}…) is refused from its very next one. This cannot be undone: automation using it needs a new token.
      </p>
      <div className="mt-3">
        <FormError error={revoke.error} />
      </div>
      <div className="mt-4 flex justify-end gap-2">
        <button type="button" className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100" onClick={onClose}>
          Cancel
        </button>
        <button type="button" ref={confirm} className="rounded bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-600 disabled:opacity-50" disabled={revoke.isPending} onClick={() => revoke.mutate()}>
          {revoke.isPending ? "Revoking …" : "Revoke token"}
        </button>
      </div>
    </dialog>
  );
}

function CreateToken({ onCreated }: { onCreated: (created: z.infer<typeof ZCreatedApiToken>) => void }) {
  const client = useQueryClient();
  const [form, setForm] = useState({ name: "", role: "OPERATOR" as Role, days: "" });
  const create = useMutation({
    mutationFn: () => apiFetch<z.infer<typeof ZCreatedApiToken>>("/api/v1/tokens", { body: { name: form.name, role: form.role, ...(form.days.trim() ? { expiresInDays: Number(form.days) } : {}) } }),
    onSuccess: (created) => {
      onCreated(created);
      setForm({ name: "", role: "OPERATOR", days: "" });
      void client.invalidateQueries({ queryKey: queryKeys.apiTokens() });
    },
  });
  return (
    <form
      aria-label="Create an API token"
      noValidate
      className="space-y-2 rounded-lg border border-slate-200 bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <h3 className="text-sm font-medium text-slate-700">Create an API token</h3>
      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="block text-slate-700">Token name</span>
          <input className={INPUT} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} placeholder="deploy-bot" autoComplete="off" />
        </label>
        <label className="text-sm">
          <span className="block text-slate-700">Token role</span>
          <select className={INPUT} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block text-slate-700">Expires in days (empty: the server's default)</span>
          <input type="number" className={`${INPUT} w-28`} value={form.days} onChange={(e) => setForm({ ...form, days: e.target.value })} />
        </label>
        <button type="submit" className={PRIMARY} disabled={create.isPending}>
          {create.isPending ? "Creating …" : "Create token"}
        </button>
      </div>
      <FormError error={create.error} />
    </form>
  );
}

export function TokenSettings() {
  const query = useQuery({ queryKey: queryKeys.apiTokens(), queryFn: ({ signal }) => apiFetch<z.infer<typeof ZApiTokenList>>("/api/v1/tokens", { signal }) });
  const [created, setCreated] = useState<z.infer<typeof ZCreatedApiToken> | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);
  return (
    <div className="space-y-3">
      {created && <ShownOnce token={created.token} name={created.record.name} onDone={() => setCreated(null)} />}
      <CreateToken onCreated={setCreated} />
      {query.isPending ? (
        <Loading what="API tokens" />
      ) : query.isError ? (
        <ErrorBox error={query.error} what="API tokens" onRetry={() => void query.refetch()} />
      ) : query.data.tokens.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600">No API tokens yet. Automation (deploy bots, the self-healing pipeline) calls the API with one; create it above.</p>
      ) : (
        <DataTable
          caption="API tokens, newest first"
          density="snug"
          rows={query.data.tokens}
          rowKey={(t) => t.id}
          rowProps={(t) => ({ "data-testid": `token-${t.name}` })}
          columns={[
            { key: "name", header: "Name", className: "font-medium", cell: (t) => t.name },
            { key: "prefix", header: "Prefix", className: "font-mono text-xs", cell: (t) => `${t.prefix}…` },
            { key: "role", header: "Role", cell: (t) => roleLabel(t.role) },
            { key: "created", header: "Created", className: "text-xs", cell: (t) => <Time iso={t.createdAt} /> },
            { key: "lastUsed", header: "Last used", className: "text-xs", cell: (t) => (t.lastUsedAt ? <Time iso={t.lastUsedAt} /> : "never") },
            { key: "expires", header: "Expires", className: "text-xs", cell: (t) => (t.expiresAt ? <Time iso={t.expiresAt} /> : "never") },
            {
              key: "status",
              header: "Status",
              className: "text-xs",
              cell: (t) =>
                t.revokedAt ? (
                  <span className="text-red-700">
                    revoked <Time iso={t.revokedAt} />
                  </span>
                ) : (
                  <button type="button" className="rounded border border-red-300 px-2 py-0.5 text-red-700 hover:bg-red-50" onClick={() => setRevoking(t)}>
                    Revoke {t.name}
                  </button>
                ),
            },
          ]}
        />
      )}
      {revoking && <RevokeDialog token={revoking} onClose={() => setRevoking(null)} />}
    </div>
  );
}
