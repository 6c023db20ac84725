// Helpers of the console browser tests: start `sipward ui` as a real process, drive Debian's
// chromium through puppeteer-core, and a TCP relay that plays "Elasticsearch went away".
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { repoRoot } from '../../lib/src/repo-root';

export const CHROMIUM = process.env['SIPWARD_CHROMIUM'] ?? '/usr/bin/chromium';
export const ARTIFACTS = join(repoRoot(), 'test-artifacts', 'ui');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's chromium (scripts/test does) or set SIPWARD_CHROMIUM`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  // --no-sandbox: the suite runs as root in CI, where Chromium's sandbox refuses to start.
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

export interface RunningUi {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `sipward ui … --port 0` and resolves with the URL it prints once it listens. */
export function startUi(args: string[], timeoutMs = 30_000): Promise<RunningUi> {
  const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'sipward.js'), 'ui', '--port', '0', ...args], {
    cwd: repoRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sipward ui did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /http:\/\/\S+\//.exec(stdout)?.[0];
      if (url === undefined) return;
      clearTimeout(timer);
      resolve({
        url,
        process: child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sipward ui exited with ${code}: ${stderr}`));
    });
  });
}

/** Forwards a local port to Elasticsearch; `pause()` refuses and cuts every connection, `resume()` accepts again. */
export class TcpRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async resume(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address === 'object' && address !== null) this.port = address.port;
    this.server = server;
  }

  async pause(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
