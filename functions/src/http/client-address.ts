import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import type { HttpRequest } from "./types.js";

/**
 * The client's address, for throttling. On Cloud Functions (2nd gen, on Cloud Run) Google's
 * front end APPENDS the address it saw to `X-Forwarded-For`; every entry to its left was written
 * by the client and proves nothing. So the rightmost entry is used - never the leftmost, which
 * is what Express's `req.ip` returns under the Functions Framework's `trust proxy`. Without the
 * header (local runs) the socket's address is used. Behind an extra proxy of your own (an
 * external HTTPS load balancer) set CLIENT_IP_HOPS=2 to skip the balancer's own entry.
 */
export function clientAddress(req: HttpRequest, hops: number): string | undefined {
  const header = req.headers["x-forwarded-for"];
  const value = Array.isArray(header) ? header.join(",") : header;
  if (value !== undefined && value.trim() !== "") {
    const entries = value.split(",").map((entry) => entry.trim());
    const chosen = entries[entries.length - hops];
    return chosen !== undefined && isIP(chosen) !== 0 ? chosen : undefined;
  }
  const socket = req.socket?.remoteAddress;
  return socket !== undefined && isIP(socket) !== 0 ? socket : undefined;
}

/**
 * The network id of a request whose address cannot be told: no usable entry at CLIENT_IP_HOPS
 * (behind a load balancer of your own, a request sent straight to the function carries only
 * Google's entry), a non-address entry, no socket. Such requests share ONE network for every
 * per-network counter (signups, mail requests, password checks), so leaving the address out
 * never leaves a request uncounted. Not an IP notation, so it never meets a real network.
 */
export const UNKNOWN_NETWORK = "unknown";

/** The network the request is throttled by: its client address's (throttleNetwork), else UNKNOWN_NETWORK. */
export function clientNetwork(req: HttpRequest, hops: number): string {
  const address = clientAddress(req, hops);
  return address === undefined ? UNKNOWN_NETWORK : throttleNetwork(address);
}

/**
 * The network a client address is throttled by. IPv4: the address. IPv6: its /64, the usual
 * smallest allocation to one subscriber (RFC 6177; a /128 would give anyone with a /64 2^64
 * fresh counters). IPv4-mapped IPv6 (`::ffff:203.0.113.7`): the IPv4 address, so both spellings
 * share a counter. `ipaddr.js` parses the many IPv6 notations (compressed, zone ids, dotted tail).
 */
export function throttleNetwork(address: string): string {
  const parsed = ipaddr.process(address); // IPv4-mapped IPv6 -> IPv4
  if (parsed.kind() === "ipv4") return parsed.toString();
  const prefix = parsed.toByteArray().slice(0, 8);
  return `${ipaddr.fromByteArray([...prefix, 0, 0, 0, 0, 0, 0, 0, 0]).toString()}/64`;
}
