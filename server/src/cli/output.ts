// Where the CLI writes, and whether it may colour or animate it.

export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

export function processOutput(): Output {
  return {
    stdout: (text) => {
      if (text !== '') process.stdout.write(text);
    },
    stderr: (text) => {
      if (text !== '') process.stderr.write(text);
    },
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

/** Colour on a terminal, unless NO_COLOR is set to anything non-empty (no-color.org) or TERM is dumb. */
export function colorEnabled(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}
