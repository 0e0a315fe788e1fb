import type { IncomingMessage, ServerResponse } from "node:http";

// Bounds what the Functions Framework reads of a request body before the function runs.
//
// The framework (@google-cloud/functions-framework, build/src/server.js, getServer) parses every
// body - JSON, text, form, anything else as raw bytes - with body-parser and a fixed limit of
// 1024 MB: no option, no environment variable, and firebase-functions' onRequest has none
// either. Cloud Run stops an HTTP/1 request at 32 MiB, which is still far too much: measured,
// one 30 MiB JSON array of empty objects took an instance from 90 to 1,121 MiB, past the
// function's 512 MiB (docs/benchmark.md, "Large request bodies").
//
// The framework loads body-parser at start-up but builds its parsers only after it has loaded
// the function's module (main.js: getUserFunction, then getServer), and the Functions emulator
// does the same (firebase-tools, functionsEmulatorRuntime.js). So, at load, this wraps the four
// parser factories of every body-parser already loaded: a body whose Content-Length is over the
// cap is not read at all (the handler then answers 413 `payload_too_large` from that header,
// request.ts), and a body without one (chunked) is read up to the cap and then refused by
// body-parser itself (its own 413 page, not this API's JSON). Where the framework is laid out
// otherwise (a future version, an ES module), nothing is found, the framework's limit stands,
// and the caller logs it.

type Next = (error?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
type Factory = (options?: Readonly<Record<string, unknown>>) => Middleware;

const PARSERS = ["json", "text", "urlencoded", "raw"] as const;
const BODY_PARSER = /[\\/]node_modules[\\/]body-parser[\\/]index\.js$/;
/** Marks a body-parser already wrapped, so a second call does not wrap it twice. */
const WRAPPED = Symbol.for("flutterflow-auth.body-cap");

const isFactory = (value: unknown): value is Factory => typeof value === "function";

/** The length the client declared; NaN when it declared none (chunked), which is never over the cap. */
const declaredLength = (req: IncomingMessage): number => Number(req.headers["content-length"] ?? Number.NaN);

function capped(factory: Factory, maxBytes: number): Factory {
  return (options = {}) => {
    const parse = factory({ ...options, limit: maxBytes });
    return (req, res, next) => (declaredLength(req) > maxBytes ? next() : parse(req, res, next));
  };
}

/**
 * Caps the body parsers that body-parser will build from now on at `maxBytes`; returns how many
 * loaded copies of body-parser it found (0: nothing capped).
 */
export function capBodyParsers(maxBytes: number, modules: NodeJS.Dict<NodeModule> = require.cache): number {
  let found = 0;
  for (const [id, loaded] of Object.entries(modules)) {
    if (loaded === undefined || !BODY_PARSER.test(id)) continue;
    const parsers: unknown = loaded.exports;
    if ((typeof parsers !== "function" && typeof parsers !== "object") || parsers === null) continue;
    if (Reflect.get(parsers, WRAPPED) !== true) {
      for (const name of PARSERS) {
        const factory: unknown = Reflect.get(parsers, name);
        if (isFactory(factory)) Reflect.set(parsers, name, capped(factory, maxBytes));
      }
      Reflect.set(parsers, WRAPPED, true);
    }
    found++;
  }
  return found;
}
