export {
  type ConnectFlow,
  type ConnectRouterDeps,
  createConnectRouter,
  type StatusAnswer,
} from './connectRouter.js';
export { escapeHtml, html, raw, SafeHtml } from './html.js';
export { contentSecurityPolicy } from './securityHeaders.js';
