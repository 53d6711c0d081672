// Hang guards measure this process's CPU time, not the wall clock: on a machine shared with other work
// (CI runners, parallel test files) the wall clock of a linear pass can grow several times over, while
// the CPU time it needs does not, and a quadratic slip still blows any bound by orders of magnitude.

/** A stopwatch of the process's CPU time (user + system, every thread), in milliseconds. */
export function cpuStopwatch(): () => number {
  const start = process.cpuUsage();
  return () => {
    const { user, system } = process.cpuUsage(start);
    return Math.round((user + system) / 1000);
  };
}
