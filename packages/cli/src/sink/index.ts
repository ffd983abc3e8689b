// The output sink: one interface, a renderer for people and one for --json, chosen once.
import { createHumanSink } from './human.js';
import { createJsonSink } from './json.js';
import type { OutputSink, SinkIo } from './types.js';

export type { ConfirmRequest, HumanResult, OutputSink, RendererOptions, SinkIo, StreamLine } from './types.js';
export { wantsJson } from './wantsJson.js';

// The sink for this run: JSON when --json was asked for, else the human renderer.
export function createSink(json: boolean, io: SinkIo): OutputSink {
  return json ? createJsonSink(io) : createHumanSink(io);
}
