// Loaded with `node --import` into the pctl process the bench times. At exit it writes to
// $PCTL_BENCH_CPU the CPU time of this process (user, sys: µs) and of the children it
// waited for (the docker CLI and the rest: clock ticks, /proc/self/stat's cutime, cstime),
// and its peak resident set (KiB).
import { readFileSync, writeFileSync } from 'node:fs';

const out = process.env.PCTL_BENCH_CPU;
if (out) {
  process.on('exit', () => {
    const own = process.resourceUsage();
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after "(comm) " start at field 3; cutime and cstime are fields 16 and 17.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const result = {
      userUs: own.userCPUTime,
      sysUs: own.systemCPUTime,
      childUserTicks: Number(f[13]),
      childSysTicks: Number(f[14]),
      maxRssKb: own.maxRSS,
    };
    writeFileSync(out, JSON.stringify(result));
  });
}
