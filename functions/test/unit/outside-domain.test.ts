import { create } from "node:domain";
import { expect } from "chai";
import { outsideRequestDomain } from "../../src/http/outside-domain.js";

// The Functions Framework runs each request as `domain.create().run(() => process.nextTick(() =>
// handler(req, res)))` (function_wrappers.js); the auth handler leaves that domain as it starts
// (http/outside-domain.ts). Played here the same way.

const activeDomain = () => (process as NodeJS.Process & { domain?: unknown }).domain ?? null;

function asTheFrameworkRuns<R>(handler: () => R): Promise<{ before: unknown; result: R }> {
  const d = create();
  return new Promise((resolve) => {
    d.run(() => {
      process.nextTick(() => {
        const before = activeDomain();
        resolve({ before, result: handler() });
      });
    });
  });
}

describe("the request's domain (Functions Framework)", () => {
  it("the handler runs outside it, and so does everything it awaits", async () => {
    const seen: unknown[] = [];
    const handler = outsideRequestDomain(async (label: string) => {
      seen.push(activeDomain());
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(activeDomain());
      await Promise.resolve();
      seen.push(activeDomain());
      return label;
    });
    const { before, result } = await asTheFrameworkRuns(() => handler("answered"));
    expect(before, "the framework's domain is active when the handler is called").to.not.equal(null);
    expect(await result).to.equal("answered");
    expect(seen).to.deep.equal([null, null, null]);
  });

  it("without the wrapper the same handler runs in the domain (the test can tell)", async () => {
    const seen: unknown[] = [];
    const handler = async () => {
      seen.push(activeDomain());
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(activeDomain());
    };
    await (await asTheFrameworkRuns(handler)).result;
    expect(seen.every((d) => d !== null)).to.equal(true);
  });

  it("outside any domain it changes nothing", async () => {
    const handler = outsideRequestDomain((a: number, b: number) => a + b);
    expect(handler(2, 3)).to.equal(5);
  });
});
