// The engine's event stream (GET /events), filtered by one service's labels (with the
// stack's: another stack's containers never wake us), read as a queue of parsed events.
import type { Api } from './api.js';
import { stackFilters } from './containers.js';

/** One container event as the engine sends it. */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  timeNano?: number;
  time?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** A subscription: the next event (or undefined after `ms`), and its end. */
export interface EventWatch {
  next(ms: number): Promise<EngineEvent | undefined>;
  /** Set once the stream ended (the engine stopped or the connection broke). */
  ended(): boolean;
  close(): void;
}

// Subscribes to the container events of one service; call before its containers start,
// so none of their starts, deaths or health changes is missed.
export async function watchService(api: Api, stack: string, key: string): Promise<EventWatch> {
  const filters = JSON.stringify({ type: ['container'], label: stackFilters(stack, key) });
  const stream = (await api.call(`GET /events?filters=${filters}`, 'watching container events', (d) =>
    d.getEvents({ filters }),
  )) as NodeJS.ReadableStream & { destroy?: () => void };
  const queue: EngineEvent[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let partial = '';
  stream.on('data', (chunk: Buffer | string) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter((l) => l.trim())) {
      try {
        queue.push(JSON.parse(line) as EngineEvent);
      } catch {
        // A line that is not JSON is not an event.
      }
    }
    wake?.();
  });
  const end = () => {
    done = true;
    wake?.();
  };
  stream.on('end', end);
  stream.on('close', end);
  stream.on('error', end);
  return {
    ended: () => done && !queue.length,
    close: () => stream.destroy?.(),
    async next(ms) {
      if (!queue.length && !done) {
        await new Promise<void>((res) => {
          const t = setTimeout(res, ms);
          wake = () => {
            clearTimeout(t);
            res();
          };
        });
        wake = undefined;
      }
      return queue.shift();
    },
  };
}

// The event's action without its detail (`health_status: healthy` -> `health_status`).
export function actionOf(e: EngineEvent): { action: string; detail: string } {
  const a = e.Action ?? e.status ?? '';
  const i = a.indexOf(':');
  return i < 0 ? { action: a, detail: '' } : { action: a.slice(0, i), detail: a.slice(i + 1).trim() };
}
