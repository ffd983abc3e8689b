// Lines out of a byte stream (split at LF, each decoded whole, so a character is never cut
// in two), and the order of the RFC 3339 times Kubernetes stamps them with.

/** Calls `onLine` with each complete line (without its LF, or CR LF); `flush` hands over an unterminated last one. */
export function lineSplitter(onLine: (text: string) => void): { push(b: Buffer): void; flush(): void } {
  let rest: Buffer = Buffer.alloc(0);
  return {
    push(b) {
      let buf = rest.length ? Buffer.concat([rest, b]) : b;
      for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10)) {
        onLine(buf.subarray(0, i).toString('utf8').replace(/\r$/, ''));
        buf = buf.subarray(i + 1);
      }
      rest = Buffer.from(buf);
    },
    flush() {
      if (rest.length) onLine(rest.toString('utf8').replace(/\r$/, ''));
      rest = Buffer.alloc(0);
    },
  };
}

// `2026-12-07T00:16:27.123456789Z` as [seconds since the epoch, nanoseconds]; undefined when it is not such a time.
function instant(t: string): [number, number] | undefined {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(t);
  if (!m) return undefined;
  const s = Date.parse(`${m[1]}${m[3]}`);
  return Number.isNaN(s) ? undefined : [Math.floor(s / 1000), Number((m[2] ?? '').padEnd(9, '0').slice(0, 9))];
}

/** Whether RFC 3339 time `a` is after `b` (to the nanosecond); true when either cannot be read. */
export function newerThan(a: string, b: string): boolean {
  const x = instant(a);
  const y = instant(b);
  if (!x || !y) return true;
  return x[0] !== y[0] ? x[0] > y[0] : x[1] > y[1];
}
