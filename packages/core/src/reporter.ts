// Typed progress events and their code registry (defined in @pctl/provider-kit, which providers build on).
export {
  createMemoryReporter,
  type CustomEventCode,
  EVENT_CODES,
  type EventCode,
  type EventPayloads,
  Events,
  type EventSpec,
  finishesSubject,
  isCustomEventCode,
  isEventCode,
  type Level,
  normalizeEvent,
  type ReportEvent,
  type Reporter,
  reporterOver,
} from '@pctl/provider-kit';
