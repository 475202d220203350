// Roles and teams from the identity provider's groups (docs/approvals.md#teams-from-oidc-groups):
// OIDC_GROUP_ROLES ("sre-admins=ADMIN,sre=APPROVER") and OIDC_GROUP_TEAMS
// ("payments-eng=payments") are read on every OIDC sign-in. Pure.
import { hasRole, isRole, type Role } from "./roles";

export interface GroupMapping<T> {
  group: string;
  value: T;
}

/** "a=X,b=Y" as pairs; problems name each bad entry. */
export function parseGroupMapping(raw: string | undefined): { pairs: GroupMapping<string>[]; problems: string[] } {
  const pairs: GroupMapping<string>[] = [];
  const problems: string[] = [];
  for (const entry of (raw ?? "").split(",").map((e) => e.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf("=");
    const group = at > 0 ? entry.slice(0, at).trim() : "";
    const value = at > 0 ? entry.slice(at + 1).trim() : "";
    if (!group || !value) problems.push(`"${entry}" is not group=value`);
    else pairs.push({ group, value });
  }
  return { pairs, problems };
}

export function parseGroupRoles(raw: string | undefined): { pairs: GroupMapping<Role>[]; problems: string[] } {
  const { pairs, problems } = parseGroupMapping(raw);
  const roles: GroupMapping<Role>[] = [];
  for (const p of pairs) {
    const role = p.value.toUpperCase();
    if (isRole(role)) roles.push({ group: p.group, value: role });
    else problems.push(`"${p.group}=${p.value}": ${p.value} is not one of VIEWER, OPERATOR, APPROVER, ADMIN`);
  }
  return { pairs: roles, problems };
}

/** The highest role any of `groups` maps to; null when none is mapped (the role then stays as it is). */
export function roleFromGroups(groups: readonly string[], mapping: readonly GroupMapping<Role>[]): Role | null {
  let best: Role | null = null;
  for (const m of mapping) if (groups.includes(m.group) && (best === null || !hasRole(best, m.value))) best = m.value;
  return best;
}

/** Exactly the teams `groups` map to, sorted; null when no team mapping is configured (teams are then kept as an admin set them). */
export function teamsFromGroups(groups: readonly string[], mapping: readonly GroupMapping<string>[] | null): string[] | null {
  if (mapping === null) return null;
  return [...new Set(mapping.filter((m) => groups.includes(m.group)).map((m) => m.value))].sort();
}

/** What a sign-in changes of a user: the role and teams the groups say, where they differ from what the user has. */
export function groupSync(
  groups: readonly string[],
  user: { role: Role; teams: readonly string[] },
  mapping: { roles: readonly GroupMapping<Role>[]; teams: readonly GroupMapping<string>[] | null },
): { role?: Role; teams?: string[] } | null {
  const role = roleFromGroups(groups, mapping.roles);
  const teams = teamsFromGroups(groups, mapping.teams);
  const change: { role?: Role; teams?: string[] } = {};
  if (role !== null && role !== user.role) change.role = role;
  if (teams !== null && teams.join("\n") !== [...user.teams].sort().join("\n")) change.teams = teams;
  return Object.keys(change).length > 0 ? change : null;
}
