/**
 * How many STS calls a second the sandbox serves. The sandbox runs in its own process (the real
 * `skybridge sandbox` command) so the SDK clients here do not share its core; the figures are
 * calls/s seen by the clients and the sandbox's own CPU time per call, beside a baseline of plain
 * GETs of /_sandbox/stats on the same server.
 *
 *   npx tsx bench/sandbox-sts.ts [calls per kind, default 3000]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SandboxAdminClient } from '../src/sandbox/index.js';

// As bin/skybridge.js does: the SDK's "node >= 22" notice says nothing about this run. The SDK
// reads the variable when the first client is built, so setting it after the imports is enough.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CALLS = Number(process.argv[2] ?? 3000);
const CONCURRENCY = 50;
const BASE = '111122223333';
const TENANT = '012345678901';
const EXTERNAL_ID = 'bench-external-id-0123456789';

/** CPU time (user + system) of a process in ms, from /proc. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

async function run(label: string, pid: number, call: () => Promise<unknown>): Promise<void> {
  let next = 0;
  const cpuBefore = cpuMs(pid);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CALLS) {
        next += 1;
        await call();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const serverCpuMs = cpuMs(pid) - cpuBefore;
  const perCallUs = (serverCpuMs * 1000) / CALLS;
  console.log(
    `${label.padEnd(34)} ${String(Math.round(CALLS / seconds)).padStart(6)} calls/s   ` +
      `sandbox CPU ${perCallUs.toFixed(0).padStart(4)} µs/call (~${Math.round(1e6 / perCallUs)} calls/s per core)`,
  );
}

const child = spawn(process.execPath, ['bin/skybridge.js', 'sandbox', '--port', '0', '--json'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const { url } = JSON.parse(line) as { url: string };
  const admin = new SandboxAdminClient(url);
  await admin.createAccount(BASE);
  await admin.createAccount(TENANT);
  const connector = await admin.createUser(BASE, 'connector');
  const tenantAdmin = await admin.createUser(TENANT, 'admin');
  const role = await new IAMClient({ endpoint: url, region: 'us-east-1', credentials: tenantAdmin }).send(
    new CreateRoleCommand({
      RoleName: 'bench-role',
      AssumeRolePolicyDocument: JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${BASE}:root` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } },
          },
        ],
      }),
    }),
  );
  const sts = new STSClient({ endpoint: url, region: 'us-east-1', credentials: connector, maxAttempts: 1 });
  let session = 0;
  const assumeRole = () =>
    sts.send(
      new AssumeRoleCommand({
        RoleArn: role.Role!.Arn!,
        RoleSessionName: `s${session++}`,
        ExternalId: EXTERNAL_ID,
      }),
    );
  const getStats = async () => {
    const response = await fetch(`${url}/_sandbox/stats`);
    await response.arrayBuffer();
  };
  const pid = child.pid!;

  // Warm up the JIT on both sides.
  for (let i = 0; i < 300; i++)
    await Promise.all([getStats(), sts.send(new GetCallerIdentityCommand({})), assumeRole()]);
  console.log(`${CALLS} calls per kind, concurrency ${CONCURRENCY}, Node ${process.version}`);
  await run('baseline: GET /_sandbox/stats', pid, getStats);
  await run('STS GetCallerIdentity (SDK)', pid, () => sts.send(new GetCallerIdentityCommand({})));
  await run('STS AssumeRole + ExternalId (SDK)', pid, assumeRole);
  const stats = await admin.stats();
  console.log(
    `sandbox counted sts:GetCallerIdentity=${stats['sts:GetCallerIdentity']} sts:AssumeRole=${stats['sts:AssumeRole']}`,
  );
} finally {
  child.kill('SIGTERM');
}
