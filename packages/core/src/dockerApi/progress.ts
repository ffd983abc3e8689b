// A docker-modem progress stream (build, push, load, pull: one JSON message per line) awaited:
// the messages, or the first errorDetail as an EngineProgressError.

/** The engine reported an error inside a progress stream (a failed RUN step, a refused push). */
export class EngineProgressError extends Error {
  constructor(
    message: string,
    /** The text output up to the error (build steps), for verbose detail. */
    readonly lines: string[],
    readonly errorDetail: { code?: number; message?: string },
  ) {
    super(message);
    this.name = 'EngineProgressError';
  }
}

interface ProgressMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

// Resolves with every JSON message once the stream ends; onLine gets each line of text
// (build output, `<id>: <status>` of pulls and pushes, without progress-bar updates).
// onMessage sees every message as it arrives (BuildKit's status travels in `aux`).
export function followProgress(
  stream: NodeJS.ReadableStream,
  onLine?: (text: string) => void,
  onMessage?: (message: object) => void,
): Promise<object[]> {
  return new Promise((resolve, reject) => {
    const messages: object[] = [];
    const lines: string[] = [];
    let buf = '';
    let text = '';
    let settled = false;
    const emit = (line: string) => {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      onLine?.(line);
    };
    const take = (m: ProgressMessage) => {
      messages.push(m);
      onMessage?.(m);
      if (m.errorDetail || m.error) {
        settled = true;
        if (text) emit(text), (text = '');
        reject(
          new EngineProgressError(
            m.errorDetail?.message || m.error || 'the engine reported an error',
            [...lines],
            m.errorDetail ?? { message: m.error },
          ),
        );
        return;
      }
      if (typeof m.stream === 'string') {
        text += m.stream;
        let i;
        while ((i = text.indexOf('\n')) >= 0) emit(text.slice(0, i).replace(/\r$/, '')), (text = text.slice(i + 1));
      } else if (typeof m.status === 'string' && !m.progress) {
        emit(m.id ? `${m.id}: ${m.status}` : m.status);
      }
    };
    const handle = (line: string) => {
      let m: ProgressMessage;
      try {
        m = JSON.parse(line) as ProgressMessage;
      } catch {
        return emit(line);
      }
      take(m);
    };
    stream.on('data', (chunk: Buffer | string) => {
      if (settled) return;
      buf += chunk.toString();
      let i;
      while (!settled && (i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) handle(line);
      }
    });
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    stream.on('error', fail);
    stream.on('end', () => {
      if (settled) return;
      if (buf.trim()) handle(buf.trim());
      if (settled) return;
      if (text) emit(text);
      settled = true;
      resolve(messages);
    });
    // Destroyed without an end: the connection to the engine broke mid-stream.
    stream.on('close', () =>
      fail(Object.assign(new Error('the engine closed the progress stream before it ended'), { code: 'ECONNRESET' })),
    );
  });
}
