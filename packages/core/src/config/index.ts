// Config loading: see load.ts (filled in by the config work).
export {};
