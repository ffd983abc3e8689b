import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSink, wantsJson, type SinkIo } from './index.js';

// A sink over recorded streams; stderr is the process's (spied), as it is in pctl.
function recorded(json: boolean, interactive = false) {
  const out = { stdout: '', document: '', stderr: '' };
  vi.spyOn(process.stderr, 'write').mockImplementation(
    (chunk: string | Uint8Array) => ((out.stderr += String(chunk)), true),
  );
  const io: SinkIo = {
    stdout: (t) => void (out.stdout += t),
    writeDocument: (t) => void (out.document += t),
    mask: (t) => t.replaceAll('hunter22', '***'),
    clean: (t) => t.replaceAll('hunter22', '***'),
    maskDeep: <T>(v: T) => JSON.parse(JSON.stringify(v).replaceAll('hunter22', '***')) as T,
    interactive: () => interactive,
  };
  return { sink: createSink(json, io), out };
}

afterEach(() => vi.restoreAllMocks());

describe('wantsJson', () => {
  it('is decided once from the arguments, flags after -- not counted', () => {
    expect(wantsJson(['deploy', '--json'])).toBe(true);
    expect(wantsJson(['--json', 'plan', 'api'])).toBe(true);
    expect(wantsJson(['deploy'])).toBe(false);
    expect(wantsJson(['deploy', '--', '--json'])).toBe(false);
    expect(wantsJson(['deploy', '--jsonx'])).toBe(false);
  });
});

describe('the human sink', () => {
  it('prints results for people on stdout and notes on stderr, masked; prints no document', () => {
    const { sink, out } = recorded(false);
    sink.result({ images: [] }, () => 'api  built\n');
    sink.result({ rendered: [] }, () => ({ stdout: '', stderr: 'nothing to render' }));
    sink.note('password hunter22 seen');
    sink.finish(0);
    expect(out).toEqual({ stdout: 'api  built\n', document: '', stderr: 'nothing to render\npassword *** seen\n' });
    expect(sink.doc).toMatchObject({ images: [], rendered: [] });
  });

  it('without a terminal takes --yes, else fails or takes the default as the request says', async () => {
    const { sink } = recorded(false, false);
    expect(await sink.request({ question: 'write?', default: false, answer: true })).toBe(true);
    expect(await sink.request({ question: 'write?', default: true })).toBe(true);
    await expect(
      sink.request({ question: 'write?', default: false, unattended: () => new Error('needs --yes') }),
    ).rejects.toThrow('needs --yes');
  });
});

describe('the JSON sink', () => {
  it('prints no result text, and at the end exactly one document, masked inside its strings', () => {
    const { sink, out } = recorded(true);
    sink.doc.command = 'build';
    sink.result({ images: [{ service: 'api', ref: 'hunter22:1', built: true }] }, () => 'api  built\n');
    sink.note('building');
    sink.usage('Usage: pctl\n');
    sink.finish(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe('building\nUsage: pctl\n');
    expect(out.document.split('\n')).toHaveLength(2);
    expect(JSON.parse(out.document)).toEqual({
      formatVersion: 1,
      command: 'build',
      ok: false,
      images: [{ service: 'api', ref: '***:1', built: true }],
    });
  });

  it('asks nobody, even on a terminal: --yes, or the unattended rule', async () => {
    const { sink } = recorded(true, true);
    expect(await sink.request({ question: 'write?', default: false, answer: true })).toBe(true);
    expect(await sink.request({ question: 'write?', default: false })).toBe(false);
    await expect(
      sink.request({ question: 'write?', default: false, unattended: () => new Error('needs --yes') }),
    ).rejects.toThrow('needs --yes');
  });
});

describe('streaming through the sink (logs, exec, port-forward)', () => {
  const line = (replica: string, text: string) => ({
    service: 'api',
    replica,
    stream: 'stdout' as const,
    time: '2026-01-02T03:04:05Z',
    line: text,
  });

  it('people read aligned `service/replica | line`, masked; `live` lines go to stdout', () => {
    const { sink, out } = recorded(false);
    const write = sink.lines({ timestamps: false });
    write(line('1', 'up hunter22'));
    write({ ...line('12', 'ready'), service: 'api' });
    sink.live('forwarding 127.0.0.1:8080 -> api/1:80');
    expect(out.stdout).toBe('api/1 | up ***\napi/12 | ready\nforwarding 127.0.0.1:8080 -> api/1:80\n');
    expect(out.document).toBe('');
  });

  it('under --json each line is one object before the document; `live` lines go to stderr', () => {
    const { sink, out } = recorded(true);
    sink.lines({ timestamps: true })(line('1', 'token hunter22'));
    sink.live('forwarding 127.0.0.1:8080 -> api/1:80');
    sink.result({ serviceNames: ['api'] });
    sink.finish(0);
    const [first, doc] = out.document
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toEqual({
      service: 'api',
      replica: '1',
      stream: 'stdout',
      time: '2026-01-02T03:04:05Z',
      line: 'token ***',
    });
    expect(doc).toMatchObject({ ok: true, serviceNames: ['api'] });
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe('forwarding 127.0.0.1:8080 -> api/1:80\n');
  });

  it("a watching command's events: people read the text on stderr, programs one object per line on stdout", () => {
    const event = { event: 'synced', service: 'api', files: 1, text: 'api: synced 1 file (hunter22)' };
    const human = recorded(false);
    human.sink.events()(event);
    expect(human.out).toEqual({ stdout: '', document: '', stderr: 'api: synced 1 file (***)\n' });
    vi.restoreAllMocks();
    const json = recorded(true);
    json.sink.events()(event);
    json.sink.finish(0);
    const [first, doc] = json.out.document
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toEqual({ ...event, text: 'api: synced 1 file (***)' });
    expect(doc).toMatchObject({ ok: true });
    expect(json.out.stderr).toBe('');
  });

  it('keeps the exit code a command ends with, and the document says ok false for it', () => {
    const { sink, out } = recorded(true);
    expect(sink.exitCode()).toEqual({ code: 0, failed: false });
    sink.exitWith(7);
    expect(sink.exitCode()).toEqual({ code: 7, failed: true });
    sink.finish(sink.exitCode().code, sink.exitCode().failed);
    expect(JSON.parse(out.document)).toMatchObject({ ok: false });
  });

  it("keeps a command's exit code that is a result, not a failure (plan --exit-code): ok stays true", () => {
    const { sink, out } = recorded(true);
    sink.exitWith(2, false);
    expect(sink.exitCode()).toEqual({ code: 2, failed: false });
    sink.finish(2, false);
    expect(JSON.parse(out.document)).toMatchObject({ ok: true });
  });

  it('passes bytes through unchanged; under --json the command stdout goes to stderr', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const json of [false, true]) {
      const got: { stdout: Uint8Array[]; stderr: Uint8Array[] } = { stdout: [], stderr: [] };
      const sink = createSink(json, {
        stdout: () => undefined,
        writeDocument: () => undefined,
        rawStdout: (b) => void got.stdout.push(Buffer.from(b)),
        rawStderr: (b) => void got.stderr.push(Buffer.from(b)),
        mask: (t) => t,
        clean: (t) => t,
        maskDeep: (v) => v,
        interactive: () => false,
      });
      const s = sink.passthrough('stdout');
      await new Promise<void>((resolve, reject) => s.write(Buffer.from(bytes), (e) => (e ? reject(e) : resolve())));
      expect(Buffer.concat(json ? got.stderr : got.stdout)).toEqual(Buffer.from(bytes));
      expect((json ? got.stdout : got.stderr).length).toBe(0);
    }
  });
});
