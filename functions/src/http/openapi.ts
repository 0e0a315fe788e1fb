// The OpenAPI 3.0 document of the API, made from the route table (routes.ts): the same zod
// schemas the handler checks bodies, query strings and paths with (schemas.ts) and the emulator
// tests hold answers to (answers.ts). Served at GET /openapi.json naming the URL it was fetched
// from as its server, and committed as docs/openapi.json with a placeholder there (a test fails
// when the rest differs). Shaped for FlutterFlow's import (docs/flutterflow.md, "Import the API
// calls"), which makes an API Group of `servers[0].url` taken literally, builds each body from
// its properties' own `example` (a `<name>` there becomes a variable), and turns the bearer
// scheme into an `Authorization: Bearer [token]` header with a variable named after the scheme.
import { z } from "zod";
import { ERROR_STATUS, type ErrorCode } from "../errors.js";
import {
  AlreadyVerifiedAnswer,
  AuthAnswer,
  DeletedAnswer,
  DisabledAnswer,
  ErrorAnswer,
  LoggedOutAnswer,
  MfaRequiredAnswer,
  PasskeyObject,
  SentAnswer,
  UserAnswer,
  UserListAnswer,
  UserObject,
} from "./answers.js";
import type { RouteTable } from "./handler.js";
import type { Route } from "./route.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Named answer schemas: components/schemas, referred to by name. */
const COMPONENTS: readonly (readonly [string, z.ZodType])[] = [
  ["User", UserObject],
  ["SignedIn", AuthAnswer],
  ["MfaRequired", MfaRequiredAnswer],
  ["UserAnswer", UserAnswer],
  ["Sent", SentAnswer],
  ["AlreadyVerified", AlreadyVerifiedAnswer],
  ["Deleted", DeletedAnswer],
  ["LoggedOut", LoggedOutAnswer],
  ["DisabledState", DisabledAnswer],
  ["UserList", UserListAnswer],
  ["Passkey", PasskeyObject],
  ["Error", ErrorAnswer],
];

/** What any route may answer, whatever it does (the handler's own checks, outages). */
const EVERY_ROUTE: readonly ErrorCode[] = ["invalid_request", "internal", "unavailable"];
/** What only a request with a body may answer: GET sends none, and the handler reads none for it. */
const BODY_ERRORS: readonly ErrorCode[] = ["invalid_json", "payload_too_large", "unsupported_media_type"];

/** The security scheme's name: FlutterFlow's import names the header's variable after it (`[token]`). */
export const BEARER_SCHEME = "token";

/** docs/openapi.json's server: no one's URL. The served document names the function's own. */
export const PLACEHOLDER_SERVER = "https://REGION-PROJECT.cloudfunctions.net/auth";

const SAFE = 9_007_199_254_740_991;

/**
 * zod's JSON Schema for OpenAPI 3.0, without zod's safe-integer bounds (noise in a document for
 * people). `io`: bodies are documented as sent (input); query and path values as the numbers or
 * strings they stand for (output: a query's `limit` is an integer sent as text).
 */
function schemaOf(schema: z.ZodType, io: "input" | "output" = "input"): JsonObject {
  const json = z.toJSONSchema(schema, { target: "openapi-3.0", io, unrepresentable: "any" }) as JsonObject;
  const clean = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(clean);
    if (node === null || typeof node !== "object") return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "$schema" || key === "$id") continue;
      if ((key === "minimum" && value === -SAFE) || (key === "maximum" && value === SAFE)) continue;
      out[key] = clean(value);
    }
    return out;
  };
  return clean(json) as JsonObject;
}

const refTo = (schema: z.ZodType): JsonObject | undefined => {
  const named = COMPONENTS.find(([, s]) => s === schema);
  return named === undefined ? undefined : { $ref: `#/components/schemas/${named[0]}` };
};

/**
 * The component a schema is, as a $ref (nested User objects become refs too); a union of
 * components (login's answer: signed in, or the second step asked for) as `anyOf` their refs.
 */
function refOrSchema(schema: z.ZodType): JsonObject {
  const named = refTo(schema);
  if (named !== undefined) return named;
  if (schema instanceof z.ZodUnion) {
    const refs = schema.options.map((option) => refTo(option as z.ZodType));
    if (refs.every((ref) => ref !== undefined)) return { anyOf: refs };
  }
  return schemaOf(schema);
}

function componentSchemas(): JsonObject {
  const user = JSON.stringify(schemaOf(UserObject));
  const schemas: JsonObject = {};
  for (const [name, schema] of COMPONENTS) {
    const json = schemaOf(schema);
    if (name !== "User" && json.properties !== null && typeof json.properties === "object" && !Array.isArray(json.properties)) {
      for (const [key, value] of Object.entries(json.properties)) {
        if (JSON.stringify(value) === user) json.properties[key] = { $ref: "#/components/schemas/User" };
      }
    }
    schemas[name] = json;
  }
  return schemas;
}

const isObject = (node: Json | undefined): node is JsonObject => typeof node === "object" && node !== null && !Array.isArray(node);

/**
 * A request body schema with FlutterFlow's variables as its properties' own examples (what the
 * import builds a body from): every string property `"<name>"`, a boolean `false`, a number `1`.
 */
function withExamples(body: JsonObject): JsonObject {
  const properties = body.properties;
  if (!isObject(properties)) return body;
  const examples: JsonObject = {};
  for (const [key, value] of Object.entries(properties)) {
    if (!isObject(value)) continue;
    const example = value.type === "boolean" ? false : value.type === "integer" || value.type === "number" ? 1 : `<${key}>`;
    examples[key] = { ...value, example };
  }
  return { ...body, properties: examples };
}

/** The parameters (`in`: query or path) a zod object schema declares, each with its own schema and description. */
function parametersOf(schema: z.ZodType | undefined, location: "query" | "path"): JsonObject[] {
  if (schema === undefined) return [];
  const json = schemaOf(schema, "output");
  const required = Array.isArray(json.required) ? json.required : [];
  return Object.entries(isObject(json.properties) ? json.properties : {}).map(([name, value]) => {
    const { description, ...rest } = isObject(value) ? value : {};
    return {
      name,
      in: location,
      required: location === "path" || required.includes(name),
      ...(typeof description === "string" && { description }),
      schema: rest,
    };
  });
}

function describeErrors(codes: readonly ErrorCode[]): JsonObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const responses: JsonObject = {};
  for (const [status, list] of [...byStatus.entries()].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `$.error.code: ${list.map((c) => `\`${c}\``).join(", ")}`,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  return responses;
}

/** What a route answers when App Check (APP_CHECK) refuses its token. */
const APP_CHECK_ERRORS: readonly ErrorCode[] = ["app_check_required", "app_check_invalid"];

/**
 * The App Check token, declared on every route that can check one (all but those whose own mode
 * is `off`): FlutterFlow's import makes it a variable of the call, filled by a custom action
 * (docs/flutterflow.md, "App Check"). Optional: APP_CHECK decides at run time whether it is read.
 */
const APP_CHECK_HEADER: JsonObject = {
  name: "X-Firebase-AppCheck",
  in: "header",
  required: false,
  description: "A Firebase App Check token (FirebaseAppCheck.instance.getToken(); getLimitedUseToken() where APP_CHECK_CONSUME applies)",
  schema: { type: "string" },
};

function operation(method: string, route: Route, operationId: string): JsonObject {
  const { doc } = route;
  const responses: JsonObject = {};
  for (const [status, schema] of Object.entries(doc.answers)) {
    responses[status] = { description: "Success", content: { "application/json": { schema: refOrSchema(schema) } } };
  }
  const appCheck = route.appCheck.mode !== "off";
  const errors = [
    ...new Set([...doc.errors, ...EVERY_ROUTE, ...(method === "GET" ? [] : BODY_ERRORS), ...(appCheck ? APP_CHECK_ERRORS : [])]),
  ];
  Object.assign(responses, describeErrors(errors));
  const op: JsonObject = {
    operationId,
    summary: doc.summary,
    tags: [route.auth === "none" ? "sign-in" : route.auth === "admin" ? "admin" : "signed-in"],
    responses,
  };
  const parameters = [
    ...parametersOf(route.params, "path"),
    ...parametersOf(route.query, "query"),
    ...(appCheck ? [APP_CHECK_HEADER] : []),
  ];
  if (parameters.length > 0) op.parameters = parameters;
  if (route.auth !== "none") op.security = [{ [BEARER_SCHEME]: [] }];
  if (method !== "GET") {
    op.requestBody = { required: true, content: { "application/json": { schema: withExamples(schemaOf(route.body)) } } };
  }
  return op;
}

/** `document` as served from `baseUrl`: its only server (FlutterFlow's API Group base URL); unknown, the placeholder. */
export function servedFrom(document: JsonObject, baseUrl: string | undefined): JsonObject {
  const served = baseUrl === undefined ? placeholderServer : { url: baseUrl, description: "This API, as this document was fetched" };
  return { ...document, servers: [served] };
}

const placeholderServer = {
  url: PLACEHOLDER_SERVER,
  description: "A placeholder: import the document your deployed function serves at <its URL>/openapi.json, which names that URL here",
};

export function openApiDocument(routes: RouteTable, version: string): JsonObject {
  const paths: JsonObject = {};
  const used = new Set<string>();
  for (const [pattern, methods] of Object.entries(routes)) {
    const path = pattern.replace(/:([A-Za-z]+)/g, "{$1}");
    const item: JsonObject = {};
    for (const [method, route] of Object.entries(methods)) {
      if (route === undefined) continue;
      const id = used.has(route.doc.name)
        ? `${route.doc.name}${method.charAt(0)}${method.slice(1).toLowerCase()}${path.replace(/[^A-Za-z]/g, "")}`
        : route.doc.name;
      used.add(id);
      item[method.toLowerCase()] = operation(method, route, id);
    }
    paths[path] = item;
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "FlutterFlow email + password auth",
      version,
      description:
        'Email-and-password accounts for FlutterFlow apps on Firebase: every sign-in answers a Firebase custom token (`$.jwt_token`) for FlutterFlow\'s Log In action (JWT Token). Signed-in calls take `Authorization: Bearer [token]` with the app\'s current Firebase ID token (`currentJwtToken`). Errors are `{"error": {"code", "message", "field"?, "reason"?}}`; besides the codes listed per operation, an unknown path answers 404 `not_found` and a method a path does not take 405 `method_not_allowed` (with `Allow`).',
    },
    servers: [placeholderServer],
    components: {
      securitySchemes: {
        [BEARER_SCHEME]: { type: "http", scheme: "bearer", bearerFormat: "Firebase ID token (FlutterFlow: currentJwtToken)" },
      },
      schemas: componentSchemas(),
    },
    paths,
  };
}

/**
 * The guide's list of FlutterFlow API calls (docs/flutterflow.md), made from the document: name,
 * method and path (variables as FlutterFlow writes them in URLs, `[uid]`), who may call it, the
 * body template, and the JSON paths of a success. `npm run openapi` writes it into the guide; a
 * test fails when the guide's copy differs.
 */
export function apiCallsMarkdown(document: JsonObject): string {
  const components = (document.components as JsonObject).schemas as JsonObject;
  const resolve = (schema: Json): Json => {
    if (schema !== null && typeof schema === "object" && !Array.isArray(schema) && typeof schema.$ref === "string") {
      return components[schema.$ref.replace("#/components/schemas/", "")] ?? null;
    }
    return schema;
  };
  const leaves = (schema: Json, prefix: string): string[] => {
    const node = resolve(schema);
    if (node === null || typeof node !== "object" || Array.isArray(node)) return [prefix];
    const properties = node.properties;
    if (properties === null || typeof properties !== "object" || Array.isArray(properties)) return [prefix];
    return Object.entries(properties).flatMap(([key, value]) => leaves(value, `${prefix}.${key}`));
  };
  const rows = ["| name | method and path | auth | body template | JSON paths of a success | what it does |", "|---|---|---|---|---|---|"];
  for (const [path, item] of Object.entries(document.paths as JsonObject)) {
    for (const [method, raw] of Object.entries(item as JsonObject)) {
      const op = raw as JsonObject;
      const tags = (op.tags as Json[] | undefined) ?? [];
      const auth = op.security === undefined ? "-" : tags.includes("admin") ? "admin" : "token";
      const body = ((op.requestBody as JsonObject | undefined)?.content as JsonObject | undefined)?.["application/json"] as
        | JsonObject
        | undefined;
      const properties = isObject(body?.schema) && isObject(body.schema.properties) ? body.schema.properties : undefined;
      const example = Object.fromEntries(
        Object.entries(properties ?? {}).map(([key, value]) => [key, isObject(value) ? (value.example ?? null) : null]),
      );
      const query = ((op.parameters as Json[] | undefined) ?? [])
        .filter((p) => isObject(p) && p.in === "query")
        .map((p) => (p as JsonObject).name);
      const template =
        body !== undefined
          ? `\`${JSON.stringify(example)}\``
          : query.length > 0
            ? `query: ${query.map((name) => `\`${String(name)}\``).join(", ")}`
            : "-";
      const successes = Object.entries(op.responses as JsonObject).filter(([status]) => status.startsWith("2"));
      const paths = [
        ...new Set(
          successes.flatMap(([, response]) => {
            const schema = (((response as JsonObject).content as JsonObject)["application/json"] as JsonObject).schema ?? null;
            if (op.operationId === "openapi") return ["(the document)"];
            const alternatives = isObject(schema) && Array.isArray(schema.anyOf) ? schema.anyOf : [schema];
            return alternatives.flatMap((alternative) =>
              isObject(alternative) && alternative.$ref === "#/components/schemas/SignedIn"
                ? ["login paths"]
                : leaves(alternative, "$").map((leaf) => `\`${leaf}\``),
            );
          }),
        ),
      ];
      const url = path.replace(/\{([A-Za-z]+)\}/g, "[$1]");
      rows.push(
        `| \`${String(op.operationId)}\` | \`${method.toUpperCase()} ${url}\` | ${auth} | ${template} | ${paths.join(", ")} | ${String(op.summary)} |`,
      );
    }
  }
  return `${rows.join("\n")}\n`;
}
