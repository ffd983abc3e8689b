// The cycles of an import graph, the allowlist of known ones, and the whole check (used by check-cycles.mjs).
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { importGraph } from './importGraph.mjs';

// Strongly connected components with more than one file (Tarjan, iterative so deep graphs do not overflow).
export function stronglyConnected(graph) {
  let index = 0;
  const indexOf = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  for (const start of graph.keys()) {
    if (indexOf.has(start)) continue;
    const work = [[start, 0]];
    indexOf.set(start, index);
    low.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const [node, i] = frame;
      const next = graph.get(node) ?? [];
      if (i < next.length) {
        frame[1]++;
        const to = next[i];
        if (!indexOf.has(to)) {
          indexOf.set(to, index);
          low.set(to, index++);
          stack.push(to);
          onStack.add(to);
          work.push([to, 0]);
        } else if (onStack.has(to)) {
          low.set(node, Math.min(low.get(node), indexOf.get(to)));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === indexOf.get(node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1) components.push(component.sort());
      }
    }
  }
  return components.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

// Every elementary cycle, each written from its smallest file: ['a.ts', 'b.ts'] means a.ts -> b.ts -> a.ts.
// A tangle with more cycles than `limit` (or too many paths to walk) is reported in part, with `truncated`.
export function findCycles(graph, limit = 200, budget = 1_000_000) {
  const cycles = [];
  let truncated = false;
  for (const component of stronglyConnected(graph)) {
    const members = new Set(component);
    let found = 0;
    // Johnson-style: cycles through `start` that use only members after it, so each cycle is found once.
    for (let s = 0; s < component.length && found < limit; s++) {
      const start = component[s];
      const allowed = new Set(component.slice(s));
      const path = [start];
      const onPath = new Set([start]);
      const work = [[start, 0]];
      while (work.length && found < limit) {
        if (--budget < 0) {
          truncated = true;
          break;
        }
        const frame = work[work.length - 1];
        const [node, i] = frame;
        const next = (graph.get(node) ?? []).filter((t) => members.has(t) && allowed.has(t));
        if (i >= next.length) {
          work.pop();
          onPath.delete(path.pop());
          continue;
        }
        frame[1]++;
        const to = next[i];
        if (to === start) {
          cycles.push([...path]);
          found++;
        } else if (!onPath.has(to)) {
          path.push(to);
          onPath.add(to);
          work.push([to, 0]);
        }
      }
    }
    if (found >= limit) truncated = true;
  }
  return { cycles: cycles.map(formatCycle).sort(), truncated };
}

// 'a.ts -> b.ts -> a.ts': one line per cycle, the form scripts/cycles-allowed.txt holds.
export function formatCycle(files) {
  return [...files, files[0]].join(' -> ');
}

// The allowlist's cycles, one per line; '#' starts a comment.
export function readAllowed(text) {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

// What the check reports: cycles not allowed (new) and allowed cycles that are gone (stale allowlist lines).
export function judge(cycles, allowed) {
  const present = new Set(cycles);
  const allowedSet = new Set(allowed);
  return {
    unexpected: cycles.filter((c) => !allowedSet.has(c)),
    stale: allowed.filter((c) => !present.has(c)),
  };
}

// The whole check: the lines to print and whether it failed (a cycle not allowed, an allowed one gone, a tangle too big).
export function checkCycles(root, allowedFile = join(root, 'scripts', 'cycles-allowed.txt')) {
  const graph = importGraph(root, ['packages', 'providers', 'test']);
  const { cycles, truncated } = findCycles(graph);
  const allowed = existsSync(allowedFile) ? readAllowed(readFileSync(allowedFile, 'utf8')) : [];
  const { unexpected, stale } = judge(cycles, allowed);
  const lines = [
    ...cycles.map((c) => `${unexpected.includes(c) ? 'cycle' : 'cycle (allowed)'}: ${c}`),
    ...stale.map((c) => `gone: ${c} (remove it from ${allowedFile})`),
  ];
  if (truncated) lines.push('some tangles have more cycles than were listed; untangle those first');
  const failed = unexpected.length > 0 || stale.length > 0 || truncated;
  lines.push(
    `${graph.size} files, ${cycles.length} import cycles (${cycles.length - unexpected.length} allowed), ${stale.length} allowed cycles gone: ${failed ? 'FAIL' : 'ok'}`,
  );
  return { lines, failed };
}
