import cors from "cors";
import type { HttpRequest, HttpResponse } from "./types.js";

/**
 * CORS for FlutterFlow's browser targets (Test/Run mode in the editor, web builds), with the
 * `cors` package. An allowed origin is echoed (with `Vary: Origin`); any other gets no CORS
 * headers, so the browser blocks the answer. Preflights end here with 204. No cookies are
 * used, so credentials are never allowed.
 */
export function originMatcher(patterns: readonly string[]): (origin: string) => boolean {
  if (patterns.includes("*")) return () => true;
  const regexes = patterns.map((pattern) => {
    const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    const source = escaped
      .replace(/:\*$/, ":\\d{1,5}") // any port
      .replace(/\*/g, "[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*"); // any subdomain(s)
    return new RegExp(`^${source}$`, "i");
  });
  return (origin) => regexes.some((regex) => regex.test(origin));
}

export type CorsStep = (req: HttpRequest, res: HttpResponse) => Promise<"handled" | "continue">;

export function corsStep(patterns: readonly string[]): CorsStep {
  const allowed = originMatcher(patterns);
  const middleware = cors<HttpRequest>({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed(origin)),
    methods: ["GET", "POST", "PATCH", "DELETE"],
    allowedHeaders: ["Content-Type", "Authorization", "X-Firebase-AppCheck"],
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
  return (req, res) =>
    new Promise((resolve, reject) => {
      // The middleware either ends an allowed preflight itself or calls next(); with a
      // synchronous origin check both happen before it returns.
      let passedOn = false;
      middleware(req, res, (error?: unknown) => {
        passedOn = true;
        if (error) reject(error); // the package calls next(null) on success
      });
      if (req.method !== "OPTIONS") return resolve("continue");
      if (passedOn) {
        // A preflight from an origin that is not allowed: answered, without CORS headers.
        res.statusCode = 204;
        res.setHeader("Content-Length", "0");
        res.end();
      }
      resolve("handled");
    });
}
