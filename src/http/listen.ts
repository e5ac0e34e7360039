import { createServer, type Server } from 'node:net';

/**
 * A listener that could not be opened, named by the variable to change: the one that chose its port (`PORT`,
 * `METRICS_PORT`) when the port is the problem, `HOST` when the address is. A start that fails on a port in use says
 * which variable to change instead of ending in Node's stack trace.
 */
export class ListenError extends Error {
  constructor(
    /** The configuration variable to change: `HOST`, or the one that chose the port (`PORT`, `METRICS_PORT`). */
    readonly variable: string,
    readonly address: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`${variable}: cannot listen on ${address}: ${reason}`);
    this.name = 'ListenError';
  }
}

/**
 * Whether a failure to listen lies with the address (`HOST`) rather than the port: it names no address of this
 * machine (EADDRNOTAVAIL), cannot be bound as it is written (EINVAL, e.g. a link-local IPv6 address without its
 * interface; EAFNOSUPPORT, IPv6 on a host without it), or does not resolve (ENOTFOUND, `EAI_*` from getaddrinfo, e.g.
 * `HOST=256.1.1.1`). Node refuses a port out of range before it tries.
 */
function isAddressProblem(err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? '';
  return (
    ['EADDRNOTAVAIL', 'EINVAL', 'EAFNOSUPPORT', 'ENOTFOUND'].includes(code) ||
    code.startsWith('EAI_') ||
    err.syscall === 'getaddrinfo'
  );
}

/** What to do about the usual causes, by the error's code. */
function reasonOf(code: string | undefined, variable: string): string {
  switch (code) {
    case 'EADDRINUSE':
      return `the port is already in use (EADDRINUSE). Stop what holds it, or set ${variable} to a free port.`;
    case 'EACCES':
      return `permission denied (EACCES): ports below 1024 need privileges. Set ${variable} to 1024 or above.`;
    case 'EADDRNOTAVAIL':
      return 'HOST is not an address of this machine (EADDRNOTAVAIL). Set HOST to one of its addresses, or 0.0.0.0.';
    case 'EINVAL':
    case 'EAFNOSUPPORT':
      return (
        `HOST cannot be bound as written (${code}). Set HOST to an address of this machine (a link-local IPv6 ` +
        'address with its interface, e.g. fe80::1%eth0), or 0.0.0.0.'
      );
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return (
        `HOST is neither an IP address nor a name that resolves (${code}). Set HOST to an address of this machine, ` +
        'or 0.0.0.0.'
      );
    default:
      return code ? `the system refused it (${code}).` : 'the system refused it.';
  }
}

/**
 * `server.listen(port, host)`, settled when it listens; a failure is a {@link ListenError} naming `HOST` when the
 * address is the problem, else `portVariable` (the variable that chose `port`).
 */
export function listenOn(server: Server, port: number, host: string, portVariable: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      const variable = isAddressProblem(err) ? 'HOST' : portVariable;
      reject(new ListenError(variable, address, err.code, reasonOf(err.code, variable)));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Why `host` cannot be listened on, if the address is the reason (see `isAddressProblem`), found by listening on a
 * port of the system's choice and closing at once: checked with the configuration,
 * before anything starts, so that one start names it beside any other problem. Anything else is left to the start.
 */
export async function hostProblem(host: string): Promise<string | undefined> {
  const probe = createServer();
  try {
    // The port variable's name is never used: on a port of the system's choice, only the address can fail.
    await listenOn(probe, 0, host, 'PORT');
    return undefined;
  } catch (err) {
    if (!(err instanceof ListenError) || err.variable !== 'HOST') return undefined;
    return `HOST (${host}) cannot be listened on: ${reasonOf(err.code, 'HOST')}`;
  } finally {
    if (probe.listening) await new Promise((resolve) => probe.close(resolve));
  }
}
