import { randomUUID } from "node:crypto";
import { AppError, isAppError } from "../errors.js";
import { requestFailed } from "../logs.js";
import type { CorsStep } from "./cors.js";
import { jsonBody } from "./request.js";
import { internalError, sendError, sendJson } from "./respond.js";
import type { HttpRequest, HttpResponse, JsonReply } from "./types.js";

export interface Route {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  readonly run: (body: Record<string, unknown>) => Promise<JsonReply>;
}

export type RouteTable = Readonly<Record<string, Route>>;

/**
 * The HTTP adapter: CORS, routing, method, content type and size; then one route call; then
 * one place that turns any failure into the JSON error answer. No business logic here.
 */
export function createHandler(routes: RouteTable, cors: CorsStep) {
  return async (req: HttpRequest, res: HttpResponse): Promise<void> => {
    const path = normalizePath(req.path);
    try {
      if ((await cors(req, res)) === "handled") return;
      const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
      if (route === undefined) throw new AppError("not_found", "There is no such endpoint.");
      if (req.method !== route.method) {
        throw new AppError("method_not_allowed", `Use ${route.method} for this endpoint.`, {
          headers: { Allow: `${route.method}, OPTIONS` },
        });
      }
      sendJson(res, await route.run(jsonBody(req)));
    } catch (caught) {
      const error = isAppError(caught) ? caught : internalError(caught);
      if (error.status >= 500) requestFailed(requestId(req), path, error.status, error.details.cause ?? error);
      sendError(res, error);
    }
  };
}

function normalizePath(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** Cloud Functions' trace id when there is one, so the log line can be found. */
function requestId(req: HttpRequest): string {
  const trace = req.headers["x-cloud-trace-context"];
  return typeof trace === "string" ? (trace.split("/")[0] ?? trace) : randomUUID();
}
