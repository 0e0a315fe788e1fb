import { randomUUID } from "node:crypto";
import { type Deployment, deployment as deploymentOfProcess } from "../config.js";
import { withinBudget } from "../deadlines.js";
import type { Deps } from "../domain/deps.js";
import { AppError, toAppError } from "../errors.js";
import { requestFailed } from "../logs.js";
import { clientNetwork as networkOf } from "./client-address.js";
import type { CorsStep } from "./cors.js";
import { preferredLanguage } from "./language.js";
import { hasNoBody, jsonBody } from "./request.js";
import { sendError, sendJson } from "./respond.js";
import type { Route } from "./route.js";
import { servedUrl } from "./served-url.js";
import type { HttpRequest, HttpResponse } from "./types.js";

const METHODS = ["GET", "POST", "PATCH", "DELETE"] as const;
export type Method = (typeof METHODS)[number];
const isMethod = (value: string): value is Method => (METHODS as readonly string[]).includes(value);

/** Path pattern (segments starting with `:` capture) -> the route of each allowed method (routes.ts). */
export type RouteTable = Readonly<Record<string, Partial<Record<Method, Route>>>>;

/** A captured segment: uid-like ids only, so no path value can reach a document path oddly. */
const PARAM = /^[A-Za-z0-9_-]{1,128}$/;

/** The route table's entry for `path` (and the values of its `:name` segments), if any. */
export function match(routes: RouteTable, path: string) {
  const segments = path.split("/");
  for (const [pattern, methods] of Object.entries(routes)) {
    const parts = pattern.split("/");
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matched = parts.every((part, i) => {
      const segment = segments[i] ?? "";
      if (!part.startsWith(":")) return part === segment;
      params[part.slice(1)] = segment;
      return PARAM.test(segment);
    });
    if (matched) return { methods, params };
  }
  return undefined;
}

/**
 * The HTTP adapter: CORS, routing, method, content type and size; then one route call within
 * the request's time budget; then one place that turns any failure into the JSON error answer
 * (errors.ts, `toAppError`: transient store and Auth failures become 503). No business logic here.
 */
export function createHandler(
  routes: RouteTable,
  cors: CorsStep,
  deps: () => Promise<Deps>,
  clientIpHops = 1,
  deployment: Deployment = deploymentOfProcess(),
) {
  return async (req: HttpRequest, res: HttpResponse): Promise<void> => {
    const path = normalizePath(req.path);
    // The language of the answer's messages and of any mail the request causes (language.ts).
    const language = preferredLanguage(firstHeader(req.headers["accept-language"]));
    try {
      if ((await cors(req, res)) === "handled") return;
      const found = match(routes, path);
      if (found === undefined) throw new AppError("not_found", "There is no such endpoint.");
      const method = req.method ?? "";
      const route = isMethod(method) ? found.methods[method] : undefined;
      if (route === undefined) {
        const allowed = Object.keys(found.methods).join(", ");
        throw new AppError("method_not_allowed", `Use ${allowed} for this endpoint.`, {
          headers: { Allow: `${allowed}, OPTIONS` },
        });
      }
      // GET sends no body; nor does FlutterFlow's DELETE call unless told to (a DELETE with no
      // bytes is an empty object; one with a body is JSON like any other).
      const body = method === "GET" || (method === "DELETE" && hasNoBody(req)) ? {} : jsonBody(req);
      const incoming = {
        body,
        query: queryOf(req.url),
        authorization: req.headers.authorization,
        params: found.params,
        clientNetwork: networkOf(req, clientIpHops),
        language,
        baseUrl: servedUrl(req.headers, deployment),
        userAgent: firstHeader(req.headers["user-agent"]),
        appCheckToken: firstHeader(req.headers["x-firebase-appcheck"]),
      };
      // The route runs under the request's time budget (deadlines.ts): an outage is a 503 in bounded time.
      const reply = await withinBudget(() => route.handle(incoming, deps));
      sendJson(res, reply, language);
    } catch (caught) {
      const error = toAppError(caught);
      if (error.status >= 500) requestFailed(requestId(req), path, error.status, error.details.cause ?? error);
      sendError(res, error, language);
    }
  };
}

/** The query string's parameters, each with its values in order (the route's schema decides: routes.ts). */
function queryOf(url: string | undefined): Record<string, string[]> {
  const start = url?.indexOf("?") ?? -1;
  // No prototype: a parameter named `__proto__` is a parameter (refused by the route's schema), not the object's prototype.
  const query = Object.create(null) as Record<string, string[]>;
  if (url === undefined || start < 0) return query;
  for (const [name, value] of new URLSearchParams(url.slice(start + 1))) query[name] = [...(query[name] ?? []), value];
  return query;
}

const firstHeader = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

function normalizePath(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** Cloud Functions' trace id when there is one, so the log line can be found. */
function requestId(req: HttpRequest): string {
  const trace = req.headers["x-cloud-trace-context"];
  return typeof trace === "string" ? (trace.split("/")[0] ?? trace) : randomUUID();
}
