// Typed progress events: the human renderer and `--json` are two views of them. Codes and
// payloads come from the registry in events.ts; `emit` accepts only its codes (or a
// provider's own `x-` code), so an unknown code fails to compile.
import {
  Events,
  isCustomEventCode,
  isEventCode,
  type CustomEventCode,
  type EventCode,
  type EventCodeAt,
  type EventPayloads,
  type Level,
} from './events.js';

export type { Level } from './events.js';

/** One progress event of a registered code, its payload typed by the code. */
export type CodedEvent<C extends EventCode = EventCode> = {
  [K in C]: {
    level: Level;
    code: K;
    text: string;
    /** Service key (`<stack>-<service>`) or image name the event is about. */
    subject?: string;
    data?: EventPayloads[K];
  };
}[C];

/** A provider's own event (`x-<name>`), any payload. */
export interface CustomEvent {
  level: Level;
  code: CustomEventCode;
  text: string;
  subject?: string;
  data?: Record<string, unknown>;
}

export type ReportEvent = CodedEvent | CustomEvent;

export interface Reporter {
  emit(event: ReportEvent): void;
  info<C extends EventCodeAt<'info'> | CustomEventCode = 'Info'>(
    text: string,
    subject?: string,
    code?: C,
    data?: C extends EventCode ? EventPayloads[C] : Record<string, unknown>,
  ): void;
  warn(text: string, subject?: string, code?: EventCodeAt<'warn'> | CustomEventCode): void;
  debug(text: string, subject?: string): void;
}

const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error', 'result'];
const DEFAULT_CODE: Record<Level, EventCode> = {
  debug: Events.Debug,
  info: Events.Info,
  warn: Events.Warning,
  error: Events.Error,
  result: Events.Info,
};

// A value that is no string as text: an object as JSON, never "[object Object]".
function shown(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'object') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

// An event as it may come from a provider's JavaScript, made one pctl can render: a known
// level (else info), a registered or `x-` code (else its level's default code), text and
// subject as strings, data only when it is a plain object.
export function normalizeEvent(e: unknown): ReportEvent {
  const o = (typeof e === 'object' && e !== null ? e : { text: e }) as Record<string, unknown>;
  const level = (LEVELS.includes(o.level as string) ? o.level : 'info') as Level;
  const code = isEventCode(o.code) || isCustomEventCode(o.code) ? o.code : DEFAULT_CODE[level];
  const text = typeof o.text === 'string' ? o.text : shown(o.text);
  const subject = o.subject === undefined || o.subject === null ? undefined : String(o.subject);
  const data =
    typeof o.data === 'object' && o.data !== null && !Array.isArray(o.data)
      ? (o.data as Record<string, unknown>)
      : undefined;
  return { level, code, text, ...(subject !== undefined ? { subject } : {}), ...(data ? { data } : {}) } as ReportEvent;
}

// The Reporter methods over one emit function (every event passes normalizeEvent first).
export function reporterOver(emit: (e: ReportEvent) => void): Reporter {
  const send = (e: unknown) => emit(normalizeEvent(e));
  return {
    emit: send,
    info: (text, subject, code, data) => send({ level: 'info', code: code ?? Events.Info, text, subject, data }),
    warn: (text, subject, code) => send({ level: 'warn', code: code ?? Events.Warning, text, subject }),
    debug: (text, subject) => send({ level: 'debug', code: Events.Debug, text, subject }),
  };
}

// A reporter that keeps events in memory: used by tests and by `--json`.
export function createMemoryReporter(sink: ReportEvent[] = []): Reporter & { events: ReportEvent[] } {
  return { events: sink, ...reporterOver((e) => void sink.push(e)) };
}
