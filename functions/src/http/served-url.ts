// The URL this API was reached at, for GET /openapi.json's `servers[0].url`: FlutterFlow's import
// takes that URL literally as its API Group's base URL (docs/flutterflow.md), so the document a
// builder saves from their own function names their own function. From the request's Host, and
// where the function sits on it:
// - `https://REGION-PROJECT.cloudfunctions.net/auth/...`: Google's front end strips the function's
//   name from the path before the function sees it: the base is `/auth` on that host;
// - `https://auth-HASH-uc.a.run.app/...` (the same function's Cloud Run URL), the Functions
//   Framework locally: the function is the whole host;
// - the Functions emulator: `http://127.0.0.1:5001/PROJECT/REGION/auth/...`, also stripped.
// The scheme is X-Forwarded-Proto (Google's front end sets it), else http (local servers).
// Behind a Firebase Hosting rewrite the path keeps the rewrite's prefix and the API answers 404
// anyway: import from the function's own URL.
import type { IncomingHttpHeaders } from "node:http";
import type { Deployment } from "../config.js";

/** A host as a Host header may carry it: a name or an IPv4 address, optionally a port (IPv6 literals: not named). */
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$/;

const first = (value: string | string[] | undefined): string | undefined =>
  (Array.isArray(value) ? value[0] : value)?.split(",")[0]?.trim();

/** The API's base URL as this request reached it; undefined when the Host header is missing or not a plain host. */
export function servedUrl(headers: IncomingHttpHeaders, deployment: Deployment): string | undefined {
  const host = first(headers.host);
  if (host === undefined || !HOST.test(host)) return undefined;
  const proto = first(headers["x-forwarded-proto"]) === "https" ? "https" : "http";
  const name = host.split(":")[0] ?? "";
  let path = "";
  if (deployment.emulator && deployment.projectId !== undefined) {
    path = `/${deployment.projectId}/${deployment.region}/${deployment.functionName}`;
  } else if (name.endsWith(".cloudfunctions.net")) {
    path = `/${deployment.functionName}`;
  }
  return `${proto}://${host}${path}`;
}
