// Preloaded (`node --require`) into a process the benchmark measures: at exit, writes the process's peak RSS
// (VmHWM, as parseFloor.mjs reads its own) to stderr as `KMG_PEAK_RSS_KB=<n>`, and its CPU time (user +
// system) as `KMG_CPU_MS=<n>`.
const fs = require('node:fs');

process.on('exit', () => {
  let kilobytes;
  try {
    kilobytes = Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
  } catch {
    kilobytes = process.resourceUsage().maxRSS;
  }
  const usage = process.resourceUsage();
  fs.writeSync(2, `\nKMG_PEAK_RSS_KB=${kilobytes}\nKMG_CPU_MS=${Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000)}\n`);
});
