/**
 * Tenant credentials at scale: 1,000 tenants, 50 concurrent callers (cold, warm and baseline alike),
 * STS answering in 20 ms (the sandbox's stsLatencyMs). Compares the engine's broker (one base
 * session, one AssumeRole per tenant per lifetime, cached) with the AWS SDK's own
 * `fromTemporaryCredentials` provider built per request. The baseline is measured on 2,000 requests
 * and scaled to the 200,000-request workload; the scaling is printed so it can be checked.
 *
 * Run: npx tsx bench/credentials.ts
 */
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { AwsConnector } from '../src/aws/awsConnector.js';
import { BaseSession } from '../src/aws/baseSession.js';
import { MemoryEngineStore } from '../src/aws/engineStore.js';
import { StsSandbox } from '../src/aws/stsSandbox.fixture.js';
import type { TenantIdentity } from '../src/aws/tenantIdentity.js';

const TENANTS = 1_000;
const ACCOUNTS = 10;
const CONCURRENCY = 50;
const STS_LATENCY_MS = 20;
/** Requests per tenant within one credential lifetime (1 h) in the comparison. */
const REQUESTS_PER_TENANT = 200;
const WARM_CALLS = TENANTS * REQUESTS_PER_TENANT;
const BASELINE_REQUESTS = 2_000;

// As bin/skybridge.js does: the SDK's "node >= 22" notice says nothing about this run. The SDK
// reads the variable when the first client is built, so setting it after the imports is enough.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Runs `task` for every item with `concurrency` workers; returns each call's duration in ms. */
async function runConcurrently<T>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<unknown>,
): Promise<number[]> {
  const durations: number[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const started = process.hrtime.bigint();
      await task(items[index]!);
      durations[index] = Number(process.hrtime.bigint() - started) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return durations;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const fmt = (n: number, digits = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const sts = await StsSandbox.start({ stsLatencyMs: STS_LATENCY_MS });
  try {
    const identities: TenantIdentity[] = [];
    for (let a = 0; a < ACCOUNTS; a++) {
      const accountId = `3000000000${String(a).padStart(2, '0')}`;
      await sts.createAccount(accountId);
      for (let r = 0; r < TENANTS / ACCOUNTS; r++) {
        const n = identities.length;
        const externalId = `bench-external-id-${String(n).padStart(6, '0')}-0123456789`;
        const roleArn = sts.createTenantRole({ accountId, roleName: `tenant-${n}`, externalId });
        identities.push(sts.identity({ id: `idn_${n}`, accountId, roleArn, externalId }));
      }
    }
    const config = sts.config();
    const store = new MemoryEngineStore();
    const aws = new AwsConnector({ name: 'bench', config, store });

    // Cold: nothing cached; 50 callers work through the 1,000 tenants.
    await sts.admin.resetStats();
    const coldStarted = Date.now();
    const cold = await runConcurrently(identities, CONCURRENCY, (identity) => aws.getCredentials(identity));
    const coldWallMs = Date.now() - coldStarted;
    const coldCalls = await sts.stsCalls();

    // Warm: every tenant cached; the same 50 callers as the cold phase, each getCredentials timed
    // on its own (so a call's time includes the turns the other 49 callers take meanwhile).
    await sts.admin.resetStats();
    const warmItems = Array.from({ length: WARM_CALLS }, (_, i) => identities[i % TENANTS]!);
    const warmStarted = Date.now();
    const warmMs = await runConcurrently(warmItems, CONCURRENCY, (identity) => aws.getCredentials(identity));
    const warmWallMs = Date.now() - warmStarted;
    const warm = warmMs.map((ms) => ms * 1000); // µs
    const warmCalls = await sts.stsCalls();

    // Baseline: the SDK's fromTemporaryCredentials built per request, signed with the same base session.
    // The same base session the engine uses, read from the shared store (no new STS call).
    const master = await new BaseSession({ name: 'bench', config, store }).get();
    await sts.admin.resetStats();
    const baselineItems = Array.from({ length: BASELINE_REQUESTS }, (_, i) => identities[i % TENANTS]!);
    const baselineStarted = Date.now();
    const baseline = await runConcurrently(baselineItems, CONCURRENCY, async (identity) => {
      const provider = fromTemporaryCredentials({
        masterCredentials: {
          accessKeyId: master.accessKeyId,
          secretAccessKey: master.secretAccessKey,
          sessionToken: master.sessionToken!,
        },
        params: { RoleArn: identity.roleArn, ExternalId: identity.externalId, DurationSeconds: 3600 },
        clientConfig: { region: 'us-east-1', endpoint: sts.url },
      });
      await provider();
    });
    const baselineWallMs = Date.now() - baselineStarted;
    const baselineCalls = await sts.stsCalls();
    const baselineMeasured = baselineCalls.AssumeRole + baselineCalls.GetSessionToken;
    const baselinePerRequest = baselineMeasured / BASELINE_REQUESTS;

    // The comparison workload: every tenant asked REQUESTS_PER_TENANT times within one credential
    // lifetime. The engine's side is measured (cold + warm phases); the baseline's is scaled.
    const workload = TENANTS * REQUESTS_PER_TENANT;
    const engineRequests = cold.length + warm.length;
    const coldSts = coldCalls.AssumeRole + coldCalls.GetSessionToken;
    const warmSts = warmCalls.AssumeRole + warmCalls.GetSessionToken;
    const oursTotal = coldSts + warmSts;
    const baselineTotal = Math.round(baselinePerRequest * workload);
    const ratio = baselineTotal / oursTotal;

    const n = (value: number) => value.toLocaleString('en-US');
    const table: [string, string, string][] = [
      ['', 'engine (broker, cached)', 'baseline (fromTemporaryCredentials)'],
      ['requests measured', `${n(cold.length)} cold + ${n(warm.length)} warm`, n(BASELINE_REQUESTS)],
      [
        'STS calls measured',
        `${n(coldCalls.AssumeRole)} AssumeRole + ${n(coldCalls.GetSessionToken)} GetSessionToken cold, ${n(warmSts)} warm`,
        `${n(baselineCalls.AssumeRole)} AssumeRole (${fmt(baselinePerRequest, 2)} per request)`,
      ],
      [
        'cold: wall / p50 / p99 per request',
        `${n(coldWallMs)} ms / ${fmt(percentile(cold, 50))} / ${fmt(percentile(cold, 99))} ms`,
        `${n(baselineWallMs)} ms / ${fmt(percentile(baseline, 50))} / ${fmt(percentile(baseline, 99))} ms`,
      ],
      [
        `warm (${CONCURRENCY} callers): p50 / p99 / max`,
        `${fmt(percentile(warm, 50), 2)} / ${fmt(percentile(warm, 99), 2)} / ${fmt(percentile(warm, 100), 0)} µs per getCredentials`,
        'no cache: every request is a cold one',
      ],
      [
        'warm: wall time, throughput',
        `${n(warmWallMs)} ms, ${n(Math.round(warm.length / (warmWallMs / 1000)))} calls/s`,
        '',
      ],
      [
        `STS calls for ${n(workload)} requests`,
        `${n(oursTotal)} (measured)`,
        `${n(baselineTotal)} (scaled, see below): ${fmt(ratio, 0)}x more`,
      ],
    ];
    const widths = [0, 1].map((column) => Math.max(...table.map((row) => row[column]!.length)));
    console.log('\nTenant credentials: engine broker vs fromTemporaryCredentials per request\n');
    console.log(
      `  ${n(TENANTS)} tenants in ${ACCOUNTS} accounts, ${CONCURRENCY} concurrent callers in every phase, STS answering in ${STS_LATENCY_MS} ms (sandbox)\n`,
    );
    for (const [label, ours, theirs] of table) {
      console.log(`  ${label.padEnd(widths[0]!)}  ${ours.padEnd(widths[1]!)}  ${theirs}`.trimEnd());
    }
    console.log(`
  STS calls saved, how the ratio is computed:
    workload assumed    ${n(workload)} requests = ${n(TENANTS)} tenants x ${REQUESTS_PER_TENANT} requests each within one 1-h credential lifetime
    engine (measured)   ${n(engineRequests)} getCredentials calls (${n(cold.length)} cold + ${n(warm.length)} warm, covering the workload) made ${n(oursTotal)} STS calls
    baseline (scaled)   ${n(BASELINE_REQUESTS)} requests measured made ${n(baselineMeasured)} STS calls
    formula             baseline calls = measured calls / requests measured x requests assumed
                                       = ${n(baselineMeasured)} / ${n(BASELINE_REQUESTS)} x ${n(workload)} = ${n(baselineTotal)}
    ratio               ${n(baselineTotal)} / ${n(oursTotal)} = ${fmt(ratio, 1)}x fewer STS calls for the engine`);
    const p99 = percentile(warm, 99);
    console.log(
      `\n  targets: warm p99 < 50 µs (${CONCURRENCY} callers): ${p99 < 50 ? 'met' : 'MISSED'}; >= 100x fewer STS calls: ${ratio >= 100 ? 'met' : 'MISSED'}\n`,
    );
  } finally {
    await sts.close();
  }
}

await main();
