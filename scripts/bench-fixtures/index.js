// Benchmark fixtures, never deployed, served by the Functions Framework like `auth`:
//   hash       the reference of the targets: an HTTP handler that reads the JSON body, runs ONE
//              Argon2id verification with the project's parameters (functions/lib's
//              OWASP_ARGON2ID) and answers JSON. No Firestore, no Auth, no throttle: what a login
//              could cost at the very least, whatever its design.
//   firestore  the Firestore calls a login makes, alone (no hash, no token): one lookup of the
//              credential (its id and legacy id), the three counters and the trust marker, the
//              reservation's one commit (a create, or an update with a lastUpdateTime
//              precondition, per counter; increments and a read-back when it conflicts), then one
//              commit of the session (record, refresh token, session count) with the throttle's
//              settling writes. It only explains
//              where the login's CPU beyond `hash` goes: it copies the login's round trips, so it
//              is never a target's reference.
//   empty      a JSON answer only: the Functions Framework's request.
const { createHash, createHmac, randomBytes } = require("node:crypto");
const { createRequire } = require("node:module");
const { join } = require("node:path");

const functionsDir = join(__dirname, "..", "..", "functions");
const fnRequire = createRequire(join(functionsDir, "package.json"));
const argon2 = fnRequire("@node-rs/argon2");
// The project's hasher parameters, from the built function (npm run bench builds it first).
const { OWASP_ARGON2ID } = require(join(functionsDir, "lib", "adapters", "argon2-hasher.js"));

const PASSWORD = "correct horse battery staple";
/** Hashed once per process, like an account's stored hash; every request verifies against it. */
const stored = argon2.hash(PASSWORD, {
  algorithm: 2, // Argon2id (a const enum in @node-rs/argon2's types: not exported at run time)
  memoryCost: OWASP_ARGON2ID.memoryKiB,
  timeCost: OWASP_ARGON2ID.iterations,
  parallelism: OWASP_ARGON2ID.parallelism,
});

// Each fixture leaves the Functions Framework's per-request domain as `auth` does, with the
// built function's own wrapper: what the function avoids, the references avoid too.
const { outsideRequestDomain: outsideDomain } = require(join(functionsDir, "lib", "http", "outside-domain.js"));

exports.empty = outsideDomain((_req, res) => {
  res.json({});
});

exports.hash = outsideDomain(async (req, res) => {
  const ok = await argon2.verify(await stored, String(req.body?.password ?? ""));
  res.status(ok ? 200 : 401).json({ ok });
});

// The Firestore client is made only in the process that serves `firestore`.
let firestore;
function db() {
  if (firestore === undefined) {
    const { initializeApp } = fnRequire("firebase-admin/app");
    const { getFirestore } = fnRequire("firebase-admin/firestore");
    firestore = getFirestore(initializeApp());
  }
  return firestore;
}

// Keyed ids as the function derives them (functions/src/domain/secrets.ts, hmacKeys).
const secret = Buffer.from(process.env.AUTH_HMAC_KEY ?? "", "utf8");
const mac = (label, parts) =>
  createHmac("sha256", secret).update(label).update("\u0000").update(parts.join("\u0000"), "utf8").digest("hex");
const sha256 = (text) => createHash("sha256").update(text, "utf8").digest("hex");
const HOUR = 3600;

exports.firestore = outsideDomain(async (req, res) => {
  const { FieldValue, Timestamp } = fnRequire("firebase-admin/firestore");
  const store = db();
  const throttle = (parts) => store.collection("auth_throttle").doc(mac("throttle", parts));
  const canonical = String(req.body.email).trim().toLowerCase();
  const emailKey = mac("email", [canonical]);
  const ip = String(req.headers["x-forwarded-for"] ?? "")
    .split(",")
    .pop()
    .trim();
  const window = String(Math.floor(Date.now() / 1000 / HOUR));
  const counters = [
    ["account", emailKey, window],
    ["account_ip", emailKey, ip, window],
    ["ip", ip, "shard0", window],
  ].map(throttle);
  const trust = throttle(["trusted", emailKey, ip]);
  const expires = Timestamp.fromMillis(Date.now() + 2 * HOUR * 1000);

  // Before the hash: one lookup (the credential at its two ids, the counters, the trust marker),
  // then the compare-and-set commit.
  const [credential, , ...docs] = await store.getAll(
    store.collection("auth_credentials").doc(emailKey),
    store.collection("auth_credentials").doc(sha256(canonical)),
    ...counters,
    trust,
  );
  const reserve = store.batch();
  for (const [i, ref] of counters.entries()) {
    const doc = docs[i];
    const fields = { dimension: "x", count: (doc.get("count") ?? 0) + 1, expires_at: expires };
    if (doc.exists) reserve.update(ref, fields, { lastUpdateTime: doc.updateTime });
    else reserve.create(ref, fields);
  }
  try {
    await reserve.commit();
  } catch {
    const increments = store.batch();
    for (const ref of counters) increments.set(ref, { count: FieldValue.increment(1), expires_at: expires }, { merge: true });
    await increments.commit();
    await store.getAll(...counters);
  }

  // After the hash: the session's commit beside the throttle's settling commit.
  const uid = credential.get("uid") ?? "nobody";
  const now = Timestamp.now();
  const session = store.batch();
  const sessionId = randomBytes(16).toString("hex");
  session.create(store.collection("auth_sessions").doc(sessionId), {
    uid,
    session_epoch: 0,
    created_at: now,
    last_used_at: now,
    expires_at: expires,
  });
  session.create(store.collection("auth_refresh_tokens").doc(sha256(randomBytes(32).toString("base64url"))), {
    uid,
    session_id: sessionId,
    email_key: emailKey,
    created_at: now,
    expires_at: expires,
    session_expires_at: expires,
    session_epoch: 0,
    live: true,
    recorded: true,
  });
  session.set(store.collection("auth_credentials").doc(emailKey), { session_count: FieldValue.increment(1) }, { merge: true });
  // The throttle's settling writes in the same commit.
  session.delete(counters[1]);
  for (const ref of [counters[0], counters[2]]) session.set(ref, { count: FieldValue.increment(-1) }, { merge: true });
  session.set(trust, { dimension: "trusted", expires_at: expires, session_epoch: 0 });
  await session.commit();
  res.json({});
});
