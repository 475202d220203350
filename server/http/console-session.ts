import "server-only";
import { getServerSession } from "next-auth";
import { getContainer } from "../container";
import { configureAuthUrl } from "./auth-url";

export interface ConsoleUser {
  id: string;
  email: string;
  name: string;
  role: "VIEWER" | "OPERATOR" | "APPROVER" | "ADMIN";
}

/**
 * The signed-in person for a console page, or null: the page then sends them
 * to sign in. next-auth's session callback (server/adapters/auth/next-auth-options.ts)
 * reads the user fresh from the store and answers no user for a session that
 * is no longer valid (the user disabled, or the account changed since it was
 * signed in: principalOfSession), so a page treats such a session exactly as
 * the API does: signed out.
 */
export async function consoleUser(): Promise<ConsoleUser | null> {
  const container = await getContainer();
  configureAuthUrl(container.env);
  const session = (await getServerSession(container.identity.authOptions)) as { user?: Partial<ConsoleUser> } | null;
  const user = session?.user;
  if (!user?.id || !user.email || !user.name || !user.role) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
