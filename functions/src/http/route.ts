// What a route is: who may call it, the body it takes, and the function that calls the use case.
// The table in routes.ts declares every route with `route({...})`; handler.ts runs them. Order of
// checks, the same for every route: the body's schema (400), then the SDKs are started, then the
// caller (401, 403), then the route function.
import type { z } from "zod";
import type { Deps } from "../domain/deps.js";
import type { EndedSignIn, Language, VerifiedCaller } from "../domain/model.js";
import type { ErrorCode } from "../errors.js";
import { authenticate, requireAdminClaim } from "./authenticate.js";
import { parseBody } from "./schemas.js";
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

/** What every route function gets: the checked body, the caller (for signed-in kinds), the path's values, the client's network. */
export interface RouteRequest<Body, A extends AuthKind> {
  readonly body: Body;
  readonly caller: CallerOf<A>;
  /** Values of the `:name` segments of the route's pattern. */
  readonly params: Readonly<Record<string, string>>;
  /**
   * The client's network for throttling: the address Google's front end saw, IPv6 as its /64,
   * or the one shared "unknown" network when there is no usable address (client-address.ts).
   */
  readonly clientNetwork: string;
  /** The language of any mail the request causes, from Accept-Language (language.ts). */
  readonly language: Language;
}

/** The request of a route taking `Schema`'s body: `RequestOf<typeof LoginBody, "none">`. */
export type RequestOf<Schema extends z.ZodType, A extends AuthKind> = RouteRequest<z.infer<Schema>, A>;

/** The request as the handler hands it to a route: the JSON body not yet checked, the Authorization header. */
export interface IncomingRequest {
  readonly body: Record<string, unknown>;
  readonly authorization: string | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly clientNetwork: string;
  readonly language: Language;
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
  readonly body: z.ZodType;
  readonly doc: RouteDoc;
  handle(request: IncomingRequest, deps: () => Promise<Deps>): Promise<JsonReply>;
}

export interface RouteSpec<Body, A extends AuthKind> {
  readonly auth: A;
  /** Ended sign-ins this route lets through: the retry of an act that ends it (password change, deletion). */
  readonly acceptEnded?: readonly EndedSignIn[];
  readonly body: z.ZodType<Body>;
  readonly run: (request: RouteRequest<Body, A>, deps: Deps) => Promise<JsonReply>;
  readonly doc: RouteDoc;
}

export function route<Body, A extends AuthKind>(spec: RouteSpec<Body, A>): Route {
  return {
    auth: spec.auth,
    body: spec.body,
    doc: spec.doc,
    async handle(request, getDeps) {
      const body = parseBody(spec.body, request.body); // a 400 starts no SDK
      const deps = await getDeps();
      let caller: VerifiedCaller | undefined;
      if (spec.auth !== "none") {
        caller = await authenticate(request.authorization, deps.idTokens, spec.acceptEnded);
        if (spec.auth === "admin") requireAdminClaim(caller, deps.adminRoleId);
      }
      // `caller` is set exactly when `auth` is not "none", which is what CallerOf<A> says;
      // TypeScript cannot narrow a generic's conditional type from that check.
      const { params, clientNetwork, language } = request;
      return spec.run({ body, caller: caller as CallerOf<A>, params, clientNetwork, language }, deps);
    },
  };
}
