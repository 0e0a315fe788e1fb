import { LIMITS } from "../config.js";
import { AppError } from "../errors.js";
import type { HttpRequest } from "./types.js";

/**
 * Checks on the request as the Functions Framework hands it over. It has already parsed the
 * body (JSON, text, form-encoded with nested objects, or raw), capped at 8 KiB in the auth
 * service (body-cap.ts; the framework's own limit is about 1 GB), so the content type and the
 * raw size are checked here, before any field is looked at. A body declared over the cap is not
 * read at all: no rawBody, and its Content-Length is what is measured.
 *
 * Malformed JSON sent as application/json never reaches this code: the framework's parser
 * answers it with its own 400 (see docs/api.md, "Errors").
 */
export function jsonBody(req: HttpRequest): Record<string, unknown> {
  const size = bodySize(req);
  if (!Number.isFinite(size) || size > LIMITS.maxBodyBytes) {
    throw new AppError("payload_too_large", `The request body must be at most ${LIMITS.maxBodyBytes} bytes.`);
  }
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    throw new AppError(
      "unsupported_media_type",
      'Send the body as JSON with "Content-Type: application/json" (in FlutterFlow: Body type JSON).',
    );
  }
  const body = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new AppError("invalid_json", "The request body must be a JSON object.");
  }
  // Copy own enumerable keys onto a prototype-less object: a "__proto__" key stays a plain key.
  const copy: Record<string, unknown> = Object.create(null);
  return Object.assign(copy, body);
}

/** The body's size in bytes: what was read, or what Content-Length declares (a body over the cap is not read). */
const bodySize = (req: HttpRequest): number => req.rawBody?.length ?? Number(req.headers["content-length"] ?? 0);

/** True when the request carries no body at all (no bytes). */
export function hasNoBody(req: HttpRequest): boolean {
  return bodySize(req) === 0;
}
