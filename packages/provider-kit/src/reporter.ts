// Typed progress events: the human renderer and `--json` are two views of them.
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'result';

export interface ReportEvent {
  level: Level;
  /** Stable event code, e.g. `ServiceUnchanged`, `ServiceDeployed`, `BuildLine`. */
  code: string;
  text: string;
  /** Service key (`<stack>-<service>`) or image name the event is about. */
  subject?: string;
  data?: Record<string, unknown>;
}

export interface Reporter {
  emit(event: ReportEvent): void;
  info(text: string, subject?: string, code?: string, data?: Record<string, unknown>): void;
  warn(text: string, subject?: string, code?: string): void;
  debug(text: string, subject?: string): void;
}

// A reporter that keeps events in memory: used by tests and by `--json`.
export function createMemoryReporter(sink: ReportEvent[] = []): Reporter & { events: ReportEvent[] } {
  const emit = (e: ReportEvent) => {
    sink.push(e);
  };
  return {
    events: sink,
    emit,
    info: (text, subject, code = 'Info', data) => emit({ level: 'info', code, text, subject, data }),
    warn: (text, subject, code = 'Warning') => emit({ level: 'warn', code, text, subject }),
    debug: (text, subject) => emit({ level: 'debug', code: 'Debug', text, subject }),
  };
}
