import { isIP } from "node:net";
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
