#!/usr/bin/env node
// The `skybridge` command. The sources are TypeScript run through tsx, so there is no build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { register } = await import('tsx/esm/api');
register();
await import('../src/cli/main.ts');
