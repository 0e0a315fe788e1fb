// `npm run cost -- --mau 100000 [options]`: the monthly Cloud Functions and Firestore cost of
// this backend for that many monthly active users, from the counted operation table
// (docs/operations.json, written by the instrumented emulator test) and the published prices in
// cost-model.mjs (dated there), beside Identity Platform's per-MAU price for the same users.
// `--json` prints the same as JSON. Every option and its default: `--help`; what it counts and
// assumes: docs/cost.md. Plain Node (no build, no emulator, no network).
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { checkOperations, DEFAULTS, estimate, PRICES } from "./cost-model.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Numeric options: the command-line name, the DEFAULTS key. */
const NUMBER_OPTIONS = {
  logins: "logins",
  "trusted-share": "trustedShare",
  "failed-share": "failedShare",
  signups: "signups",
  refreshes: "refreshes",
  "password-changes": "passwordChanges",
  "signed-in-calls": "signedInCalls",
  "rules-reads": "rulesReads",
  "cpu-ms-per-verification": "cpuMsPerVerification",
  "cpu-ms-per-request": "cpuMsPerRequest",
  concurrency: "concurrency",
};

/** One line of the usage text: the option, then what it is. */
const option = (flag, text) => `${`  ${flag}`.padEnd(30)}${text}`;

function usage() {
  const lines = [
    "Usage: npm run cost -- --mau N [options]",
    "",
    option("--mau N", "monthly active users (required)"),
    ...Object.entries(NUMBER_OPTIONS).map(([flag, key]) => option(`--${flag} X`, `default ${DEFAULTS[key].value}: ${DEFAULTS[key].why}`)),
    option(
      "--location L",
      `default ${DEFAULTS.location.value}: ${DEFAULTS.location.why}; Firestore pricing location, one of ${Object.keys(PRICES.firestore.locations).join(", ")}`,
    ),
    option("--no-free-tier", "leave out the free tiers (they are per billing account, shared with FlutterFlow's own functions and data)"),
    option("--operations FILE", "the operation table (default docs/operations.json)"),
    option("--json", "print JSON instead of the tables"),
  ];
  return lines.join("\n");
}

function fail(message) {
  console.error(`[cost] ${message}\n\n${usage()}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      mau: { type: "string" },
      ...Object.fromEntries(Object.keys(NUMBER_OPTIONS).map((flag) => [flag, { type: "string" }])),
      location: { type: "string" },
      "no-free-tier": { type: "boolean" },
      operations: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  }).values;
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (parsed.help) {
  console.log(usage());
  process.exit(0);
}

const number = (flag) => {
  const value = Number(parsed[flag]);
  if (parsed[flag] === undefined || parsed[flag].trim() === "" || !Number.isFinite(value) || value < 0) {
    fail(`--${flag} needs a number >= 0, got ${parsed[flag] === undefined ? "nothing" : JSON.stringify(parsed[flag])}`);
  }
  return value;
};
if (parsed.mau === undefined) fail("--mau is required");
const mau = number("mau");
const options = { freeTier: !parsed["no-free-tier"] };
for (const [flag, key] of Object.entries(NUMBER_OPTIONS)) if (parsed[flag] !== undefined) options[key] = number(flag);
if (parsed.location !== undefined) options.location = parsed.location;

const tablePath = parsed.operations ?? join(root, "docs", "operations.json");
let table;
try {
  table = JSON.parse(readFileSync(tablePath, "utf8"));
} catch (error) {
  fail(`cannot read the operation table ${tablePath}: ${error instanceof Error ? error.message : String(error)}`);
}

const tableLabel = relative(process.cwd(), tablePath) || tablePath;
let result;
try {
  checkOperations(table, tableLabel);
  result = estimate(table, mau, options);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

if (parsed.json) {
  console.log(JSON.stringify({ operationsTable: tableLabel, generatedBy: table.generated_by ?? null, ...result }, null, 2));
  process.exit(0);
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const usd = (value) => `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const unitUsd = (value) => (value >= 0.01 ? usd(value) : `$${Number(value.toPrecision(3)).toString()}`);
/** `text` in lines of at most `width` characters, broken at spaces. */
const wrap = (text, width = 110) =>
  text
    .split(" ")
    .reduce((lines, word) => {
      const last = lines[lines.length - 1];
      if (last !== undefined && `${last} ${word}`.length <= width) lines[lines.length - 1] = `${last} ${word}`;
      else lines.push(word);
      return lines;
    }, [])
    .join("\n");
/** A table: the first column left-aligned, the others right-aligned. */
function table_(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => String(row[i]).length)));
  const format = (row) => row.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join("  ");
  return [format(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(format)].join("\n");
}

const s = result.settings;
const { firestore, functions, identityPlatform } = result;
const out = [];
out.push(`Monthly cost of this backend at ${integer.format(mau)} MAU (USD)`);
out.push(
  `Prices as of ${PRICES.asOf}: read on that date from stored copies of Google's pricing pages (sources in scripts/cost-model.mjs); they may be outdated.`,
);
out.push(
  result.provisional
    ? `Operation table: ${tableLabel} - PROVISIONAL placeholder numbers, not counted: the figures below are not yet this backend's.`
    : `Operation table: ${tableLabel} (${table.generated_by ?? "no generated_by"}).`,
);
out.push(
  `Per MAU a month: ${s.logins} login attempts (${s.failedShare * 100} % failed; ${s.trustedShare * 100} % of the rest from a trusted network), ` +
    `${s.signups} signups, ${s.refreshes} refreshes, ${s.passwordChanges} password changes, ${s.signedInCalls} signed-in calls, ` +
    `${s.rulesReads} liveSession() rule evaluations. CPU: ${s.cpuMsPerVerification} ms per Argon2id verification + ${s.cpuMsPerRequest} ms per request; ` +
    `concurrency ${s.concurrency}.`,
);
out.push("");
const label = {
  login_trusted: "login, trusted network",
  login_untrusted: "login, new network",
  login_failed: "login, wrong password",
  signup: "signup",
  refresh: "refresh",
  password_change: "password change",
  signed_in_call: "signed-in call",
  rules_live_session: "rules: liveSession()",
};
out.push(
  table_(
    ["monthly operations", "count", "reads", "writes", "deletes", "CPU ms each"],
    [
      ...result.rows.map((row) => [
        label[row.name] ?? row.name,
        integer.format(row.count),
        integer.format(row.reads),
        integer.format(row.writes),
        integer.format(row.deletes),
        row.invocations > 0 ? integer.format(row.cpuMsEach) : "-",
      ]),
      ["total", "", integer.format(result.usage.reads), integer.format(result.usage.writes), integer.format(result.usage.deletes), ""],
    ],
  ),
);
out.push("");
const freeNote = s.freeTier ? "" : " (free tiers left out)";
out.push(
  table_(
    [`Firestore, ${firestore.label}${freeNote}`, "used", "free", "billed", "per 100,000", "cost"],
    ["reads", "writes", "deletes"].map((kind) => {
      const line = firestore[kind];
      return [kind, integer.format(line.count), integer.format(line.free), integer.format(line.billed), usd(line.per100k), usd(line.cost)];
    }),
  ),
);
out.push(`Firestore total: ${usd(firestore.total)} (storage not counted; free quota: 30 days of the daily quota)`);
out.push("");
out.push(
  table_(
    [`Cloud Functions, auth (1 vCPU, 512 MiB, Tier 1)${freeNote}`, "used", "free", "billed", "unit price", "cost"],
    [
      ["invocations", functions.invocations, 1_000_000, "per million"],
      ["CPU, vCPU-seconds", functions.cpu, 1, "per vCPU-s"],
      ["memory, GiB-seconds", functions.memory, 1, "per GiB-s"],
    ].map(([name, line, scale, unit]) => [
      name,
      integer.format(line.count),
      integer.format(line.free),
      integer.format(line.billed),
      `${unitUsd(line.unitPrice * scale)} ${unit}`,
      usd(line.cost),
    ]),
  ),
);
out.push(
  `Cloud Functions total: ${usd(functions.total)} (instance time ${integer.format(functions.instanceSeconds)} s for ` +
    `${integer.format(functions.cpuSeconds)} s of CPU: each request's CPU rounded up to 100 ms, divided by the concurrency)`,
);
out.push("");
out.push(`TOTAL, this backend: ${usd(result.total)} a month, ${usd(result.perThousandMau)} per 1,000 MAU`);
out.push(
  `Identity Platform, Tier 1, ${integer.format(mau)} MAU: ${usd(identityPlatform.total)} a month, ${usd(identityPlatform.perThousandMau)} per 1,000 MAU` +
    ` (first 50,000 MAU free, then ${PRICES.identityPlatform.tier1
      .filter((band) => band.perMau > 0)
      .map((band) => `$${band.perMau}`)
      .join(" / ")} per MAU by band)`,
);
out.push("");
out.push(`Caveat: ${result.caveat}`);
console.log(
  out
    .join("\n")
    .split("\n")
    .map((line) => (line.startsWith("  ") || line.includes("  ") ? line : wrap(line)))
    .join("\n"),
);
