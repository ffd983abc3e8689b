// The original pctl's bare-function style: reads process.argv, filters its services,
// and keeps its own state file. pctl still runs it unchanged.
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';

export default async function legacyProvider(parsed) {
  const cmd = process.argv.includes('deploy') ? 'deploy' : process.argv.includes('destroy') ? 'destroy' : null;
  if (!cmd) return;
  const services = Object.entries(parsed.services).filter(([, s]) => s.provider.name === 'legacy');
  const stFile = `pctl.${parsed.name}.json`;
  let st = {};
  try {
    st = JSON.parse(readFileSync(stFile, 'utf-8'));
  } catch {
    st = {};
  }
  for (const [name, service] of services) {
    const key = `${parsed.name}-${name}`;
    const out = service.provider.options.dir ?? 'legacy-out';
    if (cmd === 'deploy') {
      mkdirSync(out, { recursive: true });
      writeFileSync(`${out}/${key}.txt`, service.image);
      st[key] = {
        provider: 'legacy',
        image: service.image,
        labels: { 'managed-by': 'pctl', 'pctl-stack': parsed.name, 'pctl-service': key },
      };
    } else {
      rmSync(`${out}/${key}.txt`, { force: true });
      if (st[key]) st[key].destroyed = true;
    }
  }
  writeFileSync(stFile, JSON.stringify(st, null, 2));
}
