"use client";

import type { ReactNode } from "react";
import { can, usePrincipal } from "../console/providers";
import { TokenSettings, UserSettings } from "./identity-settings";
import { ApprovalPolicySettings } from "./approval-policies";
import { IncidentSettings } from "./incident-settings";
import { NotificationSettings } from "./notification-settings";
import { ConflictPolicySettings, GateSettings } from "./safety-settings";

function Section({ id, title, description, children }: { id: string; title: string; description: string; children: ReactNode }) {
  return (
    <section aria-labelledby={`${id}-heading`} className="space-y-3">
      <div>
        <h2 id={`${id}-heading`} className="text-lg font-semibold">
          {title}
        </h2>
        <p className="text-sm text-slate-600">{description}</p>
      </div>
      {children}
    </section>
  );
}

/** The admin's settings; other roles are told why there is nothing here (the API refuses them anyway). */
export function SettingsPage() {
  const principal = usePrincipal();
  if (!can(principal, "ADMIN")) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">Settings</h1>
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-700" data-testid="settings-needs-admin">
          Settings need the <span className="font-semibold">admin</span> role: safety gates, the conflict policy, notification routing, users and API tokens can only be read and changed by an admin. You are signed in as{" "}
          {principal.role.toLowerCase()}.
        </p>
      </div>
    );
  }
  return (
    <div className="space-y-8">
      <header>
        <h1 className="text-2xl font-semibold">Settings</h1>
        <p className="text-sm text-slate-600">Every change is validated by the server, audited, and in force on every replica within seconds.</p>
      </header>
      <Section id="gates" title="Safety gates" description="The six checks an operation passes after taking its locks. A failing gate blocks the operation or pauses it for a human.">
        <GateSettings />
      </Section>
      <Section id="conflicts" title="Conflict policy" description="What each kind of conflict on the dependency graph means: its severity and what Interlock does about it.">
        <ConflictPolicySettings />
      </Section>
      <Section id="incidents" title="Incidents" description="The manual baseline incident pages compare their measured MTTR with, and how Alertmanager's alerts become incidents.">
        <IncidentSettings />
      </Section>
      <Section id="notifications" title="Notification channels" description="Where messages of each severity go, and who hears about reviews nobody answers.">
        <NotificationSettings />
      </Section>
      <Section id="approval-policies" title="Approval policies" description="How many distinct people must approve a paused operation, by service, team, tier and type, and from which roles and teams. Every matching policy must be met; the requester never counts.">
        <ApprovalPolicySettings />
      </Section>
      <Section id="users" title="Users" description="People who sign in to the console, with their role. Disabling someone or changing their role signs them out everywhere and revokes the API tokens they created.">
        <UserSettings />
      </Section>
      <Section id="tokens" title="API tokens" description="Automation calls the same API with a bearer token; it acts as token:<name> with the token's role.">
        <TokenSettings />
      </Section>
    </div>
  );
}
