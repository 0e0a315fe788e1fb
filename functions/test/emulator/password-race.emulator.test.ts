import { expect } from "chai";
import { serveFunction, stopProcess } from "./framework.js";
import { authBody, bearer, errorCode, mailedCode, post, signInWithCustomToken, uniqueEmail } from "./helpers.js";

// Issue 21, item 3: password changes `{P -> P}` racing the owner's reset to Q. A change reads the
// hash of P, checks P (an Argon2id verification), hashes P again, then writes; a reset that
// commits in between used to be overwritten by that write: afterwards P logged in and Q did not.
// Password writes are compare-and-set now (AccountStore.setNewPassword): a change whose hash
// moved meanwhile writes nothing and answers 401.
//
// Made to cross every time: eight changes are sent at once to one Functions Framework instance
// (one instance serving them together, as production does), so each reads the credential at once
// and then waits its turn for the hashing threads; the reset goes to the stack's function (another
// process, the same Firestore) while they wait, and commits before their writes.
const PORT = 8299;
const P = "correct horse battery staple";
const Q = "the owner's brand new passphrase";
const CHANGES = 8;

describe("password change racing a reset (Functions Framework, concurrent)", function () {
  this.timeout(180_000);

  it(`${CHANGES} changes P -> P in flight while the owner resets to Q: afterwards Q logs in and P does not`, async () => {
    const fn = await serveFunction(PORT);
    try {
      const email = uniqueEmail("race.reset");
      const own = (n: number) => ({ "X-Forwarded-For": `198.18.21.${n + 1}` }); // not the helper's shared default network
      expect((await fn.post("/signup", { email, password: P }, own(99))).status).to.equal(201);
      const sessions: string[] = [];
      for (let n = 0; n < CHANGES; n++) {
        const login = authBody(await fn.post("/login", { email, password: P }, own(n)));
        sessions.push((await signInWithCustomToken(login.jwt_token)).idToken);
      }
      expect((await post("/password/reset/request", { email }, own(98))).status).to.equal(202);
      const code = await mailedCode(email);

      const changes = sessions.map((idToken, n) =>
        fn.post("/password/change", { current_password: P, new_password: P }, { ...bearer(idToken), ...own(n) }),
      );
      await new Promise((resolve) => setTimeout(resolve, 30)); // the changes have read the credential
      const reset = await post("/password/reset/confirm", { email, code, new_password: Q }, own(97));
      expect(reset.status, reset.text).to.equal(200);
      const outcomes = await Promise.all(changes);

      for (const reply of outcomes) {
        expect([200, 401], reply.text).to.include(reply.status);
        if (reply.status === 401) expect(errorCode(reply)).to.be.oneOf(["invalid_credentials", "unauthenticated"]);
      }
      const refused = outcomes.filter((reply) => reply.status === 401).length;
      // Each in-flight change read P's hash before the reset: on the code before compare-and-set
      // all eight answered 200 and the last write put P back (Q then failed to log in).
      expect(refused, "no change crossed the reset: the race did not happen").to.be.greaterThan(0);
      console.log(`      (${CHANGES} changes P -> P in flight during the reset: ${CHANGES - refused} answered 200, ${refused} refused)`);

      const home = own(96);
      expect((await post("/login", { email, password: Q }, home)).status, "the reset's password must log in").to.equal(200);
      const old = await post("/login", { email, password: P }, home);
      expect([old.status, errorCode(old)], "a change racing the reset put the old password back").to.deep.equal([
        401,
        "invalid_credentials",
      ]);
    } finally {
      await stopProcess(fn.process);
    }
  });
});
