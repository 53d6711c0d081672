// A small, strict command-line parser: long options with `--name value` or `--name=value`, boolean
// flags, repeatable options, `--` to end options and `-` as a path. Anything unknown is a usage error
// (exit 2) rather than silently ignored, so a typo in CI cannot turn a check into a no-op.

/** A problem with how the tool was called or configured: exit code 2 with a one-line message. */
export class UsageError extends Error {}

export interface OptionSpec {
  /** Takes a value (`--name value`); otherwise a boolean flag. */
  value?: boolean;
  /** May be given more than once; values are collected in order. */
  repeatable?: boolean;
  /** A one-letter alias, e.g. `h` for `-h`. */
  short?: string;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
}

export function parseArgs(argv: readonly string[], specs: Record<string, OptionSpec>, command: string): ParsedArgs {
  const result: ParsedArgs = { positionals: [], flags: new Set(), values: new Map() };
  const shortNames = new Map(Object.entries(specs).filter(([, spec]) => spec.short).map(([name, spec]) => [spec.short!, name]));
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (optionsEnded || arg === '-' || !arg.startsWith('-')) {
      result.positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    let name: string;
    let inlineValue: string | undefined;
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
      inlineValue = equals === -1 ? undefined : arg.slice(equals + 1);
    } else {
      const long = arg.length === 2 ? shortNames.get(arg[1]) : undefined;
      if (long === undefined) throw new UsageError(`unknown option ${arg} (see kube-mitm-guard ${command} --help)`);
      name = long;
    }
    const spec = specs[name];
    if (spec === undefined) throw new UsageError(`unknown option --${name} (see kube-mitm-guard ${command} --help)`);
    if (!spec.value) {
      if (inlineValue !== undefined) throw new UsageError(`option --${name} takes no value`);
      result.flags.add(name);
      continue;
    }
    let value = inlineValue;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`option --${name} needs a value`);
      value = argv[++i];
    }
    const values = result.values.get(name) ?? [];
    if (values.length > 0 && !spec.repeatable) throw new UsageError(`option --${name} is given more than once`);
    values.push(value);
    result.values.set(name, values);
  }
  return result;
}

export function single(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.[0];
}

export function all(args: ParsedArgs, name: string): string[] {
  return args.values.get(name) ?? [];
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${option} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** A flag's text as a whole number of at least 1 (surrounding white space allowed), or undefined. */
export function wholeNumberOf(text: string): number | undefined {
  const number = Number(text);
  return /^\s*\d+\s*$/.test(text) && Number.isSafeInteger(number) && number >= 1 ? number : undefined;
}

/** A whole number of at least 1 (sizes in kilobytes or megabytes), or a usage error naming the option. */
export function positiveWholeNumber(value: string, option: string, unit: string): number {
  const number = wholeNumberOf(value);
  if (number === undefined) throw new UsageError(`--${option} ${JSON.stringify(value)}: must be a whole number of ${unit} of at least 1`);
  return number;
}
