// Real local receivers for notification tests: one HTTP server standing in for
// Slack, Teams and PagerDuty (it records every request and answers as told),
// and a real SMTP server (smtp-server) that records the mail it accepts.
import http from "node:http";
import type net from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedRequest {
  path: string;
  body: any;
}

export interface Receivers {
  http: { url: string; received: ReceivedRequest[]; of(prefix: string): ReceivedRequest[]; answer(prefix: string, statuses: number[]): void };
  smtp: { port: number; mails: { from: string; to: string[]; raw: string }[] };
  close(): Promise<void>;
}

export async function startReceivers(): Promise<Receivers> {
  const received: ReceivedRequest[] = [];
  // Per path prefix, the statuses to answer next (then 2xx again).
  const scripted = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const prefix = [...scripted.keys()].find((p) => path.startsWith(p));
      const status = prefix ? scripted.get(prefix)!.shift() : undefined;
      if (prefix && scripted.get(prefix)!.length === 0) scripted.delete(prefix);
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        /* keep the text */
      }
      received.push({ path, body: parsed });
      if (status && status >= 300) {
        res.writeHead(status, { "content-type": "text/plain" }).end(status === 400 ? "invalid_blocks" : "upstream trouble");
        return;
      }
      if (path.startsWith("/pagerduty")) res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ status: "success", message: "Event processed", dedup_key: (parsed as { dedup_key?: string }).dedup_key }));
      else res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;

  const mails: { from: string; to: string[]; raw: string }[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
      stream.on("end", () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const smtpPort = (smtp.server.address() as net.AddressInfo).port;

  return {
    http: {
      url,
      received,
      of: (prefix) => received.filter((r) => r.path.startsWith(prefix)),
      answer: (prefix, statuses) => void scripted.set(prefix, [...statuses]),
    },
    smtp: { port: smtpPort, mails },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}
