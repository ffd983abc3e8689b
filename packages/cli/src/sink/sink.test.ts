import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSink, wantsJson, type SinkIo } from './index.js';

// A sink over recorded streams; stderr is the process's (spied), as it is in pctl.
function recorded(json: boolean, interactive = false) {
  const out = { stdout: '', document: '', stderr: '' };
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((out.stderr += String(chunk)), true));
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
    await expect(sink.request({ question: 'write?', default: false, unattended: () => new Error('needs --yes') })).rejects.toThrow('needs --yes');
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
    expect(JSON.parse(out.document)).toEqual({ formatVersion: 1, command: 'build', ok: false, images: [{ service: 'api', ref: '***:1', built: true }] });
  });

  it('asks nobody, even on a terminal: --yes, or the unattended rule', async () => {
    const { sink } = recorded(true, true);
    expect(await sink.request({ question: 'write?', default: false, answer: true })).toBe(true);
    expect(await sink.request({ question: 'write?', default: false })).toBe(false);
    await expect(sink.request({ question: 'write?', default: false, unattended: () => new Error('needs --yes') })).rejects.toThrow('needs --yes');
  });
});
