// Typed progress events (defined in @pctl/provider-kit, which providers build on).
export { createMemoryReporter, type Level, type ReportEvent, type Reporter } from '@pctl/provider-kit';
