import type { Language } from "../domain/model.js";
import type { AppError } from "../errors.js";
import { localizedMessage } from "./messages.js";
import type { HttpResponse, JsonReply } from "./types.js";

/**
 * The one place that writes answers. Every answer is JSON; none may be cached (they carry
 * tokens, RFC 6749 5.1, or describe one request).
 */
export function sendJson(res: HttpResponse, reply: JsonReply, language: Language = "en"): void {
  res.statusCode = reply.status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Language", language);
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Pragma", "no-cache");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.end(JSON.stringify(reply.body));
}

/** `{"error": {"code", "message", "field"?, "reason"?}}` with the code's status; the message in `language` (messages.ts). */
export function errorReply(error: AppError, language: Language = "en"): JsonReply {
  const { field, reason } = error.details;
  const message = localizedMessage(error, language);
  return {
    status: error.status,
    body: { error: { code: error.code, message, ...(field && { field }), ...(reason && { reason }) } },
  };
}

export function sendError(res: HttpResponse, error: AppError, language: Language = "en"): void {
  const { headers, retryAfterSeconds } = error.details;
  for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
  if (retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(retryAfterSeconds));
  sendJson(res, errorReply(error, language), language);
}
