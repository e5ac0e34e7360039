import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONTACT = 'krr:global/kontaktinformasjon.read';
const JWT_ANYWHERE = /eyJ[\w-]+\.eyJ[\w-]+\./;
const JWT_LINE = /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `npm run token -- …` as a child process, against the sandbox (no Digdir variables set): with SANDBOX=true, or with
 * `sandbox: 'unset'` none of the mode's variables at all, as in a new user's shell.
 */
function runCli(args: string[], sandbox: 'true' | 'unset' = 'true'): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, SANDBOX: sandbox };
  if (sandbox === 'unset') delete env.SANDBOX;
  for (const name of Object.keys(env)) if (/^(MASKINPORTEN_|KRR_|ADMIN_API_|AUTH_)/.test(name)) delete env[name];
  delete env.PORT;
  delete env.NODE_ENV;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let plain: Run;
let raw: Run;
let unregistered: Run;
let help: Run;
let unknownFlag: Run;
let nothingSet: Run;
let undelegated: Run;

beforeAll(async () => {
  // Concurrently: each token run starts a sandbox of its own, which is most of its time.
  [plain, raw, unregistered, help, unknownFlag, nothingSet, undelegated] = await Promise.all([
    runCli(['--scope', CONTACT]),
    runCli(['--scope', CONTACT, '--raw']),
    runCli(['--scope', `${CONTACT} altinn:not-registered`]),
    runCli(['--help']),
    runCli(['--scope', CONTACT, '--no-such-flag']),
    runCli(['--scope', CONTACT], 'unset'),
    // Not a customer of the sandbox's: nothing delegated to us.
    runCli(['--scope', CONTACT, '--consumer-org', '974760673']),
  ]);
}, 30_000);

describe('npm run token', () => {
  it('fetches a token in sandbox mode and prints the decoded header and claims, but not the token', () => {
    expect(plain.code, plain.stderr).toBe(0);
    const out = plain.stdout;
    expect(out).toMatch(/Sandbox mode/);
    expect(out).toMatch(/Issuer: +http:\/\/127\.0\.0\.1:\d+\//);
    expect(out).toMatch(/Client id: +sandbox-facade-client/);
    expect(out).toContain('"alg": "RS256"');
    expect(out).toContain(`"scope": "${CONTACT}"`);
    expect(out).toContain('"client_id": "sandbox-facade-client"');
    expect(out).toContain('"ID": "0192:991825827"');
    const expiry = /Expires: +(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) \((\d+) s left\)/.exec(out);
    expect(expiry).not.toBeNull();
    expect(Number(expiry?.[2])).toBeGreaterThan(60); // the sandbox's expires_in is 120 s
    expect(Number(expiry?.[2])).toBeLessThanOrEqual(120);
    expect(out).not.toMatch(JWT_ANYWHERE);
    expect(plain.stderr).not.toMatch(JWT_ANYWHERE);
  });

  it('prints the token alone on the last line with --raw', () => {
    expect(raw.code, raw.stderr).toBe(0);
    const lines = raw.stdout.trimEnd().split('\n');
    const last = lines.at(-1) ?? '';
    expect(last).toMatch(JWT_LINE);
    expect(decodeJwt(last)).toMatchObject({ scope: CONTACT, client_id: 'sandbox-facade-client' });
    expect(lines.slice(0, -1).join('\n')).not.toMatch(JWT_ANYWHERE);
  });

  it('exits 1 for a scope not registered on the client, with the MP code and a hint', () => {
    expect(unregistered.code).toBe(1);
    expect(unregistered.stderr).toContain('MP-200');
    expect(unregistered.stderr).toMatch(/Hint: the scope is not registered on the client/);
    expect(unregistered.stdout + unregistered.stderr).not.toMatch(JWT_ANYWHERE);
  });

  it('asks the sandbox when no variable is set at all, as its usage says', () => {
    expect(nothingSet.code, nothingSet.stderr).toBe(0);
    expect(nothingSet.stdout).toMatch(/Sandbox mode/);
    expect(nothingSet.stdout).toContain(`"scope": "${CONTACT}"`);
  });

  it('exits 1 for a customer that has delegated nothing, with MP-251 and a hint', () => {
    expect(undelegated.code).toBe(1);
    expect(undelegated.stderr).toContain('MP-251');
    expect(undelegated.stderr).toMatch(/Hint: the --consumer-org organisation has not delegated/);
  });

  it('prints usage for --help (exit 0) and for an unknown flag (exit 2)', () => {
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run token -- --scope/);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("Unknown option '--no-such-flag'");
    expect(unknownFlag.stderr).toContain('Usage: npm run token');
    expect(unknownFlag.stdout).toBe('');
  });

  it('stops quietly when its reader goes away (`| head -3`), leaving no key of the sandbox on disk', async () => {
    // A new user's finding: a closed pipe ended the script in an EPIPE error before its sandbox's directory (the
    // enterprise key, the chain and tenants.json) was removed.
    const tmp = await mkdtemp(join(tmpdir(), 'token-cli-pipe-'));
    const env: NodeJS.ProcessEnv = { ...process.env, SANDBOX: 'true', TMPDIR: tmp };
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--scope', CONTACT], {
      cwd: ROOT,
      env,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout.once('data', () => child.stdout.destroy()); // what `head` does once it has its lines
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const left = (await readdir(tmp)).filter((name) => name.startsWith('facade-sandbox-'));
    await rm(tmp, { recursive: true, force: true });
    expect(left).toEqual([]);
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
  }, 30_000);
});
