import type { IncomingHttpHeaders } from "node:http";

/**
 * The slice of Express's request and response the adapter uses. Cloud Functions passes
 * Express objects; unit tests pass small fakes. Answers are written with Node's own
 * `statusCode` / `setHeader` / `end`, which both provide.
 */
export interface HttpRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Already parsed by the Functions Framework: an object, string, Buffer or undefined. */
  readonly body?: unknown;
  /** The bytes as received, when the framework read a body. */
  readonly rawBody?: Buffer | undefined;
  readonly socket?: { readonly remoteAddress?: string | undefined } | undefined;
}

export interface HttpResponse {
  statusCode: number;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  getHeader(name: string): unknown;
  end(chunk?: string): unknown;
}

export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
}
