// Benchmark fixtures, never deployed, served by the Functions Framework like `auth`:
//   bare      a bare login: exactly the calls the real login makes and nothing else - the
//             credential read beside the throttle reservation (read the three counters and the
//             trust marker; increment the counters in one commit; read them back), one Argon2id
//             verification, then one custom token with the role claim beside the session's
//             commit (with the session count) and the throttle's settling commit, a JSON
//             answer - without validation, routing, CORS, throttle rules, error mapping or
//             logging. Next to the real login it shows what this project's own code costs.
//   firestore bare's Firestore calls only;   empty  a JSON answer only.
// `empty`, `firestore` and one verification are costs every login on this stack pays: their
// sum is a lower bound that no implementation can go under (`npm run bench` prints it).
const { createHash, createHmac, randomBytes } = require("node:crypto");
const { createRequire } = require("node:module");
const { join } = require("node:path");

const fnRequire = createRequire(join(__dirname, "..", "..", "functions", "package.json"));
const { initializeApp } = fnRequire("firebase-admin/app");
const { FieldValue, getFirestore, Timestamp } = fnRequire("firebase-admin/firestore");
const { getAuth } = fnRequire("firebase-admin/auth");
const argon2 = fnRequire("@node-rs/argon2");

const app = initializeApp();
const db = getFirestore(app);
const auth = getAuth(app);
// Keyed ids as the function derives them (functions/src/domain/secrets.ts, hmacKeys).
const secret = Buffer.from(process.env.AUTH_HMAC_KEY ?? "", "utf8");
const mac = (label, parts) =>
  createHmac("sha256", secret).update(label).update("\u0000").update(parts.join("\u0000"), "utf8").digest("hex");
const sha256 = (text) => createHash("sha256").update(text, "utf8").digest("hex");

const HOUR = 3600;
const throttleRef = (parts) => db.collection("auth_throttle").doc(mac("throttle", parts));

/** The credential, beside the throttle reservation (read, increment, read back). */
async function readAndReserve(req) {
  const canonical = String(req.body.email).trim().toLowerCase();
  const emailKey = mac("email", [canonical]);
  const ip = String(req.headers["x-forwarded-for"] ?? "")
    .split(",")
    .pop()
    .trim();
  const window = String(Math.floor(Date.now() / 1000 / HOUR));
  const keys = [
    ["account", emailKey, window],
    ["account_ip", emailKey, ip, window],
    ["ip", ip, window],
  ].map(throttleRef);
  const trust = throttleRef(["trusted", emailKey, ip]);
  const reserve = async () => {
    await db.getAll(...keys, trust);
    const batch = db.batch();
    for (const ref of keys)
      batch.set(ref, { dimension: "x", count: FieldValue.increment(1), expires_at: Timestamp.now() }, { merge: true });
    await batch.commit();
    await db.getAll(...keys);
  };
  // The credential's read also looks at its legacy id (migration), in the same getAll.
  const [[credential]] = await Promise.all([
    db.getAll(db.collection("auth_credentials").doc(emailKey), db.collection("auth_credentials").doc(sha256(canonical))),
    reserve(),
  ]);
  return { emailKey, data: credential.data(), keys, trust };
}

/** The throttle's settling commit after a success: clear the pair, give back the rest, trust the network. */
function settle({ keys, trust }) {
  const batch = db.batch();
  batch.delete(keys[1]);
  for (const ref of [keys[0], keys[2]]) batch.set(ref, { count: FieldValue.increment(-1) }, { merge: true });
  batch.set(trust, { dimension: "trusted", expires_at: Timestamp.now() });
  return batch.commit();
}

/** The refresh token's one document and the session count on the credential, in one commit. */
async function createSession(uid, emailKey) {
  const refreshToken = randomBytes(32).toString("base64url");
  const now = Timestamp.now();
  const batch = db.batch();
  batch.create(db.collection("auth_refresh_tokens").doc(sha256(refreshToken)), {
    uid,
    session_id: randomBytes(16).toString("hex"),
    email_key: emailKey,
    created_at: now,
    expires_at: now,
    session_expires_at: now,
    session_epoch: 0,
    live: true,
  });
  batch.update(db.collection("auth_credentials").doc(emailKey), { session_count: FieldValue.increment(1) });
  await batch.commit();
  return refreshToken;
}

exports.empty = (_req, res) => {
  res.json({});
};

exports.firestore = async (req, res) => {
  const read = await readAndReserve(req);
  await Promise.all([createSession(read.data.uid, read.emailKey), settle(read)]);
  res.json({});
};

exports.bare = async (req, res) => {
  const read = await readAndReserve(req);
  const { emailKey, data } = read;
  if (data === undefined || !(await argon2.verify(data.password_hash, String(req.body.password)))) {
    res.status(401).json({ error: { code: "invalid_credentials" } });
    return;
  }
  const [jwt, refreshToken] = await Promise.all([
    auth.createCustomToken(data.uid, { role_id: data.role_id }),
    createSession(data.uid, emailKey),
    settle(read),
  ]);
  res.set("Cache-Control", "no-store").json({
    user: { id: data.uid, role_id: data.role_id, name: data.display_name, email: data.email },
    token_type: "Bearer",
    expires_in: 3600,
    jwt_token: jwt,
    refresh_token: refreshToken,
  });
};
