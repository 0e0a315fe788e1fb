import { expect } from "chai";
import { type Served, serveFunction, stopProcess } from "./framework.js";
import { errorCode, uniqueEmail } from "./helpers.js";

// The HTTP edge as production serves it (the Functions Framework), set up behind a load balancer
// of one's own (CLIENT_IP_HOPS=2) but reached straight, as an attacker bypassing the balancer
// reaches it: X-Forwarded-For then holds one entry (Google's) where two are expected.
const PORT = 8297;
const password = "correct horse battery staple";

describe("the HTTP edge on the Functions Framework (CLIENT_IP_HOPS=2, requests bypassing the balancer)", function () {
  this.timeout(120_000);
  let fn: Served | undefined;
  const served = (): Served => {
    if (fn === undefined) throw new Error("the function is not running");
    return fn;
  };

  before(async () => {
    fn = await serveFunction(PORT, { CLIENT_IP_HOPS: "2" });
  });
  after(async () => stopProcess(fn?.process));

  it("one-entry X-Forwarded-For, each from another address: no usable network, still one signup allowance (20 + 1), then 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      const reply = await served().post(
        "/signup",
        { email: uniqueEmail(`bypass${i}`), password },
        { "X-Forwarded-For": `192.0.2.${i + 1}` },
      );
      statuses.push(reply.status);
    }
    expect(
      statuses.slice(0, 21).every((s) => s === 201),
      statuses.join(),
    ).to.equal(true);
    const refused = await served().post(
      "/signup",
      { email: uniqueEmail("bypass-late"), password },
      { "X-Forwarded-For": "198.51.100.200" },
    );
    expect([refused.status, errorCode(refused)]).to.deep.equal([429, "too_many_requests"]);
    expect(Number(refused.headers.get("retry-after"))).to.be.greaterThan(0);
    // Through the balancer (two entries) the client has its own network and its own allowance.
    const proper = await served().post(
      "/signup",
      { email: uniqueEmail("via-balancer"), password },
      { "X-Forwarded-For": "203.0.113.201, 35.191.0.1" },
    );
    expect(proper.status).to.equal(201);
  });
});
