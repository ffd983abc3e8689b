// BuildKit's status stream as pctl's progress lines: one line when a step starts (as the
// docker CLI's plain progress numbers them, `#3 [2/3] RUN make`), a step's own output and
// its DONE/CACHED line as log lines (shown with -v), and what a failed step printed last.
import type { StatusResponse } from './trace.js';

export type LineKind = 'step' | 'log';

interface StepState {
  n: number;
  name: string;
  started: boolean;
  done: boolean;
  partial: string;
  tail: string[];
  error: string;
}

const TAIL = 40;

export class BuildKitStatus {
  private readonly steps = new Map<string, StepState>();
  constructor(private readonly emit: (line: string, kind: LineKind) => void) {}

  private step(digest: string, name = ''): StepState {
    let s = this.steps.get(digest);
    if (!s)
      this.steps.set(
        digest,
        (s = { n: this.steps.size + 1, name, started: false, done: false, partial: '', tail: [], error: '' }),
      );
    if (name) s.name = name;
    return s;
  }

  private logLine(s: StepState, text: string) {
    const line = text.replace(/\r$/, '').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    s.tail.push(line);
    if (s.tail.length > TAIL) s.tail.shift();
    this.emit(`#${s.n} ${line}`, 'log');
  }

  // Takes one decoded status message.
  add(status: StatusResponse): void {
    for (const v of status.vertexes) {
      const s = this.step(v.digest, v.name);
      if (!s.started && (v.started !== undefined || v.cached || v.completed !== undefined)) {
        s.started = true;
        this.emit(`#${s.n} ${s.name}${v.cached ? ' CACHED' : ''}`, 'step');
      }
      if (s.done) continue;
      if (v.error) {
        s.done = true;
        s.error = v.error;
        this.flushPartial(s);
        this.emit(`#${s.n} ERROR: ${v.error}`, 'step');
      } else if (v.completed !== undefined) {
        s.done = true;
        this.flushPartial(s);
        if (!v.cached)
          this.emit(
            `#${s.n} DONE ${v.started !== undefined ? ((v.completed - v.started) / 1000).toFixed(1) : '0.0'}s`,
            'log',
          );
      }
    }
    for (const st of status.statuses) {
      if (st.completed === undefined || !st.name) continue;
      const s = this.step(st.vertex);
      this.emit(`#${s.n} ${st.name}${st.total ? ` ${st.current}/${st.total}` : ''} done`, 'log');
    }
    for (const log of status.logs) {
      const s = this.step(log.vertex);
      const text = s.partial + log.data.toString('utf8');
      const lines = text.split('\n');
      s.partial = lines.pop() ?? '';
      for (const l of lines) this.logLine(s, l);
    }
    for (const w of status.warnings) {
      const s = this.step(w.vertex);
      this.emit(`#${s.n} WARNING: ${w.short}`, 'step');
    }
  }

  private flushPartial(s: StepState) {
    if (s.partial) this.logLine(s, s.partial);
    s.partial = '';
  }

  // The step that failed (its name and last output lines), if one did.
  failedStep(): { name: string; lines: string[] } | undefined {
    for (const s of this.steps.values()) {
      if (!s.error) continue;
      this.flushPartial(s);
      return { name: `#${s.n} ${s.name}`, lines: [...s.tail] };
    }
    return undefined;
  }
}
