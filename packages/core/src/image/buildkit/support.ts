// Whether an engine builds with BuildKit: GET /_ping says which builder the daemon prefers
// (`Builder-Version: 2` BuildKit, `1` classic: the daemon's `features.buildkit: false`); an
// engine without the header (Docker 18.09-22.x) offers BuildKit from API 1.39 on. Asked once
// per engine per process.
import type { Engine } from '../../dockerApi/index.js';

export type BuilderChoice = { builder: 'buildkit' } | { builder: 'classic'; why: string };

const asked = new WeakMap<Engine, Promise<BuilderChoice>>();

interface PingResponse {
  headers: Record<string, string | string[] | undefined>;
  resume(): void;
}

function ping(engine: Engine): Promise<PingResponse> {
  return new Promise((resolve, reject) => {
    engine.api.modem.dial(
      { path: '/_ping', method: 'GET', isStream: true, statusCodes: { 200: true } },
      (err: unknown, res: unknown) => (err ? reject(err) : resolve(res as PingResponse)),
    );
  });
}

// The decision for one engine (from its ping headers), cached.
export function builderOf(engine: Engine): Promise<BuilderChoice> {
  let p = asked.get(engine);
  if (!p) {
    p = ping(engine).then((res) => {
      res.resume();
      return chooseBuilder(res.headers);
    });
    // An engine that does not answer is reported by the build itself.
    p.catch(() => asked.delete(engine));
    asked.set(engine, p);
  }
  return p;
}

// The builder for a ping's headers.
export function chooseBuilder(headers: Record<string, string | string[] | undefined>): BuilderChoice {
  const one = (h: string) => {
    const v = headers[h];
    return Array.isArray(v) ? v[0] : v;
  };
  const builderVersion = one('builder-version');
  if (builderVersion === '1')
    return {
      builder: 'classic',
      why: 'the engine has BuildKit disabled (features.buildkit: false in its daemon.json)',
    };
  if (builderVersion === '2') return { builder: 'buildkit' };
  const os = one('ostype');
  if (os && os !== 'linux')
    return { builder: 'classic', why: `the engine runs ${os} containers, for which it has no BuildKit` };
  const api = one('api-version');
  const [major, minor] = (api ?? '').split('.').map(Number);
  if (api && major !== undefined && minor !== undefined && (major < 1 || (major === 1 && minor < 39)))
    return { builder: 'classic', why: `the engine's API ${api} predates BuildKit (1.39)` };
  return { builder: 'buildkit' };
}
