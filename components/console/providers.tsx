"use client";

import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { LIVE_TOPICS, type LiveTopic } from "@/lib/api/query-keys";

export interface ConsolePrincipal {
  id: string;
  email: string;
  name: string;
  role: "VIEWER" | "OPERATOR" | "APPROVER" | "ADMIN";
}

const PrincipalContext = createContext<ConsolePrincipal | null>(null);

/** The signed-in person (role included), for showing what they may do; the API checks again on every call. */
export function usePrincipal(): ConsolePrincipal {
  const principal = useContext(PrincipalContext);
  if (!principal) throw new Error("usePrincipal outside the console");
  return principal;
}

const RANK = { VIEWER: 0, OPERATOR: 1, APPROVER: 2, ADMIN: 3 } as const;
export function can(principal: ConsolePrincipal, role: keyof typeof RANK): boolean {
  return RANK[principal.role] >= RANK[role];
}

export function ConsoleProviders({ principal, children }: { principal: ConsolePrincipal; children: ReactNode }) {
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: true } } }));
  return (
    <QueryClientProvider client={client}>
      <PrincipalContext.Provider value={principal}>
        <LiveUpdates />
        {children}
      </PrincipalContext.Provider>
    </QueryClientProvider>
  );
}

/**
 * Listens to the server's change stream and refetches the queries of each
 * topic that changed, so every page updates without a reload. The browser's
 * EventSource reconnects on its own after a drop.
 */
function LiveUpdates() {
  const client = useQueryClient();
  const [state, setState] = useState<"connecting" | "live" | "down">("connecting");
  useEffect(() => {
    const source = new EventSource("/api/v1/events");
    source.addEventListener("open", () => setState("live"));
    source.addEventListener("error", () => setState("down"));
    source.addEventListener("change", (event) => {
      const topics = (JSON.parse((event as MessageEvent<string>).data) as { topics: string[] }).topics.filter((t): t is LiveTopic => (LIVE_TOPICS as readonly string[]).includes(t));
      // A fetch already under way (a person's "Load more") is not cancelled by a change elsewhere:
      // cancelling it would drop the page they asked for; the next change refetches anyway.
      for (const topic of topics) void client.invalidateQueries({ queryKey: [topic] }, { cancelRefetch: false });
    });
    return () => source.close();
  }, [client]);
  return (
    <p className="sr-only" role="status" aria-live="polite" data-testid="live-status" data-state={state}>
      {state === "live" ? "Live updates on" : state === "down" ? "Live updates interrupted; reconnecting" : "Connecting live updates"}
    </p>
  );
}
