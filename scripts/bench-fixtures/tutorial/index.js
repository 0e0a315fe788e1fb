// Benchmark fixture, never deployed: the shape the "custom auth for FlutterFlow" tutorials show,
// which people copy - firebase-admin initialised at module load, bcryptjs, one onRequest per
// endpoint; the user looked up by an email query, bcrypt.compare, createCustomToken, JSON.
// No validation, throttling, sessions or error handling: it is the yardstick for cold start
// (`npm run bench`: module load and process start -> first successful login, against this
// project's `auth`), with the same firebase-functions and firebase-admin (functions/node_modules).
const { createRequire } = require("node:module");
const { join } = require("node:path");

const fnRequire = createRequire(join(__dirname, "..", "..", "..", "functions", "package.json"));
const { onRequest } = fnRequire("firebase-functions/v2/https");
const { initializeApp } = fnRequire("firebase-admin/app");
const { getFirestore } = fnRequire("firebase-admin/firestore");
const { getAuth } = fnRequire("firebase-admin/auth");
const bcrypt = require("bcryptjs");

// firebase-admin 14 has only the modular API (no admin.firestore()): the tutorials' current form.
initializeApp();
const db = getFirestore();
const auth = getAuth();
const users = () => db.collection("tutorial_users");

exports.tutorialSignup = onRequest(async (req, res) => {
  const { email, password } = req.body;
  const ref = users().doc();
  await ref.set({ email, password_hash: await bcrypt.hash(password, 10) });
  await auth.createUser({ uid: ref.id, email });
  res.status(201).json({ jwt_token: await auth.createCustomToken(ref.id) });
});

exports.tutorialLogin = onRequest(async (req, res) => {
  const { email, password } = req.body;
  const found = await users().where("email", "==", email).limit(1).get();
  const user = found.docs[0];
  if (user === undefined || !(await bcrypt.compare(password, user.get("password_hash")))) {
    res.status(401).json({ error: "invalid credentials" });
    return;
  }
  res.json({ jwt_token: await auth.createCustomToken(user.id) });
});
