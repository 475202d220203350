// Which client a sign-in attempt comes from (docs/security.md#sign-in-abuse).
// Route handlers do not see the socket's address, so it can only come from a
// header, and any header a client sends itself is whatever the client wants.
// X-Forwarded-For is believed only as far as TRUST_PROXY_HOPS says: with N
// trusted proxies in front, each appending the address it received from, the
// Nth entry from the right is the address the outermost trusted proxy saw
// (entries further left were written by the client and are ignored). With no
// trusted proxy (0, the default) every attempt counts against one shared key.

/** The key used when no trusted proxy names the client: every client shares it. */
export const DIRECT_CLIENT = "direct";

const MAX_ADDRESS_LENGTH = 64;

export function signInClientAddress(forwardedFor: string | null, trustProxyHops: number): string {
  if (trustProxyHops <= 0 || !forwardedFor) return DIRECT_CLIENT;
  const hops = forwardedFor
    .split(",")
    .map((hop) => hop.trim())
    .filter((hop) => hop.length > 0);
  const candidate = hops[hops.length - trustProxyHops] ?? hops[0];
  if (!candidate) return DIRECT_CLIENT;
  // An address, not free text: IPv4/IPv6 characters only (a port or zone is kept as written).
  return /^[0-9A-Za-z.:[\]%_-]+$/.test(candidate) ? candidate.slice(0, MAX_ADDRESS_LENGTH).toLowerCase() : DIRECT_CLIENT;
}
