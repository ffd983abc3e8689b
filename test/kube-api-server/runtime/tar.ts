// A minimal ustar writer: regular files and directories, enough to put a pod's volume files or a tiny image into the engine.

export interface TarEntry {
  path: string;
  /** Omitted for a directory. */
  data?: Buffer;
  mode?: number;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(path: string, size: number, mode: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(path) > 100) throw new Error(`tar: path too long: ${path}`);
  h.write(path, 0);
  h.write(octal(mode, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(Math.floor(Date.now() / 1000), 12), 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** A tar archive of the entries, in order. */
export function tarOf(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.data === undefined) {
      parts.push(header(e.path.endsWith('/') ? e.path : `${e.path}/`, 0, e.mode ?? 0o755, '5'));
      continue;
    }
    parts.push(header(e.path, e.data.length, e.mode ?? 0o644, '0'), e.data);
    const pad = (512 - (e.data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
