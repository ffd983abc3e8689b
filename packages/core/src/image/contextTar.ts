// A build context as a tar stream, written as the docker CLI writes one (ustar with PAX
// records for long names, owner 0:0, the files' own modes and times), holding only the
// entries given plus their parent folders and in-memory files (the generated Dockerfile).
import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ContextEntry } from './context.js';
import { unreadable } from './regularFile.js';

export interface InMemoryFile {
  rel: string;
  body: string | Buffer;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

// One PAX record: "<len> key=value\n", where len counts itself.
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const n = Buffer.byteLength(body);
  let len = n + String(n).length;
  if (String(len).length !== String(n).length) len = n + String(len).length;
  return `${len}${body}`;
}

function header(opts: {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  type: string;
  linkname?: string;
}): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(opts.name, 0, 100, 'utf8');
  h.write(octal(opts.mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(opts.size, 12), 124, 'ascii');
  h.write(octal(Math.max(0, Math.floor(opts.mtime)), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(opts.type, 156, 'ascii');
  if (opts.linkname) h.write(opts.linkname, 157, 100, 'utf8');
  h.write('ustar\x0000', 257, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

// Header blocks for one entry: a PAX header first when a name does not fit ustar.
function headers(opts: {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  type: string;
  linkname?: string;
}): Buffer[] {
  const long =
    Buffer.byteLength(opts.name) > 100 || (opts.linkname !== undefined && Buffer.byteLength(opts.linkname) > 100);
  if (!long) return [header(opts)];
  let pax = paxRecord('path', opts.name);
  if (opts.linkname !== undefined) pax += paxRecord('linkpath', opts.linkname);
  const body = Buffer.from(pax, 'utf8');
  return [
    header({ name: 'PaxHeader', mode: 0o644, size: body.length, mtime: opts.mtime, type: 'x' }),
    body,
    pad(body.length),
    header({ ...opts, name: opts.name.slice(0, 100), linkname: opts.linkname?.slice(0, 100) }),
  ];
}

const pad = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

// Reads exactly `size` bytes of a regular file (padding with zeros if it shrank meanwhile).
async function* fileBytes(abs: string, size: number, service?: string): AsyncGenerator<Buffer> {
  let handle;
  try {
    handle = await fs.open(abs, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw unreadable(abs, { service, role: 'build context file' }, e);
  }
  try {
    let left = size;
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, size)));
    while (left > 0) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, left), null);
      if (!bytesRead) break;
      left -= bytesRead;
      yield Buffer.from(buf.subarray(0, bytesRead));
    }
    if (left > 0) yield Buffer.alloc(left);
  } finally {
    await handle.close();
  }
}

// The tar stream of the given context entries (with their parent folders), folders of
// the context to send even when empty, and extra files.
export function contextTar(opts: {
  contextDir: string;
  entries: ContextEntry[];
  extra: InMemoryFile[];
  folders?: string[];
  service?: string;
}): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    const dirs = new Set<string>(opts.folders ?? []);
    for (const e of [...opts.entries.map((x) => x.rel), ...opts.extra.map((x) => x.rel)]) {
      const parts = e.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    for (const d of [...dirs].sort()) {
      const st = await fs.stat(path.join(opts.contextDir, d)).catch(() => undefined);
      yield* headers({
        name: `${d}/`,
        mode: st?.mode ?? 0o755,
        size: 0,
        mtime: (st?.mtimeMs ?? Date.now()) / 1000,
        type: '5',
      });
    }
    for (const e of opts.entries) {
      let st: Stats;
      try {
        st = await fs.lstat(e.abs);
      } catch (err) {
        throw unreadable(e.abs, { service: opts.service, role: 'build context file' }, err);
      }
      const mtime = st.mtimeMs / 1000;
      if (st.isSymbolicLink()) {
        yield* headers({ name: e.rel, mode: st.mode, size: 0, mtime, type: '2', linkname: await fs.readlink(e.abs) });
      } else if (st.isFIFO()) {
        yield* headers({ name: e.rel, mode: st.mode, size: 0, mtime, type: '6' });
      } else if (st.isFile()) {
        yield* headers({ name: e.rel, mode: st.mode, size: st.size, mtime, type: '0' });
        yield* fileBytes(e.abs, st.size, opts.service);
        yield pad(st.size);
      }
    }
    for (const f of opts.extra) {
      const body = Buffer.isBuffer(f.body) ? f.body : Buffer.from(f.body, 'utf8');
      yield* headers({ name: f.rel, mode: 0o644, size: body.length, mtime: Date.now() / 1000, type: '0' });
      yield body;
      yield pad(body.length);
    }
    yield Buffer.alloc(BLOCK * 2);
  }
  return Readable.from(generate(), { objectMode: false });
}
