import { expect } from "chai";
import { serveFunction, stopProcess } from "./framework.js";
import { authBody, bearer, errorCode, mailedCode, type Reply, signInWithCustomToken, uniqueEmail } from "./helpers.js";

// Issue 21, item 3, as it was reproduced: four loops of `POST /password/change {P -> P}` while
// the owner resets the password to Q. Each change read the hash of P earlier and wrote a new hash
// of P later, so a change that read before the reset and wrote after it put P back: afterwards P
// logged in and Q did not. Password writes are compare-and-set now (AccountStore.setNewPassword):
// a change whose hash moved meanwhile writes nothing and answers 401. On the Functions Framework
// (one instance serving them all at once, as production does), against the stack's emulators.
const PORT = 8299;
const P = "correct horse battery staple";
const Q = "the owner's brand new passphrase";

describe("password change racing a reset (Functions Framework, concurrent)", function () {
  this.timeout(180_000);

  it("4 loops of change P -> P during a reset to Q: afterwards Q logs in and P does not", async () => {
    const fn = await serveFunction(PORT);
    try {
      const email = uniqueEmail("race.reset");
      const own = { "X-Forwarded-For": "198.18.21.98" }; // not the helper's default network (its mail counter is shared)
      expect((await fn.post("/signup", { email, password: P }, own)).status).to.equal(201);
      expect((await fn.post("/password/reset/request", { email }, own)).status).to.equal(202);
      const code = await mailedCode(email);

      let resetDone = false;
      const outcomes: Reply[] = [];
      // Each loop: a login with P, its ID token, a change P -> P; again until shortly after the reset.
      const loop = async (n: number) => {
        const network = { "X-Forwarded-For": `198.18.21.${n + 1}` };
        for (let round = 0; round < 40; round++) {
          const login = await fn.post("/login", { email, password: P }, network);
          if (login.status !== 200) break; // P no longer works: the reset held
          const { idToken } = await signInWithCustomToken(authBody(login).jwt_token);
          const change = await fn.post("/password/change", { current_password: P, new_password: P }, { ...bearer(idToken), ...network });
          outcomes.push(change);
          if (resetDone && round > 2) break;
        }
      };
      const loops = [0, 1, 2, 3].map(loop);
      // The reset lands while the loops run.
      await new Promise((resolve) => setTimeout(resolve, 600));
      const reset = await fn.post("/password/reset/confirm", { email, code, new_password: Q }, { "X-Forwarded-For": "198.18.21.99" });
      expect(reset.status, reset.text).to.equal(200);
      resetDone = true;
      await Promise.all(loops);

      const refused = outcomes.filter((reply) => reply.status === 401);
      for (const reply of refused) expect(errorCode(reply)).to.equal("invalid_credentials");
      expect(outcomes.every((reply) => reply.status === 200 || reply.status === 401)).to.equal(true);
      console.log(
        `      (${outcomes.length} changes P -> P ran, ${refused.length} refused: their hash had moved, or P was no longer right)`,
      );

      const home = { "X-Forwarded-For": "198.18.21.100" };
      expect((await fn.post("/login", { email, password: Q }, home)).status, "the reset's password must log in").to.equal(200);
      const old = await fn.post("/login", { email, password: P }, home);
      expect([old.status, errorCode(old)], "a change racing the reset put the old password back").to.deep.equal([
        401,
        "invalid_credentials",
      ]);
    } finally {
      await stopProcess(fn.process);
    }
  });
});
