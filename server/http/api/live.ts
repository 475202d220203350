import "server-only";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS } from "./responses";

const HEARTBEAT_MS = 15_000;

export const liveEventsEndpoint = endpoint({
  operationId: "streamChanges",
  method: "GET",
  path: "/api/v1/events",
  summary: "Live changes (server-sent events)",
  description: "A text/event-stream of `change` events, each `{ topics: [...] }` (operations, reviews, locks, audit, notifications, incidents, graph, settings): what to refetch. Comments every 15 s keep proxies from closing it.",
  tags: ["meta"],
  access: "VIEWER",
  responses: { 200: { description: "Server-sent events", contentType: "text/event-stream" }, ...AUTH_ERRORS },
  async handler({ container, request }) {
    const encoder = new TextEncoder();
    let cleanup = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            cleanup();
          }
        };
        send("retry: 3000\n: connected\n\n");
        const unsubscribe = container.changes.subscribe((topics) => send(`event: change\ndata: ${JSON.stringify({ topics })}\n\n`));
        const heartbeat = setInterval(() => send(": keep-alive\n\n"), HEARTBEAT_MS);
        cleanup = () => {
          clearInterval(heartbeat);
          unsubscribe();
        };
        request.signal.addEventListener("abort", () => {
          cleanup();
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        });
      },
      cancel() {
        cleanup();
      },
    });
    return new Response(stream, { status: 200, headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" } });
  },
});
