// The profile service's own check (run with tsx; exits non-zero on failure).
import assert from "node:assert/strict";
import { buildProfileSummary, type Account } from "../src/profile-service";

// Accounts are read from the account store as JSON.
const account = (json: string): Account => JSON.parse(json) as Account;

function main(): void {
  // Happy path: a complete profile.
  const ada = buildProfileSummary(account('{"id":"a-1","email":"ada@example.com","plan":"pro","closedAt":null,"profile":{"displayName":" Ada Lovelace ","avatarUrl":null}}'));
  assert.deepEqual(ada, { accountId: "a-1", displayName: "Ada Lovelace", initials: "AL", avatarUrl: "/static/avatar-default.png", plan: "Pro" });

  // Closed accounts have no card.
  assert.equal(buildProfileSummary(account('{"id":"a-2","email":"b@example.com","plan":"free","closedAt":"2024-01-01T00:00:00Z","profile":null}')), null);

  // An SSO account that never finished onboarding: no profile yet. The directory must not crash on it.
  const sso = buildProfileSummary(account('{"id":"a-3","email":"c@example.com","plan":"team","closedAt":null,"profile":null}'));
  assert.ok(sso === null || typeof sso.displayName === "string");

  // A profile saved without a display name.
  const unnamed = buildProfileSummary(account('{"id":"a-4","email":"d@example.com","plan":"team","closedAt":null,"profile":{"avatarUrl":null}}'));
  assert.ok(unnamed === null || typeof unnamed.displayName === "string");
}

try {
  main();
  console.log("profile-service.check: ok");
} catch (error) {
  console.error("profile-service.check: FAILED\n", error);
  process.exitCode = 1;
}
