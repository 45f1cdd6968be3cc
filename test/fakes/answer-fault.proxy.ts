import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Fate {
  path: RegExp;
  drop: boolean;
  held: Promise<void>;
  providerAnswered: () => void;
}

/** The answer of a request whose fate was set: known to have reached (and been acted on by) the provider. */
export interface HeldAnswer {
  /** Resolves once the provider has answered (e.g. spent the code); its answer waits for `release`. */
  providerAnswered: Promise<void>;
  release(): void;
}

/**
 * A loopback proxy in front of a provider fake, for faults that strike after the provider acted:
 * every request is forwarded as received and its answer passed back as given, except the next one
 * to a path whose answer is held until released (a slow answer: the code is already spent) or
 * dropped (the caller's connection is reset once the provider answered: a lost answer).
 */
export class AnswerFaultProxy {
  baseUrl = '';
  private server?: http.Server;
  private fates: Fate[] = [];
  private releases: Array<() => void> = [];

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const release of this.releases) release();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  holdAnswerNext(path: RegExp): HeldAnswer {
    return this.add(path, false);
  }

  dropAnswerNext(path: RegExp): Pick<HeldAnswer, 'providerAnswered'> {
    return this.add(path, true);
  }

  private add(path: RegExp, drop: boolean): HeldAnswer {
    let release!: () => void;
    let providerAnswered!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const answered = new Promise<void>((r) => (providerAnswered = r));
    this.fates.push({ path, drop, held, providerAnswered });
    this.releases.push(release);
    return { providerAnswered: answered, release };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', this.target);
    const i = this.fates.findIndex((f) => f.path.test(url.pathname));
    const fate = i >= 0 ? this.fates.splice(i, 1)[0] : undefined;
    const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) => {
        const out = http.request(
          url,
          { method: req.method, headers: { ...req.headers, host: url.host } },
          (up) => {
            const body: Buffer[] = [];
            up.on('data', (c: Buffer) => body.push(c));
            up.on('end', () =>
              resolve({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(body) }),
            );
          },
        );
        out.on('error', reject);
        out.end(Buffer.concat(chunks));
      },
    ).catch(() => null);
    fate?.providerAnswered();
    if (!answer || fate?.drop) {
      req.socket.destroy();
      return;
    }
    if (fate) await fate.held;
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }
}
