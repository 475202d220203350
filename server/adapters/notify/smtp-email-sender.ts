import "server-only";

import nodemailer from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool";

import type { ChannelSender } from "../../core/notify/ports";
import type { NotificationMessage } from "../../core/notify/types";
import { PermanentDeliveryError, RetryableDeliveryError } from "./errors";
import { contextParts, truncate } from "./text";

// Email over SMTP with nodemailer. One pooled transport per sender: a burst of
// notifications reuses a connection or two instead of a handshake per message.
// A 5xx SMTP reply is permanent by RFC 5321's own definition (bad credentials,
// unknown mailbox, policy refusal); 4xx replies, refused connections and
// timeouts are retried by the delivery worker.

/** Where and how to connect, as parsed from SMTP_URL. */
export interface SmtpServer {
  host: string;
  port: number;
  /** smtps:// (TLS from the first byte, usually port 465). smtp:// upgrades with STARTTLS when the server offers it. */
  secure: boolean;
  user: string | null;
  pass: string | null;
}

export interface SmtpEmailConfig {
  server: SmtpServer;
  /** "Interlock <alerts@example.com>" or a bare address. */
  from: string;
  to: string[];
  /** Longest one message may take, from queueing to the server's final reply. */
  timeoutMs: number;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "::1"]);

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return LOOPBACK_HOSTS.has(host) || host.endsWith(".localhost") || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * `smtp://[user[:pass]@]host[:port]` or `smtps://…`, or null when the value is
 * not one (no query, no path). The port defaults to 587 (submission) for
 * smtp:// and 465 for smtps://. User and password are percent-decoded.
 */
export function parseSmtpUrl(value: string): SmtpServer | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") return null;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "" || (url.pathname !== "" && url.pathname !== "/") || url.search !== "" || url.hash !== "") return null;
  const secure = url.protocol === "smtps:";
  const port = url.port === "" ? (secure ? 465 : 587) : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return null;
  try {
    const user = url.username === "" ? null : decodeURIComponent(url.username);
    const pass = url.password === "" ? null : decodeURIComponent(url.password);
    return { host, port, secure, user, pass };
  } catch {
    return null;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

const SEVERITY_COLOR = { INFO: "#1d4ed8", WARNING: "#b45309", ERROR: "#b91c1c", CRITICAL: "#7f1d1d" } as const;

/** Subject, plain text and HTML of the mail for `message`. */
export function emailContent(message: NotificationMessage): { subject: string; text: string; html: string } {
  // One line: a title with a line break would otherwise end the Subject header early.
  const subject = truncate(`[Interlock] ${message.severity} ${message.title}`.replace(/\s+/g, " ").trim(), 250);
  const context = contextParts(message);

  const text = [
    message.title,
    "",
    message.body,
    ...(message.fields.length > 0 ? ["", ...message.fields.map((f) => `${f.label}: ${f.value}`)] : []),
    ...(message.links.length > 0 ? ["", ...message.links.map((l) => `${l.label}: ${l.url}`)] : []),
    ...(context.length > 0 ? ["", ...context.map((p) => `${p.label}: ${p.value}`)] : []),
    "",
    "-- ",
    "Sent by Interlock",
  ].join("\n");

  const link = (l: NotificationMessage["links"][number]) =>
    /^https?:\/\//i.test(l.url) ? `<a href="${escapeHtml(l.url)}">${escapeHtml(l.label || l.url)}</a>` : `${escapeHtml(l.label)}: ${escapeHtml(l.url)}`;
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: sans-serif; font-size: 14px; color: #111827;">',
    `<h2 style="color: ${SEVERITY_COLOR[message.severity]}; margin: 0 0 12px;">${escapeHtml(message.severity)}: ${escapeHtml(message.title)}</h2>`,
    message.body.trim() === "" ? "" : `<p style="white-space: pre-wrap;">${escapeHtml(message.body)}</p>`,
    message.fields.length === 0
      ? ""
      : `<table cellpadding="4" style="border-collapse: collapse;">${message.fields
          .map((f) => `<tr><th align="left" valign="top">${escapeHtml(f.label)}</th><td style="white-space: pre-wrap;">${escapeHtml(f.value)}</td></tr>`)
          .join("")}</table>`,
    message.links.length === 0 ? "" : `<p>${message.links.map(link).join(" &middot; ")}</p>`,
    context.length === 0 ? "" : `<p style="color: #6b7280; font-size: 12px;">${context.map((p) => `${escapeHtml(p.label)}: ${escapeHtml(p.value)}`).join(" &middot; ")}</p>`,
    "</body></html>",
  ]
    .filter((line) => line !== "")
    .join("\n");

  return { subject, text, html };
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
}

function failure(error: unknown): PermanentDeliveryError | RetryableDeliveryError {
  const err = error as SmtpError;
  const message = `SMTP delivery failed: ${err instanceof Error ? err.message : String(error)}`;
  const replyCode = typeof err?.responseCode === "number" ? err.responseCode : null;
  return replyCode !== null && replyCode >= 500 && replyCode < 600
    ? new PermanentDeliveryError(message, { status: replyCode, cause: error })
    : new RetryableDeliveryError(message, { status: replyCode, cause: error });
}

export class SmtpEmailSender implements ChannelSender {
  readonly channel = "EMAIL" as const;
  private readonly transport: nodemailer.Transporter<SMTPPool.SentMessageInfo, SMTPPool.Options>;

  constructor(private readonly config: SmtpEmailConfig) {
    const { server, timeoutMs } = config;
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: 2,
      host: server.host,
      port: server.port,
      secure: server.secure,
      ...(server.user !== null ? { auth: { user: server.user, pass: server.pass ?? "" } } : {}),
      // Credentials never cross the network in clear: on smtp:// to anything but
      // this machine, STARTTLS is required before AUTH (and the mail itself).
      requireTLS: !server.secure && server.user !== null && !isLoopbackHost(server.host),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  /**
   * Resolves once the server accepted the message for at least one recipient
   * (a partial acceptance is not retried: that would mail the others twice).
   * An abort of `signal`, or no final reply within timeoutMs, rejects at once;
   * the pooled connection then finishes or times out on its own, so a message
   * the server was about to accept may still arrive.
   */
  async send(message: NotificationMessage, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason;
    const { subject, text, html } = emailContent(message);
    const timeoutMs = this.config.timeoutMs;
    const stop = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.aborted ? signal.reason : new RetryableDeliveryError(`SMTP delivery failed: no answer within ${timeoutMs} ms`));
      stop.addEventListener("abort", onAbort, { once: true });
      this.transport
        .sendMail({ from: this.config.from, to: this.config.to, subject, text, html, headers: { "X-Interlock-Template": message.template } })
        .then(
          () => resolve(),
          (error: unknown) => reject(failure(error)),
        )
        .finally(() => stop.removeEventListener("abort", onAbort));
    });
  }

  /** Closes the pooled connections (at shutdown). */
  close(): void {
    this.transport.close();
  }
}
