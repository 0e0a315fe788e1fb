import { expect } from "chai";
import { clientAddress } from "../../src/http/client-address.js";
import type { HttpRequest } from "../../src/http/types.js";

// Which address the throttle counts: the rightmost X-Forwarded-For entry (Google's front end
// appends it; everything to its left is the client's own writing), one further left per extra
// proxy of ours (CLIENT_IP_HOPS).

const request = (headers: Record<string, string | string[]>, remoteAddress?: string) =>
  ({ headers, ...(remoteAddress === undefined ? {} : { socket: { remoteAddress } }) }) as unknown as HttpRequest;

describe("pinned: client address", () => {
  const CHAIN = "1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4";

  it("CLIENT_IP_HOPS 1 takes the rightmost entry, 2 the one before it, and so on; never a spoofed left entry", () => {
    expect(clientAddress(request({ "x-forwarded-for": CHAIN }), 1)).to.equal("4.4.4.4");
    expect(clientAddress(request({ "x-forwarded-for": CHAIN }), 2)).to.equal("3.3.3.3");
    expect(clientAddress(request({ "x-forwarded-for": CHAIN }), 3)).to.equal("2.2.2.2");
    expect(clientAddress(request({ "x-forwarded-for": CHAIN }), 4)).to.equal("1.1.1.1");
    expect(clientAddress(request({ "x-forwarded-for": CHAIN }), 5)).to.equal(undefined);
  });

  it("the header wins over the socket, even when its chosen entry is not an address", () => {
    expect(clientAddress(request({ "x-forwarded-for": "1.1.1.1, junk" }, "9.9.9.9"), 1)).to.equal(undefined);
    expect(clientAddress(request({ "x-forwarded-for": "1.1.1.1" }, "9.9.9.9"), 2)).to.equal(undefined);
  });

  it("no header: the socket's address; no socket at all: unknown", () => {
    expect(clientAddress(request({}, "9.9.9.9"), 1)).to.equal("9.9.9.9");
    expect(clientAddress(request({}, "9.9.9.9"), 2)).to.equal("9.9.9.9"); // hops apply to the header only
    expect(clientAddress(request({}), 1)).to.equal(undefined);
    expect(clientAddress({ headers: {}, socket: {} } as unknown as HttpRequest, 1)).to.equal(undefined);
  });

  it("repeated headers are one list, in order", () => {
    expect(clientAddress(request({ "x-forwarded-for": ["1.1.1.1, 2.2.2.2", "3.3.3.3"] }), 1)).to.equal("3.3.3.3");
    expect(clientAddress(request({ "x-forwarded-for": ["1.1.1.1, 2.2.2.2", "3.3.3.3"] }), 2)).to.equal("2.2.2.2");
  });
});
