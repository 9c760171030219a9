/**
 * Checks that the ports a long-running command will listen on are free, before it touches anything.
 * Without it, `dev` would empty its data directory and `start` would generate (and never show) an
 * admin key, only to fail on the listen a moment later because another instance holds the port.
 */
import { createServer } from 'node:net';
import { SkybridgeError } from '../core/index.js';

export interface PlannedListener {
  /** What listens there, for the message: "Skybridge", "the AWS sandbox", ... */
  what: string;
  host: string;
  /** 0 (any free port) still checks the host. */
  port: number;
  /** The option that changes the port, for the message: "--port". */
  option: string;
}

export async function ensurePortsFree(listeners: PlannedListener[]): Promise<void> {
  for (const listener of listeners) await probe(listener);
}

function probe(listener: PlannedListener): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => reject(describeListenError(error, listener)));
    server.listen({ port: listener.port, host: listener.host, exclusive: true }, () =>
      server.close(() => resolve()),
    );
  });
}

/** Turns Node's listen errors (EADDRINUSE, ENOTFOUND, ...) into stable codes that say what to do. */
export function describeListenError(error: NodeJS.ErrnoException, listener: PlannedListener): SkybridgeError {
  const { what, host, port, option } = listener;
  switch (error.code) {
    case 'EADDRINUSE':
      return new SkybridgeError(
        'port_in_use',
        `${what} cannot listen on ${host}:${port}: the port is already in use (another skybridge running?). ` +
          `Stop it, or choose another port with ${option} (0 picks a free one).`,
        { cause: error },
      );
    case 'EACCES':
      return new SkybridgeError(
        'port_in_use',
        `${what} is not allowed to listen on port ${port} (ports below 1024 need privileges). Choose another with ${option}.`,
        { cause: error },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EADDRNOTAVAIL':
      return new SkybridgeError(
        'invalid_host',
        `${what} cannot listen on "${host}": no such address on this machine. Use an address of this machine, such as 127.0.0.1 or 0.0.0.0.`,
        { cause: error },
      );
    default:
      return new SkybridgeError(
        'listen_failed',
        `${what} cannot listen on ${host}:${port}: ${error.message}`,
        {
          cause: error,
        },
      );
  }
}
