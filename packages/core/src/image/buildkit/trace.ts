// BuildKit's build status as the engine streams it with `version=2`: JSON messages whose
// `aux` (id "moby.buildkit.trace") is a base64 StatusResponse of moby/buildkit's
// api/services/control/control.proto, decoded here into plain objects.
import { Message } from './protobuf.js';

export interface Vertex {
  digest: string;
  inputs: string[];
  name: string;
  cached: boolean;
  /** Milliseconds since the epoch, when set. */
  started?: number;
  completed?: number;
  error: string;
}

export interface VertexStatus {
  id: string;
  vertex: string;
  name: string;
  current: number;
  total: number;
  completed?: number;
}

export interface VertexLog {
  vertex: string;
  /** 1 stdout, 2 stderr. */
  stream: number;
  data: Buffer;
}

export interface VertexWarning {
  vertex: string;
  level: number;
  short: string;
  detail: string[];
  url: string;
}

export interface StatusResponse {
  vertexes: Vertex[];
  statuses: VertexStatus[];
  logs: VertexLog[];
  warnings: VertexWarning[];
}

// google.protobuf.Timestamp (seconds = 1, nanos = 2) as epoch milliseconds.
function timestamp(m: Message | undefined): number | undefined {
  if (!m) return undefined;
  return m.number(1) * 1000 + Math.floor(m.number(2) / 1e6);
}

// Decodes one StatusResponse (the bytes of the base64 `aux`).
export function decodeStatus(buf: Buffer): StatusResponse {
  const m = new Message(buf);
  return {
    vertexes: m.all(1).map((b) => {
      const v = new Message(b);
      return {
        digest: v.string(1),
        inputs: v.all(2).map((s) => s.toString('utf8')),
        name: v.string(3),
        cached: v.bool(4),
        started: timestamp(v.message(5)),
        completed: timestamp(v.message(6)),
        error: v.string(7),
      };
    }),
    statuses: m.all(2).map((b) => {
      const s = new Message(b);
      return {
        id: s.string(1),
        vertex: s.string(2),
        name: s.string(3),
        current: s.number(4),
        total: s.number(5),
        completed: timestamp(s.message(8)),
      };
    }),
    logs: m.all(3).map((b) => {
      const l = new Message(b);
      return { vertex: l.string(1), stream: l.number(3), data: l.bytes(4) ?? Buffer.alloc(0) };
    }),
    warnings: m.all(4).map((b) => {
      const w = new Message(b);
      return {
        vertex: w.string(1),
        level: w.number(2),
        short: w.string(3),
        detail: w.all(4).map((d) => d.toString('utf8')),
        url: w.string(5),
      };
    }),
  };
}

// The StatusResponse in an engine message, or undefined for any other message.
export function traceOf(message: { id?: unknown; aux?: unknown }): StatusResponse | undefined {
  if (message.id !== 'moby.buildkit.trace' || typeof message.aux !== 'string') return undefined;
  return decodeStatus(Buffer.from(message.aux, 'base64'));
}
