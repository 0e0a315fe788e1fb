// What a route is: who may call it, the body, query and path values it takes (zod schemas, as
// Fastify declares them), and the function that calls the use case. The table in routes.ts
// declares every route with `route({...})`; handler.ts runs them; openapi.ts documents them from
// the same schemas. Order of checks, the same for every route: the body's, the query's and the
// path's schemas (400), then the SDKs are started, then App Check (401, app-check.ts), then the
// caller (401, 403), then the route function. docs/architecture.md, "Adding a route", walks through a new one.
import type { z } from "zod";
import type { Deps } from "../domain/deps.js";
import type { EndedSignIn, Language, VerifiedCaller } from "../domain/model.js";
import type { ErrorCode } from "../errors.js";
import { type AppCheckPolicy, checkAppCheck } from "./app-check.js";
import { authenticate, requireAdminClaim } from "./authenticate.js";
import { parseBody, parseParameters } from "./schemas.js";
import type { JsonReply } from "./types.js";

/**
 * Who may call a route:
 * - `none`: anyone (signup, login, refresh, logout, password reset);
 * - `token`: a signed-in user, by a Firebase ID token checked for revocation (there is no weaker
 *   kind: every signed-in route is revocation-sensitive);
 * - `admin`: `token`, and its `role_id` claim is ADMIN_ROLE_ID (the use case checks the server
 *   record as well: a demoted admin's token keeps its old claim until it refreshes).
 */
export type AuthKind = "none" | "token" | "admin";

type CallerOf<A extends AuthKind> = A extends "none" ? undefined : VerifiedCaller;

/** Nothing: the query or path values of a route that declares none. */
export type Empty = Readonly<Record<never, never>>;

/** What every route function gets: the checked body, query and path values, the caller (for signed-in kinds), the client's network. */
export interface RouteRequest<Body, A extends AuthKind, Query = Empty, Params = Empty> {
  readonly body: Body;
  readonly caller: CallerOf<A>;
  /** The query string's parameters, checked by the route's `query` schema (none declared: ignored). */
  readonly query: Query;
  /** Values of the `:name` segments of the route's pattern, checked by its `params` schema. */
  readonly params: Params;
  /**
   * The client's network for throttling: the address Google's front end saw, IPv6 as its /64,
   * or the one shared "unknown" network when there is no usable address (client-address.ts).
   */
  readonly clientNetwork: string;
  /** The language of any mail the request causes, from Accept-Language (language.ts). */
  readonly language: Language;
  /** The URL this API was reached at (served-url.ts), when the request says it; GET /openapi.json names it. */
  readonly baseUrl: string | undefined;
  /** The User-Agent header (a new session's device label when the app names none: device-label.ts). */
  readonly userAgent: string | undefined;
}

/** The schemas of a route besides its body. */
interface MoreSchemas {
  readonly query?: z.ZodType;
  readonly params?: z.ZodType;
}
type Checked<More extends MoreSchemas, K extends keyof MoreSchemas> = More[K] extends z.ZodType ? z.infer<More[K]> : Empty;

/**
 * The request of a route taking `Schema`'s body: `RequestOf<typeof LoginBody, "none">`; with
 * query or path schemas: `RequestOf<typeof NoBody, "admin", { query: typeof ListUsersQuery }>`.
 */
export type RequestOf<Schema extends z.ZodType, A extends AuthKind, More extends MoreSchemas = Empty> = RouteRequest<
  z.infer<Schema>,
  A,
  Checked<More, "query">,
  Checked<More, "params">
>;

/** The request as the handler hands it to a route: body, query and path values not yet checked, the Authorization header. */
export interface IncomingRequest {
  readonly body: Record<string, unknown>;
  /** Each query parameter's values, in order (a parameter sent twice has two). */
  readonly query: Readonly<Record<string, readonly string[]>>;
  readonly authorization: string | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly clientNetwork: string;
  readonly language: Language;
  readonly baseUrl: string | undefined;
  readonly userAgent: string | undefined;
  /** The X-Firebase-AppCheck header (app-check.ts). */
  readonly appCheckToken: string | undefined;
}

/** What the OpenAPI document (openapi.ts) says of a route; the emulator tests hold every answer to `answers`. */
export interface RouteDoc {
  /** The FlutterFlow API call's name in the guide (`login`, `resetRequest`, ...). */
  readonly name: string;
  readonly summary: string;
  /** The success statuses and the schema of each body (answers.ts). */
  readonly answers: Readonly<Record<number, z.ZodType>>;
  /** The error codes this route itself can answer, besides those of every route (openapi.ts). */
  readonly errors: readonly ErrorCode[];
}

export interface Route {
  readonly auth: AuthKind;
  /** App Check on this route (app-check.ts): its own mode, if any, and whether it consumes tokens. */
  readonly appCheck: AppCheckPolicy;
  readonly body: z.ZodType;
  readonly query: z.ZodType | undefined;
  readonly params: z.ZodType | undefined;
  readonly doc: RouteDoc;
  handle(request: IncomingRequest, deps: () => Promise<Deps>): Promise<JsonReply>;
}

export interface RouteSpec<Body, A extends AuthKind, Query, Params> {
  readonly auth: A;
  /** Ended sign-ins this route lets through: the retry of an act that ends it (password change, deletion). */
  readonly acceptEnded?: readonly EndedSignIn[];
  /** App Check: the route's own mode (else APP_CHECK), and `replayProtected` for routes whose replay matters. */
  readonly appCheck?: AppCheckPolicy;
  readonly body: z.ZodType<Body>;
  /** The query string (strict: an unknown parameter is a 400). None: the query string is ignored. */
  readonly query?: z.ZodType<Query>;
  /** The `:name` segments of the pattern (a test holds the two to the same names). */
  readonly params?: z.ZodType<Params>;
  readonly run: (request: RouteRequest<Body, A, Query, Params>, deps: Deps) => Promise<JsonReply>;
  readonly doc: RouteDoc;
}

export function route<Body, A extends AuthKind, Query = Empty, Params = Empty>(spec: RouteSpec<Body, A, Query, Params>): Route {
  return {
    auth: spec.auth,
    appCheck: spec.appCheck ?? {},
    body: spec.body,
    query: spec.query,
    params: spec.params,
    doc: spec.doc,
    async handle(request, getDeps) {
      // A 400 starts no SDK. A route without a query (or path) schema has Query (Params) = Empty,
      // which `{}` is; TypeScript cannot tie the optional schema to its type parameter.
      const body = parseBody(spec.body, request.body);
      const query = spec.query === undefined ? ({} as Query) : parseParameters(spec.query, request.query);
      const params = spec.params === undefined ? ({} as Params) : parseParameters(spec.params, request.params);
      const deps = await getDeps();
      await checkAppCheck(request.appCheckToken, spec.appCheck ?? {}, spec.doc.name, deps);
      let caller: VerifiedCaller | undefined;
      if (spec.auth !== "none") {
        caller = await authenticate(request.authorization, deps.idTokens, spec.acceptEnded);
        if (spec.auth === "admin") requireAdminClaim(caller, deps.adminRoleId);
      }
      // `caller` is set exactly when `auth` is not "none", which is what CallerOf<A> says;
      // TypeScript cannot narrow a generic's conditional type from that check.
      const { clientNetwork, language, baseUrl, userAgent } = request;
      return spec.run({ body, query, params, caller: caller as CallerOf<A>, clientNetwork, language, baseUrl, userAgent }, deps);
    },
  };
}
