// The pricing computation behind `npm run cost` (scripts/cost.mjs), pure functions only: the
// monthly operations from the per-user rates and the counted operation table
// (docs/operations.json), their Firestore and Cloud Functions cost from the published prices in
// PRICES, and Identity Platform's per-MAU price for the same users. Tested by
// functions/test/unit/cost.test.ts; what it counts and assumes: docs/cost.md.
//
// Every price is in PRICES with the page it was read from. They were read on 2026-12-02 from
// the stored copies of those pages that this project's search tool holds (not the live pages),
// so they may already be outdated: check the pages before relying on a figure.

/** The date the prices below were read. */
export const PRICES_AS_OF = "2026-12-02";

/** A 30-day month: Firestore's free quota is per day and resets around midnight Pacific time. */
export const DAYS_PER_MONTH = 30;

export const PRICES = {
  asOf: PRICES_AS_OF,
  currency: "USD",
  /**
   * Cloud Functions 2nd gen are Cloud Run services billed per request ("CPU only allocated during
   * request processing"), Tier 1 region (us-central1 is Tier 1). The free tier is per billing
   * account and month, shared with every other Cloud Run service and 2nd-gen function on it.
   */
  cloudRun: {
    source: "https://cloud.google.com/run/pricing",
    sourceNote:
      "The stored copy's request-based Tier 1 table gives the free tier (180,000 vCPU-seconds, 360,000 GiB-seconds, 2 million requests a month) and $0.00002400 per vCPU-second; " +
      "the excerpt stops there, and the memory ($0.00000250 per GiB-second) and request ($0.40 per million) prices were read from secondary pages that quote that table " +
      "(cloudwebschool.com/tools/cloud-run-cost-calculator, cloudchipr.com/blog/cloud-run-pricing). Cloud Functions (2nd gen) pricing is Cloud Run's " +
      "(https://cloud.google.com/functions/pricing). Billable time is rounded up to the nearest 100 ms.",
    asOf: PRICES_AS_OF,
    perVcpuSecond: 0.000024,
    perGibSecond: 0.0000025,
    perMillionRequests: 0.4,
    freePerMonth: { vcpuSeconds: 180_000, gibSeconds: 360_000, requests: 2_000_000 },
    billingGranularitySeconds: 0.1,
  },
  /** Firestore Standard edition, (default) database: document reads, writes and deletes. Storage is not counted. */
  firestore: {
    freePerDay: {
      source: "https://cloud.google.com/firestore/pricing",
      asOf: PRICES_AS_OF,
      reads: 50_000,
      writes: 20_000,
      deletes: 20_000,
    },
    locations: {
      "us-central1": {
        label: "us-central1 (Iowa, regional)",
        source: "https://cloud.google.com/firestore/pricing",
        sourceNote:
          "The stored copies of Google's page do not carry the per-location table (the page renders it with a script). Reads $0.03 and writes $0.09 per 100,000 " +
          "for US regions were read from a secondary page (airbyte.com/data-engineering-resources/google-firestore-pricing); deletes $0.01 was NOT found on a stored page: " +
          "it is taken as half the multi-region price, as reads and writes are.",
        asOf: PRICES_AS_OF,
        readsPer100k: 0.03,
        writesPer100k: 0.09,
        deletesPer100k: 0.01,
      },
      nam5: {
        label: "nam5 (United States, multi-region)",
        source: "https://cloud.google.com/firestore/pricing",
        sourceNote:
          "Multi-region prices as printed in a stored copy of Google's Firestore pricing page (www.twblogs.net/a/5e4f845fbd9eee101e8581aa, an older copy); " +
          "the same figures in a 2018 copy (github.com/ccckmit/misavo/wiki/Firebase).",
        asOf: PRICES_AS_OF,
        readsPer100k: 0.06,
        writesPer100k: 0.18,
        deletesPer100k: 0.02,
      },
    },
  },
  /**
   * Identity Platform (and Firebase Authentication with Identity Platform), Tier 1 providers
   * (email, phone, anonymous, social), graduated per-MAU prices: each band's price applies to the
   * users in that band. The current page reads "0 count to 50,000 count: $0.00 (Free)", "50,000
   * count to 100,000 count: $0.0055", ...; Firebase's page calls it "the free tier of 50,000
   * monthly active users": the first 50,000 MAU are free (an older copy labels the band
   * "0 - 49,999", 50,000 values from 0).
   */
  identityPlatform: {
    source: "https://cloud.google.com/identity-platform/pricing",
    sourceNote:
      "Tier 1 MAU bands from the stored copy (hl=ro, in English) of Google's page; the 50,000 free MAU on the Blaze plan and the 3,000 daily active users on the Spark plan " +
      "after the upgrade from https://firebase.google.com/docs/auth#identity-platform and https://firebase.google.com/docs/auth/limits.",
    asOf: PRICES_AS_OF,
    tier1: [
      { upToMau: 50_000, perMau: 0 },
      { upToMau: 100_000, perMau: 0.0055 },
      { upToMau: 1_000_000, perMau: 0.0046 },
      { upToMau: 10_000_000, perMau: 0.0032 },
      { upToMau: null, perMau: 0.0025 },
    ],
    sparkDailyActiveUserLimit: 3_000,
  },
};

/**
 * How custom-token users count in Identity Platform, as precisely as Google's pages state it.
 * Sources: https://cloud.google.com/identity-platform/pricing ("Identity Platform charges per
 * Monthly Active User (MAU) for most sign-in methods. Any account that has signed in within a
 * given month is considered an active user." Tier 1 providers: Email, Phone, Anonymous, Social);
 * https://cloud.google.com/identity-platform/docs/product-comparison (custom authentication: yes
 * in both products); https://firebase.google.com/docs/auth#identity-platform (the upgrade:
 * Spark limited to 3,000 daily active users, Blaze charged past 50,000 MAU). No stored Google
 * page says how a `signInWithCustomToken` user is counted or in which tier: not guessed here.
 */
export const IDENTITY_PLATFORM_CAVEAT = [
  'Identity Platform bills per monthly active user: "any account that has signed in within a given month" (cloud.google.com/identity-platform/pricing).',
  "Its Tier 1 list names email, phone, anonymous and social sign-in; it does not name custom tokens, and no Google page found (searched 2026-12-02) says",
  "how users who sign in with signInWithCustomToken - every user of this backend - are counted or in which tier. No primary source: not assumed either way.",
  "The Identity Platform figure is what its own email/password sign-in would cost these users at Tier 1 prices. If this project is upgraded to",
  "Firebase Authentication with Identity Platform (MFA, blocking functions, SAML/OIDC), its custom-token sign-ins may be counted as MAU too, and that bill",
  "would come on top of the cost above; on the Spark plan the upgrade caps sign-ins at 3,000 daily active users (firebase.google.com/docs/auth/limits).",
  "Without the upgrade: Firebase's page says the upgraded product \"has a different pricing scheme compared to the base product\"; the base product's",
  "own price list (firebase.google.com/pricing) was not among the stored pages, so this tool states no price for it.",
].join(" ");

/**
 * The per-user monthly rates and settings, with their defaults and why (the `npm run cost`
 * options; docs/cost.md repeats the reasons).
 */
export const DEFAULTS = {
  logins: {
    value: 2,
    why: "login attempts per MAU a month: the app keeps its session with the refresh token (30-day idle, 90-day absolute), so a user logs in again only on a new device, after a logout or when a session ends",
  },
  trustedShare: {
    value: 0.8,
    why: "share of successful logins from a network the account already logged in from (the 90-day trust marker): home Wi-Fi and the usual carrier",
  },
  failedShare: { value: 0.1, why: "share of login attempts with a wrong password (typos; the throttle caps guessing)" },
  signups: { value: 0.05, why: "new accounts per MAU a month: an app adding 5 % of its active users a month" },
  refreshes: {
    value: 30,
    why: "refreshes per MAU a month: the guide refreshes once per app launch or resume from one place, about once a day",
  },
  passwordChanges: { value: 0.02, why: "password changes per MAU a month: rare (about one user in 50 a month)" },
  signedInCalls: {
    value: 10,
    why: "this backend's signed-in API calls per MAU a month (me, updateMe, email verification): the app reads its profile from users/{uid} in Firestore, not through the API",
  },
  rulesReads: {
    value: 300,
    why: "Firestore rule evaluations calling liveSession() per MAU a month: about 10 gets, queries or listens of the app's own data per launch, 30 launches",
  },
  location: { value: "us-central1", why: "the function's region (functions/src/index.ts); a Firestore in the same region" },
  cpuMsPerVerification: {
    value: 25,
    why: "CPU milliseconds of one Argon2id verification: docs/benchmark.md measured 17 to 34 ms on its machine (21.7 ms in one breakdown)",
  },
  cpuMsPerRequest: {
    value: 30,
    why: "CPU milliseconds of a request besides hashing: the bench's login costs about 2.2 verifications of CPU, one of them the hash; the other 1.2 (about 30 ms) are the framework, Firestore's gRPC and the token; applied to every request (an upper bound for the lighter ones)",
  },
  concurrency: {
    value: 1,
    why: "requests in flight on a busy instance, on average: 1 bills each request on its own, rounded up to 100 ms (sparse traffic); higher shares the instance's billed time",
  },
};

/** The operations `estimate` needs from the table, and the numeric fields each must have. */
export const FUNCTION_OPERATIONS = [
  "login_trusted",
  "login_untrusted",
  "login_failed",
  "signup",
  "refresh",
  "password_change",
  "signed_in_call",
];
export const RULES_OPERATION = "rules_live_session";
const DOCUMENT_FIELDS = ["reads", "writes", "deletes"];

/**
 * The table's operations, checked: every needed operation with numeric, non-negative reads,
 * writes and deletes (and cpu_verifications for the function's requests). Extra operations and
 * fields are ignored. Throws an Error naming the first missing key.
 */
export function checkOperations(table, label = "docs/operations.json") {
  const operations = table?.operations;
  if (operations === null || typeof operations !== "object") throw new Error(`${label}: no "operations" object`);
  const checked = {};
  for (const name of [...FUNCTION_OPERATIONS, RULES_OPERATION]) {
    const entry = operations[name];
    if (entry === null || typeof entry !== "object") {
      throw new Error(`${label}: operation "${name}" is missing (needed: ${[...FUNCTION_OPERATIONS, RULES_OPERATION].join(", ")})`);
    }
    const fields = name === RULES_OPERATION ? DOCUMENT_FIELDS : [...DOCUMENT_FIELDS, "cpu_verifications"];
    const numbers = {};
    for (const field of fields) {
      const value = entry[field];
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        throw new Error(`${label}: operation "${name}" has no "${field}" (a number >= 0)`);
      }
      numbers[field] = value;
    }
    checked[name] = {
      reads: numbers.reads,
      writes: numbers.writes,
      deletes: numbers.deletes,
      cpuVerifications: numbers.cpu_verifications ?? 0,
    };
  }
  return checked;
}

/** How many of each operation a month: `rates` are per MAU a month (see DEFAULTS). */
export function monthlyCounts(mau, rates) {
  const logins = mau * rates.logins;
  const failed = logins * rates.failedShare;
  const succeeded = logins - failed;
  return {
    login_trusted: succeeded * rates.trustedShare,
    login_untrusted: succeeded * (1 - rates.trustedShare),
    login_failed: failed,
    signup: mau * rates.signups,
    refresh: mau * rates.refreshes,
    password_change: mau * rates.passwordChanges,
    signed_in_call: mau * rates.signedInCalls,
    rules_live_session: mau * rates.rulesReads,
  };
}

/** Usage past a free allowance, never below zero. */
export const billable = (used, free) => Math.max(0, used - free);

/** Firestore's monthly cost of `usage` ({reads, writes, deletes}) at `location`, the daily free quota subtracted over a 30-day month. */
export function firestoreCost(usage, location, prices = PRICES, freeQuota = true) {
  const rates = prices.firestore.locations[location];
  if (rates === undefined) {
    throw new Error(`unknown Firestore location "${location}" (known: ${Object.keys(prices.firestore.locations).join(", ")})`);
  }
  const line = (kind, per100k) => {
    const free = freeQuota ? prices.firestore.freePerDay[kind] * DAYS_PER_MONTH : 0;
    const billed = billable(usage[kind], free);
    return { count: usage[kind], free, billed, per100k, cost: (billed / 100_000) * per100k };
  };
  const reads = line("reads", rates.readsPer100k);
  const writes = line("writes", rates.writesPer100k);
  const deletes = line("deletes", rates.deletesPer100k);
  return { location, label: rates.label, reads, writes, deletes, total: reads.cost + writes.cost + deletes.cost };
}

/**
 * Cloud Functions' monthly cost of the `auth` function (1 vCPU, 512 MiB, request-based billing).
 * Instance time is approximated from CPU work: each request keeps its instance billed for its
 * CPU time rounded up to Cloud Run's 100 ms; with `concurrency` requests in flight on a busy
 * instance they share that billed time (divided by it), but never below the CPU time itself
 * (one vCPU does at most one CPU-second per second). Waits on Firestore and IAM beyond the
 * round-up are not counted. `requests` is [{count, cpuMs}].
 */
export function functionsCost(requests, { concurrency = 1, vcpu = 1, memoryGib = 0.5, freeTier = true } = {}, prices = PRICES) {
  if (!(concurrency >= 1)) throw new Error(`concurrency must be at least 1, got ${concurrency}`);
  const run = prices.cloudRun;
  const step = run.billingGranularitySeconds;
  let invocations = 0;
  let cpuSeconds = 0;
  let roundedSeconds = 0;
  for (const { count, cpuMs } of requests) {
    invocations += count;
    const seconds = cpuMs / 1000 / vcpu;
    cpuSeconds += count * seconds;
    roundedSeconds += count * Math.max(step, Math.ceil(seconds / step - 1e-9) * step);
  }
  const instanceSeconds = Math.max(cpuSeconds, roundedSeconds / concurrency);
  const free = freeTier ? run.freePerMonth : { requests: 0, vcpuSeconds: 0, gibSeconds: 0 };
  const line = (count, freeAmount, unitPrice) => {
    const billed = billable(count, freeAmount);
    return { count, free: freeAmount, billed, unitPrice, cost: billed * unitPrice };
  };
  const invocationLine = line(invocations, free.requests, run.perMillionRequests / 1_000_000);
  const cpuLine = line(instanceSeconds * vcpu, free.vcpuSeconds, run.perVcpuSecond);
  const memoryLine = line(instanceSeconds * memoryGib, free.gibSeconds, run.perGibSecond);
  return {
    cpuSeconds,
    instanceSeconds,
    invocations: invocationLine,
    cpu: cpuLine,
    memory: memoryLine,
    total: invocationLine.cost + cpuLine.cost + memoryLine.cost,
  };
}

/** Identity Platform's Tier 1 monthly price for `mau` users (graduated bands). */
export function identityPlatformCost(mau, prices = PRICES) {
  let cost = 0;
  let from = 0;
  const bands = [];
  for (const { upToMau, perMau } of prices.identityPlatform.tier1) {
    const to = upToMau === null ? Number.POSITIVE_INFINITY : upToMau;
    const users = Math.max(0, Math.min(mau, to) - from);
    if (users > 0) bands.push({ from, to: upToMau, users, perMau, cost: users * perMau });
    cost += users * perMau;
    from = to;
    if (mau <= to) break;
  }
  return { mau, bands, total: cost };
}

/**
 * The whole estimate: monthly operations, Firestore and Cloud Functions cost, total and per 1,000
 * MAU, and Identity Platform's price for the same MAU. `options` holds the DEFAULTS' keys plus
 * `freeTier` (default true).
 */
export function estimate(table, mau, options = {}, prices = PRICES) {
  if (!(Number.isFinite(mau) && mau >= 0)) throw new Error(`MAU must be a number >= 0, got ${mau}`);
  const settings = { ...Object.fromEntries(Object.entries(DEFAULTS).map(([key, { value }]) => [key, value])), freeTier: true, ...options };
  for (const share of ["trustedShare", "failedShare"]) {
    if (!(settings[share] >= 0 && settings[share] <= 1)) throw new Error(`${share} must be between 0 and 1, got ${settings[share]}`);
  }
  const operations = checkOperations(table);
  const counts = monthlyCounts(mau, settings);
  const rows = Object.entries(counts).map(([name, count]) => {
    const op = operations[name];
    const isRequest = name !== RULES_OPERATION;
    const cpuMs = isRequest ? settings.cpuMsPerRequest + op.cpuVerifications * settings.cpuMsPerVerification : 0;
    return {
      name,
      count,
      reads: count * op.reads,
      writes: count * op.writes,
      deletes: count * op.deletes,
      invocations: isRequest ? count : 0,
      cpuMsEach: cpuMs,
    };
  });
  const sum = (key) => rows.reduce((total, row) => total + row[key], 0);
  const usage = { reads: sum("reads"), writes: sum("writes"), deletes: sum("deletes") };
  const firestore = firestoreCost(usage, settings.location, prices, settings.freeTier);
  const functions = functionsCost(
    rows.filter((row) => row.invocations > 0).map((row) => ({ count: row.count, cpuMs: row.cpuMsEach })),
    { concurrency: settings.concurrency, freeTier: settings.freeTier },
    prices,
  );
  const total = firestore.total + functions.total;
  const identityPlatform = identityPlatformCost(mau, prices);
  return {
    mau,
    settings,
    provisional: table.provisional === true,
    rows,
    usage,
    firestore,
    functions,
    total,
    perThousandMau: mau > 0 ? (total / mau) * 1000 : 0,
    identityPlatform: { ...identityPlatform, perThousandMau: mau > 0 ? (identityPlatform.total / mau) * 1000 : 0 },
    caveat: IDENTITY_PLATFORM_CAVEAT,
    prices,
  };
}
