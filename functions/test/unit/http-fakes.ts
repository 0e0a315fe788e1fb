import { EventEmitter } from "node:events";
import type { IncomingHttpHeaders } from "node:http";

/**
 * A request as the Functions Framework hands it to the function (body already parsed,
 * rawBody kept), and a response that records what was written: enough to drive the real
 * exported function without a server, the way firebase-functions' own spec helper does.
 */
export interface FakeRequestInit {
  readonly method?: string;
  readonly path: string;
  /** The query string, without its `?`: part of `url`, as Express has it (`path` never carries it). */
  readonly query?: string;
  readonly headers?: IncomingHttpHeaders;
  /** A JSON body: sent as application/json unless headers say otherwise. */
  readonly json?: unknown;
  /** Raw body and what the framework parsed it into, for non-JSON cases. */
  readonly raw?: { readonly bytes: Buffer; readonly parsed: unknown };
}

export function fakeRequest(init: FakeRequestInit) {
  const bytes = init.raw?.bytes ?? (init.json === undefined ? undefined : Buffer.from(JSON.stringify(init.json)));
  const headers: IncomingHttpHeaders = {
    ...(init.json !== undefined ? { "content-type": "application/json" } : {}),
    ...(bytes !== undefined ? { "content-length": String(bytes.length) } : {}),
    ...init.headers,
  };
  return {
    method: init.method ?? "POST",
    url: init.query === undefined ? init.path : `${init.path}?${init.query}`,
    path: init.path,
    headers,
    body: init.raw !== undefined ? init.raw.parsed : init.json,
    rawBody: bytes,
    get: (name: string) => headers[name.toLowerCase()],
    header: (name: string) => headers[name.toLowerCase()],
  };
}

export class FakeResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  readonly headers = new Map<string, string>();
  text: string | undefined;

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : String(value));
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  send(body: string): this {
    this.end(body);
    return this;
  }

  end(chunk?: string): this {
    this.text = chunk;
    this.headersSent = true;
    this.emit("finish");
    return this;
  }

  json(): unknown {
    return this.text === undefined ? undefined : JSON.parse(this.text);
  }
}
