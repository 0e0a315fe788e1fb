import { expect } from "chai";
import { clientAddress, throttleNetwork } from "../../src/http/client-address.js";
import type { HttpRequest } from "../../src/http/types.js";

const withForwardedFor = (value: string) => ({ headers: { "x-forwarded-for": value } }) as unknown as HttpRequest;

describe("client address and its throttling network", () => {
  it("uses the rightmost X-Forwarded-For entry (Google's), skipping CLIENT_IP_HOPS - 1 proxies", () => {
    expect(clientAddress(withForwardedFor("6.6.6.6, 203.0.113.9"), 1)).to.equal("203.0.113.9");
    expect(clientAddress(withForwardedFor("6.6.6.6, 203.0.113.9, 35.1.2.3"), 2)).to.equal("203.0.113.9");
    expect(clientAddress(withForwardedFor("6.6.6.6, not-an-ip"), 1)).to.equal(undefined);
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
