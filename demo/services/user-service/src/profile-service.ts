// The profile card shown on the account page and in the team directory.

export interface Profile {
  displayName: string;
  avatarUrl: string | null;
}

export interface Account {
  id: string;
  email: string;
  plan: "free" | "pro" | "team";
  closedAt: string | null;
  /** Declared present, but accounts created through SSO before onboarding finished have `"profile": null`. */
  profile: Profile;
}

export interface ProfileSummary {
  accountId: string;
  displayName: string;
  initials: string;
  avatarUrl: string;
  plan: string;
}

const DEFAULT_AVATAR = "/static/avatar-default.png";

export function initialsOf(name: string): string {
  return name
    .split(/\s+/)
    .filter((part) => part.length > 0)
    .slice(0, 2)
    .map((part) => part.charAt(0).toUpperCase())
    .join("");
}

export function planLabel(plan: Account["plan"]): string {
  switch (plan) {
    case "free":
      return "Free";
    case "pro":
      return "Pro";
    case "team":
      return "Team";
  }
}

export function buildProfileSummary(account: Account): ProfileSummary | null {
  if (account.closedAt !== null) {
    return null;
  }
  const displayName = account.profile.displayName.trim();
  return {
    accountId: account.id,
    displayName,
    initials: initialsOf(displayName),
    avatarUrl: account.profile.avatarUrl ?? DEFAULT_AVATAR,
    plan: planLabel(account.plan),
  };
}
