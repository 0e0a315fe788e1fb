import http from "node:http";
import { expect } from "chai";
import { type Served, serveFunction, stopProcess } from "./framework.js";
import { errorCode, fetchReply, uniqueEmail } from "./helpers.js";

// The HTTP edge as production serves it (the Functions Framework), set up behind a load balancer
// of one's own (CLIENT_IP_HOPS=2) but reached straight, as an attacker bypassing the balancer
// reaches it: X-Forwarded-For then holds one entry (Google's) where two are expected.
const PORT = 8297;
const password = "correct horse battery staple";
const MiB = 1024 * 1024;

/**
 * Declares a body of `declared` bytes but sends only its first KiB, then waits for the answer:
 * a server that reads the whole body before answering never answers (the test times out).
 */
function answerBeforeTheBody(declared: number): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port: PORT, path: "/signup", method: "POST" }, (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk.toString()));
      response.on("end", () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) });
      });
    });
    request.setHeader("Content-Type", "application/json");
    request.setHeader("Content-Length", String(declared));
    request.on("error", (error: NodeJS.ErrnoException) => error.code !== "ECONNRESET" && reject(error));
    request.write(`{"email":"${"a".repeat(1024)}`);
  });
}

/** `[{},{},...]` of `bytes`: one JavaScript object per 3 bytes once parsed. */
const arrayOfObjects = (bytes: number) => `[${"{},".repeat(Math.floor((bytes - 2) / 3) - 1)}{}]`;

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

  it("one-entry X-Forwarded-For, each from another address: no usable network, one shared signup allowance (at most 100 + 1), then 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 102; i++) {
      const reply = await served().post(
        "/signup",
        { email: uniqueEmail(`bypass${i}`), password },
        { "X-Forwarded-For": `192.0.${2 + Math.floor(i / 200)}.${(i % 200) + 1}` },
      );
      statuses.push(reply.status);
    }
    // One shared allowance (100 + 1 an hour): other tests of the suite may have spent some of it
    // already (any request without a usable network counts there), so: some 201s, never more
    // than 101, then only 429s.
    const firstRefused = statuses.indexOf(429);
    expect(firstRefused, statuses.join()).to.be.within(0, 101);
    expect(
      statuses.every((s, i) => s === (i < firstRefused ? 201 : 429)),
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

  it("a body declared over 8 KiB is never read: 413 payload_too_large before the body is even sent", async () => {
    const reply = await answerBeforeTheBody(30 * MiB);
    expect([reply.status, (reply.json as { error?: { code?: string } }).error?.code]).to.deep.equal([413, "payload_too_large"]);
  });

  it("a 30 MiB JSON array of empty objects sent whole: 413 payload_too_large, and the instance keeps answering", async () => {
    const reply = await fetchReply(`${served().url}/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: arrayOfObjects(30 * MiB),
    });
    expect([reply.status, errorCode(reply)]).to.deep.equal([413, "payload_too_large"]);
    expect((await served().post("/login", {})).status).to.equal(400);
  });

  it("a chunked body (no Content-Length) over 8 KiB: refused at 8 KiB by the framework's parser (413, its own page)", async () => {
    const big = new TextEncoder().encode(arrayOfObjects(MiB));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 64 * 1024) controller.enqueue(big.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const reply = await fetch(`${served().url}/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      duplex: "half",
    });
    await reply.arrayBuffer();
    expect(reply.status).to.equal(413);
    expect((await served().post("/login", {})).status).to.equal(400);
  });
});
