// The integration of contract section 4, as written there: how many buckets a tenant's account has.

import { S3 } from '@aws-sdk/client-s3';
import { Integration } from 'skybridge';

const integration = new Integration();

integration.router.get('/api/tenant/:tenantId/buckets', async (ctx) => {
  const aws = await integration.tenant.getSdkByTenant(ctx, 'awsConnector', ctx.params.tenantId);
  const s3 = new S3(aws);
  const response = await s3.listBuckets({});
  ctx.body = { message: `${response.Buckets?.length} buckets discovered from the AWS account.` };
});

export default integration;
