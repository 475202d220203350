import "server-only";
import { getServerSession } from "next-auth";
import { getContainer } from "../container";
import { principalOfUser } from "../core/identity/verify-credentials";
import { configureAuthUrl } from "./auth-url";

export interface ConsoleUser {
  id: string;
  email: string;
  name: string;
  role: "VIEWER" | "OPERATOR" | "APPROVER" | "ADMIN";
}

/** The signed-in person for a console page (read fresh from the store), or null: the page then sends them to sign in. */
export async function consoleUser(): Promise<ConsoleUser | null> {
  const container = await getContainer();
  configureAuthUrl(container.env);
  const session = (await getServerSession(container.identity.authOptions)) as { user?: { id?: string } } | null;
  const id = session?.user?.id;
  if (!id) return null;
  const principal = await principalOfUser({ identities: container.identity.store }, id);
  if (!principal || principal.kind !== "user") return null;
  return { id: principal.userId, email: principal.email, name: principal.name, role: principal.role };
}
