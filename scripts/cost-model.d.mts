// Types of cost-model.mjs for the TypeScript unit test (functions/test/unit/cost.test.ts).
export interface Line {
  count: number;
  free: number;
  billed: number;
  cost: number;
}
export interface FirestoreLine extends Line {
  per100k: number;
}
export interface FunctionsLine extends Line {
  unitPrice: number;
}
export interface Firestore {
  location: string;
  label: string;
  reads: FirestoreLine;
  writes: FirestoreLine;
  deletes: FirestoreLine;
  total: number;
}
export interface Functions {
  cpuSeconds: number;
  instanceSeconds: number;
  invocations: FunctionsLine;
  cpu: FunctionsLine;
  memory: FunctionsLine;
  total: number;
}
export interface IdentityPlatform {
  mau: number;
  bands: { from: number; to: number | null; users: number; perMau: number; cost: number }[];
  total: number;
}
export interface Settings {
  logins: number;
  trustedShare: number;
  failedShare: number;
  signups: number;
  refreshes: number;
  passwordChanges: number;
  signedInCalls: number;
  rulesReads: number;
  location: string;
  cpuMsPerVerification: number;
  cpuMsPerRequest: number;
  concurrency: number;
  freeTier: boolean;
}
export interface Row {
  name: string;
  count: number;
  reads: number;
  writes: number;
  deletes: number;
  invocations: number;
  cpuMsEach: number;
}
export interface Estimate {
  mau: number;
  settings: Settings;
  provisional: boolean;
  rows: Row[];
  usage: { reads: number; writes: number; deletes: number };
  firestore: Firestore;
  functions: Functions;
  total: number;
  perThousandMau: number;
  identityPlatform: IdentityPlatform & { perThousandMau: number };
  caveat: string;
  prices: typeof PRICES;
}
export const PRICES_AS_OF: string;
export const DAYS_PER_MONTH: number;
export const PRICES: {
  asOf: string;
  currency: string;
  cloudRun: {
    source: string;
    sourceNote: string;
    asOf: string;
    perVcpuSecond: number;
    perGibSecond: number;
    perMillionRequests: number;
    freePerMonth: { vcpuSeconds: number; gibSeconds: number; requests: number };
    billingGranularitySeconds: number;
  };
  firestore: {
    freePerDay: { source: string; asOf: string; reads: number; writes: number; deletes: number };
    locations: Record<
      string,
      {
        label: string;
        source: string;
        sourceNote: string;
        asOf: string;
        readsPer100k: number;
        writesPer100k: number;
        deletesPer100k: number;
      }
    >;
  };
  identityPlatform: {
    source: string;
    sourceNote: string;
    asOf: string;
    tier1: { upToMau: number | null; perMau: number }[];
    sparkDailyActiveUserLimit: number;
  };
};
export const IDENTITY_PLATFORM_CAVEAT: string;
export const DEFAULTS: Record<keyof Omit<Settings, "freeTier">, { value: number | string; why: string }>;
export const FUNCTION_OPERATIONS: string[];
export const RULES_OPERATION: string;
export function checkOperations(
  table: unknown,
  label?: string,
): Record<string, { reads: number; writes: number; deletes: number; cpuVerifications: number }>;
export function monthlyCounts(mau: number, rates: Settings): Record<string, number>;
export function billable(used: number, free: number): number;
export function firestoreCost(
  usage: { reads: number; writes: number; deletes: number },
  location: string,
  prices?: typeof PRICES,
  freeQuota?: boolean,
): Firestore;
export function functionsCost(
  requests: { count: number; cpuMs: number }[],
  options?: { concurrency?: number; vcpu?: number; memoryGib?: number; freeTier?: boolean },
  prices?: typeof PRICES,
): Functions;
export function identityPlatformCost(mau: number, prices?: typeof PRICES): IdentityPlatform;
export function estimate(table: unknown, mau: number, options?: Partial<Settings>, prices?: typeof PRICES): Estimate;
