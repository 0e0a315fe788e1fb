import { expect } from "chai";
import { db, errorCode, post, uniqueEmail, type Reply } from "./helpers.js";

const password = "correct horse battery staple";
const wrong = "definitely not the password";
const from = (ip: string) => ({ "X-Forwarded-For": ip });
const throttleDocs = async () => (await db().collection("auth_throttle").get()).docs.map((d) => d.id).sort();

/** What an attacker can compare between two answers. */
const shape = (r: Reply) => ({
  status: r.status,
  code: errorCode(r),
  retryAfter: r.headers.get("retry-after"),
  headers: [...r.headers.keys()].filter((h) => !["date", "content-length"].includes(h)).sort(),
});

describe("throttling of password guessing, through HTTP (emulators)", () => {
  it("past the allowance one address gets 429 too_many_requests with Retry-After - for unknown emails alike", async () => {
    const email = uniqueEmail("victim");
    expect((await post("/signup", { email, password })).status).to.equal(201);
    const ghost = uniqueEmail("ghost");
    const known: Reply[] = [];
    const unknown: Reply[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await post("/login", { email, password: wrong }, from("203.0.113.10")));
      unknown.push(await post("/login", { email: ghost, password: wrong }, from("203.0.113.11")));
    }
    expect(known.map((r) => r.status)).to.deep.equal([401, 401, 401, 401, 401, 401, 429]);
    expect(unknown.map(shape)).to.deep.equal(known.map(shape));
    const last = known.at(-1) as Reply;
    expect(errorCode(last)).to.equal("too_many_requests");
    expect(Number(last.headers.get("retry-after"))).to.be.within(1, 2);
    // The right password from that address waits as well; from another address it works.
    expect((await post("/login", { email, password }, from("203.0.113.10"))).status).to.equal(429);
    expect((await post("/login", { email, password }, from("203.0.113.12"))).status).to.equal(200);
  });

  it("client-written X-Forwarded-For entries do not help: only the rightmost (Google's) counts", async () => {
    const email = uniqueEmail("spoof");
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const reply = await post("/login", { email, password: wrong }, from(`10.0.0.${i}, 1.2.3.${i}, 203.0.113.20`));
      statuses.push(reply.status);
    }
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 401, 429]);
  });

  it("a failed attempt writes its counters (hashed ids); a successful login writes nothing when there is nothing to reset", async () => {
    const email = uniqueEmail("quiet");
    expect((await post("/signup", { email, password })).status).to.equal(201);
    const before = await throttleDocs();
    expect((await post("/login", { email, password }, from("203.0.113.30"))).status).to.equal(200);
    expect(await throttleDocs()).to.deep.equal(before);

    expect((await post("/login", { email, password: wrong }, from("203.0.113.30"))).status).to.equal(401);
    const added = (await throttleDocs()).filter((id) => !before.includes(id));
    expect(added).to.have.length(3); // account, account + address, address
    for (const id of added) expect(id).to.match(/^[0-9a-f]{64}$/);
    const data = (await db().collection("auth_throttle").doc(added[0] ?? "").get()).data() ?? {};
    expect(JSON.stringify(data)).to.not.include("203.0.113.30").and.not.include(email);

    // Success resets the account counters, keeps the address counter.
    expect((await post("/login", { email, password }, from("203.0.113.30"))).status).to.equal(200);
    expect((await throttleDocs()).filter((id) => !before.includes(id))).to.have.length(1);
  });
});
