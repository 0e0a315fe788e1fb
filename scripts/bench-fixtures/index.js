// Benchmark fixtures, never deployed, served by the Functions Framework like `auth`:
//   bare      a bare login: exactly the calls the real login makes and nothing else - one
//             Firestore getAll (the credential and its three throttle counters), one Argon2id
//             verification, one custom token with the role claim, one single-document create
//             for the refresh token, a JSON answer - without validation, routing, CORS,
//             throttle rules, error mapping or logging. Next to the real login it shows what
//             this project's own code costs.
//   firestore bare's two Firestore calls only;   empty  a JSON answer only.
// `empty`, `firestore` and one verification are costs every login on this stack pays: their
// sum is a lower bound that no implementation can go under (`npm run bench` prints it).
const { createHash, randomBytes } = require("node:crypto");
const { createRequire } = require("node:module");
const { join } = require("node:path");

const fnRequire = createRequire(join(__dirname, "..", "..", "functions", "package.json"));
const { initializeApp } = fnRequire("firebase-admin/app");
const { getFirestore, Timestamp } = fnRequire("firebase-admin/firestore");
const { getAuth } = fnRequire("firebase-admin/auth");
const argon2 = fnRequire("@node-rs/argon2");

const app = initializeApp();
const db = getFirestore(app);
const auth = getAuth(app);
const sha256 = (text) => createHash("sha256").update(text, "utf8").digest("hex");

/** The credential and its three throttle counters (account, account + address, address), in one getAll. */
function readCredential(req) {
  const emailKey = sha256(String(req.body.email).trim().toLowerCase());
  const ip = String(req.headers["x-forwarded-for"] ?? "").split(",").pop().trim();
  const counters = [["account", emailKey], ["account_ip", emailKey, ip], ["ip", ip]].map((parts) =>
    db.collection("auth_throttle").doc(sha256(parts.join("\u0000"))),
  );
  return db.getAll(db.collection("auth_credentials").doc(emailKey), ...counters).then(([credential]) => ({ emailKey, data: credential.data() }));
}

/** The refresh token's one document. */
function createSession(uid, emailKey) {
  const refreshToken = randomBytes(32).toString("base64url");
  const now = Timestamp.now();
  return db.collection("auth_refresh_tokens").doc(sha256(refreshToken)).create({
    uid, session_id: randomBytes(16).toString("hex"), email_key: emailKey,
    created_at: now, expires_at: now, session_expires_at: now,
  }).then(() => refreshToken);
}

exports.empty = (req, res) => {
  res.json({});
};

exports.firestore = async (req, res) => {
  const { emailKey, data } = await readCredential(req);
  await createSession(data.uid, emailKey);
  res.json({});
};

exports.bare = async (req, res) => {
  const { emailKey, data } = await readCredential(req);
  if (data === undefined || !(await argon2.verify(data.password_hash, String(req.body.password)))) {
    res.status(401).json({ error: { code: "invalid_credentials" } });
    return;
  }
  const jwt = await auth.createCustomToken(data.uid, { role_id: data.role_id });
  const refreshToken = await createSession(data.uid, emailKey);
  res.set("Cache-Control", "no-store").json({
    user: { id: data.uid, role_id: data.role_id, name: data.display_name, email: data.email },
    token_type: "Bearer", expires_in: 3600, jwt_token: jwt, refresh_token: refreshToken,
  });
};
