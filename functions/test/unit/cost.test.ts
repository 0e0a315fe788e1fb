import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import {
  DAYS_PER_MONTH,
  DEFAULTS,
  estimate,
  FUNCTION_OPERATIONS,
  firestoreCost,
  functionsCost,
  identityPlatformCost,
  PRICES,
  RULES_OPERATION,
} from "../../../scripts/cost-model.mjs";

// The pricing computation behind `npm run cost` (scripts/cost-model.mjs): free tiers, Identity
// Platform's bands, the operation table's checks, and totals that add up.
const root = join(__dirname, "..", "..", "..");
const table: unknown = JSON.parse(readFileSync(join(root, "docs", "operations.json"), "utf8"));
const operation = { reads: 1, writes: 1, deletes: 0, cpu_verifications: 0 };
const minimalTable = {
  operations: Object.fromEntries([...FUNCTION_OPERATIONS, RULES_OPERATION].map((name) => [name, { ...operation }])),
};

describe("cost model (npm run cost)", () => {
  it("Firestore: the daily free quota over a 30-day month is subtracted, never below zero", () => {
    const free = PRICES.firestore.freePerDay;
    const regional = PRICES.firestore.locations["us-central1"];
    expect(regional, "us-central1 prices").to.not.equal(undefined);
    const cost = firestoreCost({ reads: free.reads * DAYS_PER_MONTH + 200_000, writes: 10, deletes: 0 }, "us-central1");
    expect(cost.reads.free).to.equal(1_500_000);
    expect(cost.reads.billed).to.equal(200_000);
    expect(cost.reads.cost).to.be.closeTo(2 * (regional?.readsPer100k ?? Number.NaN), 1e-12);
    expect(cost.writes.billed).to.equal(0);
    expect(cost.writes.cost).to.equal(0);
    const noFree = firestoreCost({ reads: 100_000, writes: 100_000, deletes: 100_000 }, "nam5", PRICES, false);
    expect(noFree.total).to.be.closeTo(0.06 + 0.18 + 0.02, 1e-12);
    expect(() => firestoreCost({ reads: 0, writes: 0, deletes: 0 }, "mars1")).to.throw(/unknown Firestore location "mars1"/);
  });

  it("Cloud Functions: the monthly free requests, vCPU-seconds and GiB-seconds are subtracted", () => {
    const under = functionsCost([{ count: 1_000_000, cpuMs: 50 }]);
    expect(under.invocations.billed).to.equal(0);
    expect(under.total).to.equal(0);

    // 3 million requests of 250 ms of CPU: billed 300 ms each (100 ms steps), 900,000 s of instance time.
    const over = functionsCost([{ count: 3_000_000, cpuMs: 250 }]);
    expect(over.instanceSeconds).to.be.closeTo(900_000, 1e-6);
    expect(over.invocations.billed).to.equal(1_000_000);
    expect(over.invocations.cost).to.be.closeTo(0.4, 1e-9);
    expect(over.cpu.billed).to.be.closeTo(900_000 - 180_000, 1e-6);
    expect(over.cpu.cost).to.be.closeTo(720_000 * 0.000024, 1e-9);
    expect(over.memory.billed).to.be.closeTo(450_000 - 360_000, 1e-6);
    expect(over.memory.cost).to.be.closeTo(90_000 * 0.0000025, 1e-9);
  });

  it("Cloud Functions: concurrency shares billed time but never below the CPU time", () => {
    const alone = functionsCost([{ count: 1000, cpuMs: 30 }], { freeTier: false });
    expect(alone.instanceSeconds).to.be.closeTo(100, 1e-9); // each 30 ms request billed 100 ms
    const shared = functionsCost([{ count: 1000, cpuMs: 30 }], { concurrency: 10, freeTier: false });
    expect(shared.instanceSeconds).to.be.closeTo(30, 1e-9); // 10 s by sharing, floored at 30 s of CPU
    expect(() => functionsCost([], { concurrency: 0 })).to.throw(/concurrency/);
  });

  it("Identity Platform Tier 1: the first 50,000 MAU free, then graduated bands", () => {
    expect(identityPlatformCost(49_999).total).to.equal(0);
    expect(identityPlatformCost(50_000).total).to.equal(0);
    expect(identityPlatformCost(50_001).total).to.be.closeTo(0.0055, 1e-12);
    expect(identityPlatformCost(100_000).total).to.be.closeTo(50_000 * 0.0055, 1e-9); // $275
    expect(identityPlatformCost(1_000_000).total).to.be.closeTo(275 + 900_000 * 0.0046, 1e-6); // $4,415
    expect(identityPlatformCost(20_000_000).total).to.be.closeTo(275 + 4140 + 9_000_000 * 0.0032 + 10_000_000 * 0.0025, 1e-6);
  });

  it("a missing operation or field fails clearly, naming it; extra keys are ignored", () => {
    const { refresh: _dropped, ...rest } = minimalTable.operations;
    expect(() => estimate({ operations: rest }, 1000)).to.throw(/operation "refresh" is missing/);
    const noReads = { operations: { ...minimalTable.operations, signup: { writes: 1, deletes: 0, cpu_verifications: 1 } } };
    expect(() => estimate(noReads, 1000)).to.throw(/operation "signup" has no "reads"/);
    expect(() => estimate({}, 1000)).to.throw(/no "operations" object/);
    const extra = { ...minimalTable, something: 1, operations: { ...minimalTable.operations, future_op: { reads: 9 } } };
    expect(estimate(extra, 1000).total).to.be.a("number");
  });

  it("totals are the sum of their parts, on the committed operation table", () => {
    const result = estimate(table, 100_000);
    const { firestore, functions } = result;
    expect(firestore.total).to.be.closeTo(firestore.reads.cost + firestore.writes.cost + firestore.deletes.cost, 1e-9);
    expect(functions.total).to.be.closeTo(functions.invocations.cost + functions.cpu.cost + functions.memory.cost, 1e-9);
    expect(result.total).to.be.closeTo(firestore.total + functions.total, 1e-9);
    expect(result.perThousandMau).to.be.closeTo((result.total / 100_000) * 1000, 1e-9);
    expect(result.usage.reads).to.equal(result.rows.reduce((sum, row) => sum + row.reads, 0));
    expect(functions.invocations.count).to.equal(result.rows.reduce((sum, row) => sum + row.invocations, 0));
    // liveSession() rule evaluations are Firestore reads, not requests to the function
    const rules = result.rows.find((row) => row.name === "rules_live_session");
    expect(rules?.invocations).to.equal(0);
    expect(rules?.count).to.equal(100_000 * Number(DEFAULTS.rulesReads.value));
    expect(result.identityPlatform.total).to.be.closeTo(275, 1e-9);
  });

  it("every price is dated and sourced", () => {
    const dated = [PRICES.cloudRun, PRICES.firestore.freePerDay, PRICES.identityPlatform, ...Object.values(PRICES.firestore.locations)];
    for (const entry of dated) {
      expect(entry.asOf).to.match(/^\d{4}-\d{2}-\d{2}$/);
      expect(entry.source).to.match(/^https:\/\//);
    }
  });
});
