// Tools some tests drive that Node does not bring (pre-commit, jq). A developer without them gets a skip
// that says how to install them; CI (.ci/run installs them and sets KUBE_MITM_GUARD_REQUIRE_CI_TOOLS=1)
// fails instead, so a missing tool can never turn those tests into silent skips there.
import { spawnSync } from 'node:child_process';

export const REQUIRE_CI_TOOLS_ENV = 'KUBE_MITM_GUARD_REQUIRE_CI_TOOLS';

function installed(command: string): boolean {
  const probe = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** `false` when `command` runs; else a skip reason, or (in CI) an error thrown at load time. */
export function skipUnlessInstalled(command: string, howToInstall: string): string | false {
  if (installed(command)) return false;
  const reason = `${command} is not installed (${howToInstall})`;
  if (process.env[REQUIRE_CI_TOOLS_ENV] === '1') throw new Error(`${reason}; ${REQUIRE_CI_TOOLS_ENV}=1 requires it`);
  return `${reason}: skipped`;
}
