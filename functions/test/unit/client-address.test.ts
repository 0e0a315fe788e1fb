import { expect } from "chai";
import { clientAddress, clientNetwork, throttleNetwork, UNKNOWN_NETWORK } from "../../src/http/client-address.js";
import type { HttpRequest } from "../../src/http/types.js";

const withForwardedFor = (value: string) => ({ headers: { "x-forwarded-for": value } }) as unknown as HttpRequest;

describe("client address and its throttling network", () => {
  it("uses the rightmost X-Forwarded-For entry (Google's), skipping CLIENT_IP_HOPS - 1 proxies", () => {
    expect(clientAddress(withForwardedFor("6.6.6.6, 203.0.113.9"), 1)).to.equal("203.0.113.9");
    expect(clientAddress(withForwardedFor("6.6.6.6, 203.0.113.9, 35.1.2.3"), 2)).to.equal("203.0.113.9");
    expect(clientAddress(withForwardedFor("6.6.6.6, not-an-ip"), 1)).to.equal(undefined);
  });

  // The client address as a table: header value (or its absence), CLIENT_IP_HOPS, socket address.
  const TABLE: readonly (readonly [
    xff: string | string[] | undefined,
    hops: number,
    socket: string | undefined,
    expected: string | undefined,
  ])[] = [
    ["203.0.113.9", 1, "10.0.0.1", "203.0.113.9"],
    ["6.6.6.6, 203.0.113.9", 1, undefined, "203.0.113.9"], // the client wrote 6.6.6.6: never trusted
    ["6.6.6.6,203.0.113.9", 1, undefined, "203.0.113.9"], // no space
    ["  6.6.6.6 ,  203.0.113.9  ", 1, undefined, "203.0.113.9"],
    ["6.6.6.6, 203.0.113.9, 35.1.2.3", 2, undefined, "203.0.113.9"], // one proxy of our own
    ["6.6.6.6, 203.0.113.9, 35.1.2.3", 3, undefined, "6.6.6.6"],
    ["203.0.113.9", 2, "10.0.0.1", undefined], // fewer entries than hops: unknown, not the socket
    [["6.6.6.6", "203.0.113.9"], 1, undefined, "203.0.113.9"], // repeated headers, joined
    ["6.6.6.6, not-an-ip", 1, undefined, undefined],
    ["6.6.6.6, 203.0.113.9:443", 1, undefined, undefined], // with a port: not an address
    ["6.6.6.6, ", 1, undefined, undefined], // an empty last entry
    ["2001:db8::1", 1, undefined, "2001:db8::1"],
    ["", 1, "198.51.100.4", "198.51.100.4"], // no header (local runs): the socket
    ["   ", 1, "198.51.100.4", "198.51.100.4"],
    [undefined, 1, "::ffff:198.51.100.4", "::ffff:198.51.100.4"],
    [undefined, 1, undefined, undefined],
    [undefined, 1, "garbage", undefined],
  ];
  for (const [xff, hops, socket, expected] of TABLE) {
    it(`X-Forwarded-For ${JSON.stringify(xff)}, hops ${hops}, socket ${String(socket)} -> ${String(expected)}`, () => {
      const req = {
        headers: xff === undefined ? {} : { "x-forwarded-for": xff },
        socket: { remoteAddress: socket },
      } as unknown as HttpRequest;
      expect(clientAddress(req, hops)).to.equal(expected);
    });
  }

  it('no usable address: the one shared network "unknown", never none (the per-network limits still apply)', () => {
    // CLIENT_IP_HOPS=2 and a request sent straight to the function: only Google's entry.
    for (const value of ["192.0.2.1", "192.0.2.2"]) expect(clientNetwork(withForwardedFor(value), 2)).to.equal(UNKNOWN_NETWORK);
    expect(clientNetwork(withForwardedFor("6.6.6.6, not-an-ip"), 1)).to.equal(UNKNOWN_NETWORK);
    expect(UNKNOWN_NETWORK).to.equal("unknown");
    expect(clientNetwork({ headers: {} } as unknown as HttpRequest, 1)).to.equal("unknown");
    expect(clientNetwork(withForwardedFor("6.6.6.6, 2001:db8:1:2:3::9, 35.1.2.3"), 2)).to.equal("2001:db8:1:2::/64");
  });

  it("IPv4: the address itself", () => {
    expect(throttleNetwork("203.0.113.9")).to.equal("203.0.113.9");
  });

  it("IPv6: every address of one /64 is one network, whatever the notation", () => {
    const network = throttleNetwork("2001:db8:1:2::1");
    expect(network).to.equal("2001:db8:1:2::/64");
    for (const address of [
      "2001:db8:1:2:ffff:ffff:ffff:ffff",
      "2001:0db8:0001:0002:0000:0000:0000:0bad",
      "2001:DB8:1:2:a:b:c:d",
      "2001:db8:1:2::7%eth0",
      "2001:db8:1:2:0:0:1.2.3.4",
    ]) {
      expect(throttleNetwork(address), address).to.equal(network);
    }
    expect(throttleNetwork("2001:db8:1:3::1")).to.not.equal(network);
    expect(throttleNetwork("2001:db9:1:2::1")).to.not.equal(network);
  });

  it("IPv4-mapped IPv6 is the IPv4 address (both spellings share a counter)", () => {
    expect(throttleNetwork("::ffff:203.0.113.9")).to.equal("203.0.113.9");
    expect(throttleNetwork("::ffff:cb00:7109")).to.equal("203.0.113.9");
  });
});
