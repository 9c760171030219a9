export {
  accountIdSchema,
  createSessionSchema,
  regionSchema,
  startSessionSchema,
  tenantIdSchema,
} from './inputs.js';
export {
  type InstallDetails,
  InstallFlow,
  type InstallFlowDeps,
  installConnector,
  tenantIdentityFor,
} from './installFlow.js';
export { isEnded, redirectTargetFor, type SessionView, toSessionView } from './sessionView.js';
