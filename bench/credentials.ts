/**
 * Tenant credentials at scale: 1,000 tenants, 50 concurrent callers, STS answering in 20 ms (the
 * sandbox's stsLatencyMs). Compares the engine's broker (one base session, one AssumeRole per tenant
 * per lifetime, cached) with the AWS SDK's own `fromTemporaryCredentials` provider built per request.
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

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

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

    // Warm: every tenant cached; each call timed on its own, in-process.
    await sts.admin.resetStats();
    const warm: number[] = new Array(WARM_CALLS);
    for (let i = 0; i < WARM_CALLS; i++) {
      const identity = identities[i % TENANTS]!;
      const started = process.hrtime.bigint();
      await aws.getCredentials(identity);
      warm[i] = Number(process.hrtime.bigint() - started) / 1e3; // µs
    }
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
    const baselinePerRequest = (baselineCalls.AssumeRole + baselineCalls.GetSessionToken) / BASELINE_REQUESTS;

    const workload = TENANTS * REQUESTS_PER_TENANT;
    const oursTotal =
      coldCalls.AssumeRole + coldCalls.GetSessionToken + warmCalls.AssumeRole + warmCalls.GetSessionToken;
    const baselineTotal = Math.round(baselinePerRequest * workload);

    const rows: [string, string][] = [
      ['tenants / accounts / callers', `${TENANTS} / ${ACCOUNTS} / ${CONCURRENCY}`],
      ['STS latency (sandbox)', `${STS_LATENCY_MS} ms`],
      ['cold: AssumeRole + GetSessionToken', `${coldCalls.AssumeRole} + ${coldCalls.GetSessionToken}`],
      [
        'cold: wall time, p50 / p99 per call',
        `${coldWallMs} ms, ${fmt(percentile(cold, 50))} / ${fmt(percentile(cold, 99))} ms`,
      ],
      [
        `warm: STS calls for ${WARM_CALLS.toLocaleString('en-US')} calls`,
        `${warmCalls.AssumeRole + warmCalls.GetSessionToken}`,
      ],
      [
        'warm getCredentials p50 / p99 / max',
        `${fmt(percentile(warm, 50), 2)} / ${fmt(percentile(warm, 99), 2)} / ${fmt(percentile(warm, 100), 0)} µs`,
      ],
      [
        `baseline: STS calls for ${BASELINE_REQUESTS} requests`,
        `${baselineCalls.AssumeRole} (${fmt(baselinePerRequest, 2)} per request)`,
      ],
      [
        'baseline: wall time, p50 / p99 per request',
        `${baselineWallMs} ms, ${fmt(percentile(baseline, 50))} / ${fmt(percentile(baseline, 99))} ms`,
      ],
      [
        `${workload.toLocaleString('en-US')} requests (${REQUESTS_PER_TENANT}/tenant/h): STS calls`,
        `engine ${oursTotal.toLocaleString('en-US')} vs baseline ${baselineTotal.toLocaleString('en-US')} (${fmt(baselineTotal / oursTotal, 0)}x fewer)`,
      ],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    console.log('\nTenant credentials: engine broker vs fromTemporaryCredentials per request\n');
    for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
    const p99 = percentile(warm, 99);
    console.log(
      `\n  targets: warm p99 < 50 µs: ${p99 < 50 ? 'met' : 'MISSED'}; >= 100x fewer STS calls: ${baselineTotal / oursTotal >= 100 ? 'met' : 'MISSED'}\n`,
    );
  } finally {
    await sts.close();
  }
}

await main();
