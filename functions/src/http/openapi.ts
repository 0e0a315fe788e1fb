// The OpenAPI 3.0 document of the API, made from the route table (routes.ts): the same zod
// schemas the handler checks bodies with (schemas.ts) and the emulator tests hold answers to
// (answers.ts). Served at GET /openapi.json and committed as docs/openapi.json (a test fails when
// they differ). FlutterFlow imports it as API calls (docs/flutterflow.md, "Import the API calls").
import { z } from "zod";
import { ERROR_STATUS, type ErrorCode } from "../errors.js";
import {
  AlreadyVerifiedAnswer,
  AuthAnswer,
  DeletedAnswer,
  DisabledAnswer,
  ErrorAnswer,
  LoggedOutAnswer,
  SentAnswer,
  UserAnswer,
  UserObject,
} from "./answers.js";
import type { RouteTable } from "./handler.js";
import type { Route } from "./route.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Named answer schemas: components/schemas, referred to by name. */
const COMPONENTS: readonly (readonly [string, z.ZodType])[] = [
  ["User", UserObject],
  ["LoginBody", AuthAnswer],
  ["UserAnswer", UserAnswer],
  ["Sent", SentAnswer],
  ["AlreadyVerified", AlreadyVerifiedAnswer],
  ["Deleted", DeletedAnswer],
  ["LoggedOut", LoggedOutAnswer],
  ["DisabledState", DisabledAnswer],
  ["Error", ErrorAnswer],
];

/** What any route may answer, whatever it does (the handler's own checks, outages). */
const EVERY_ROUTE: readonly ErrorCode[] = [
  "invalid_request",
  "invalid_json",
  "payload_too_large",
  "unsupported_media_type",
  "internal",
  "unavailable",
];

const SAFE = 9_007_199_254_740_991;

/** zod's JSON Schema for OpenAPI 3.0, without zod's safe-integer bounds (noise in a document for people). */
function schemaOf(schema: z.ZodType): JsonObject {
  const json = z.toJSONSchema(schema, { target: "openapi-3.0", io: "input", unrepresentable: "any" }) as JsonObject;
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

/** The component a schema is, as a $ref; nested User objects become refs too. */
function refOrSchema(schema: z.ZodType): JsonObject {
  const named = COMPONENTS.find(([, s]) => s === schema);
  return named === undefined ? schemaOf(schema) : { $ref: `#/components/schemas/${named[0]}` };
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

/** A body template in FlutterFlow's notation: every string field as a `<variable>`. */
function bodyExample(body: JsonObject): JsonObject {
  const example: JsonObject = {};
  const properties = body.properties;
  if (properties === null || typeof properties !== "object" || Array.isArray(properties)) return example;
  for (const [key, value] of Object.entries(properties)) {
    const type = typeof value === "object" && value !== null && !Array.isArray(value) ? value.type : undefined;
    example[key] = type === "boolean" ? false : type === "integer" || type === "number" ? 1 : `<${key}>`;
  }
  return example;
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

function operation(pattern: string, method: string, route: Route, operationId: string): JsonObject {
  const { doc } = route;
  const responses: JsonObject = {};
  for (const [status, schema] of Object.entries(doc.answers)) {
    responses[status] = { description: "Success", content: { "application/json": { schema: refOrSchema(schema) } } };
  }
  const errors = [...new Set([...doc.errors, ...EVERY_ROUTE])];
  Object.assign(responses, describeErrors(errors));
  const op: JsonObject = {
    operationId,
    summary: doc.summary,
    tags: [route.auth === "none" ? "sign-in" : route.auth === "admin" ? "admin" : "signed-in"],
    responses,
  };
  const params = [...pattern.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
    name: m[1] ?? "",
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (params.length > 0) op.parameters = params;
  if (route.auth !== "none") op.security = [{ bearer: [] }];
  if (method !== "GET") {
    const body = schemaOf(route.body);
    op.requestBody = { required: true, content: { "application/json": { schema: body, example: bodyExample(body) } } };
  }
  return op;
}

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
      item[method.toLowerCase()] = operation(pattern, method, route, id);
    }
    paths[path] = item;
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "FlutterFlow email + password auth",
      version,
      description:
        'Email-and-password accounts for FlutterFlow apps on Firebase: every sign-in answers a Firebase custom token (`$.jwt_token`) for FlutterFlow\'s Log In action (JWT Token). Signed-in calls take `Authorization: Bearer [token]` with the app\'s current Firebase ID token. Errors are `{"error": {"code", "message", "field"?, "reason"?}}`; besides the codes listed per operation, an unknown path answers 404 `not_found` and a method a path does not take 405 `method_not_allowed` (with `Allow`).',
    },
    servers: [
      {
        url: "https://us-central1-{project}.cloudfunctions.net/auth",
        variables: { project: { default: "your-project-id", description: "The Firebase project id" } },
      },
    ],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "Firebase ID token (FlutterFlow: currentJwtToken)" } },
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
      const template = body === undefined ? "-" : `\`${JSON.stringify(body.example)}\``;
      const successes = Object.entries(op.responses as JsonObject).filter(([status]) => status.startsWith("2"));
      const paths = [
        ...new Set(
          successes.flatMap(([, response]) => {
            const schema = (((response as JsonObject).content as JsonObject)["application/json"] as JsonObject).schema ?? null;
            const ref = schema !== null && typeof schema === "object" && !Array.isArray(schema) ? schema.$ref : undefined;
            if (ref === "#/components/schemas/LoginBody") return ["login paths"];
            if (op.operationId === "openapi") return ["(the document)"];
            return leaves(schema, "$").map((leaf) => `\`${leaf}\``);
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
