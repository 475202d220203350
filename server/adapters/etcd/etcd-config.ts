import "server-only";
import fs from "node:fs";
import { AppError } from "../../core/errors";
import type { EtcdLockStoreOptions } from "./lock-store";

// Where the etcd lock backend is, as server/env.ts reads it from ETCD_*
// (docs/locks-etcd.md#configuration), and the store options it makes.

export interface EtcdConnectionConfig {
  /** http(s)://host:port of each member. */
  endpoints: string[];
  username?: string;
  password?: string;
  /** Paths of PEM files: the CA that signed the members' certificates, and a client certificate and key. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/**
 * "http://a:2379,https://b:2379" as endpoints, or the problem with it: which
 * entry, never its text (it is configuration, but a URL may carry credentials).
 */
export function parseEtcdEndpoints(value: string): { endpoints: string[]; problem: string | null } {
  const entries = value.split(",").map((entry) => entry.trim());
  const endpoints: string[] = [];
  for (const [i, entry] of entries.entries()) {
    let url: URL | null = null;
    try {
      url = new URL(entry);
    } catch {
      url = null;
    }
    const plain = url && (url.protocol === "http:" || url.protocol === "https:") && url.hostname && !url.username && !url.password && (url.pathname === "/" || url.pathname === "") && !url.search && !url.hash;
    if (!plain) {
      const where = entries.length > 1 ? `entry ${i + 1} of ${entries.length}` : "the value";
      return { endpoints: [], problem: `must be comma-separated http:// or https:// URLs of etcd members (e.g. https://etcd-1:2379,https://etcd-2:2379); ${where} is not such a URL (no path, no credentials: use ETCD_USERNAME and ETCD_PASSWORD)` };
    }
    endpoints.push(`${url!.protocol}//${url!.host}`);
  }
  if (new Set(endpoints.map((e) => e.slice(0, e.indexOf(":")))).size > 1) {
    return { endpoints: [], problem: "must all use the same scheme (all http:// or all https://): one client speaks to every member" };
  }
  return { endpoints, problem: null };
}

/** The options openEtcdLockStore takes for `config`, reading its PEM files (VALIDATION_FAILED naming the variable when one cannot be read). */
export function etcdLockStoreOptions(config: EtcdConnectionConfig): Pick<EtcdLockStoreOptions, "endpoints" | "username" | "password" | "tls"> {
  const read = (variable: string, file: string | undefined): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw new AppError("VALIDATION_FAILED", `${variable}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { variable });
    }
  };
  const ca = read("ETCD_CA_FILE", config.caFile);
  const cert = read("ETCD_CERT_FILE", config.certFile);
  const key = read("ETCD_KEY_FILE", config.keyFile);
  return {
    endpoints: config.endpoints,
    ...(config.username !== undefined ? { username: config.username, password: config.password ?? "" } : {}),
    ...(ca || cert || key ? { tls: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } } : {}),
  };
}
