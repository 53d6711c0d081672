// How kube-apiserver reads its admission flags from an argv (groundwork for the rule
// `deny-external-ips-admission`, issue 14 section 2). kube-apiserver parses flags with spf13/pflag:
// `--enable-admission-plugins` and `--disable-admission-plugins` are StringSlice flags, so
//   - a flag is written `--name=value` or `--name value` (the next argument, whatever it looks like);
//   - each value is read as one CSV record (encoding/csv, no space trimming: `A, B` names " B"), and an
//     empty value is an empty list;
//   - a repeated flag appends to the list of the first (pflag's stringSliceValue.Set);
//   - `--` ends the flags.

export const ENABLE_ADMISSION_PLUGINS = 'enable-admission-plugins';
export const DISABLE_ADMISSION_PLUGINS = 'disable-admission-plugins';

/** One occurrence of a flag in the argv: where its value is, and the plugins it names. */
export interface AdmissionFlagUse {
  flag: typeof ENABLE_ADMISSION_PLUGINS | typeof DISABLE_ADMISSION_PLUGINS;
  /** Index of the argument holding the flag's name. */
  nameIndex: number;
  /** Index of the argument holding its value (nameIndex for `--name=value`); undefined when the value is missing. */
  valueIndex?: number;
  /** `=` when written `--name=value`, `next` when the value is the next argument. */
  form: '=' | 'next';
  plugins: string[];
  /** The value is not one CSV record (an unclosed quote): kube-apiserver refuses to start. */
  malformed: boolean;
}

export interface AdmissionFlags {
  uses: AdmissionFlagUse[];
  enabled: string[];
  disabled: string[];
}

const FLAGS: readonly AdmissionFlagUse['flag'][] = [ENABLE_ADMISSION_PLUGINS, DISABLE_ADMISSION_PLUGINS];

/** The admission flags of the arguments after the program name. */
export function admissionFlags(args: readonly string[]): AdmissionFlags {
  const result: AdmissionFlags = { uses: [], enabled: [], disabled: [] };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals === -1 ? undefined : equals);
    const flag = FLAGS.find((candidate) => candidate === name);
    if (flag === undefined) {
      // Another flag written `--name value` takes the next argument with it; which flags take values is
      // kube-apiserver's to know, and a value never starts with `--` in practice, so nothing is skipped here.
      continue;
    }
    const valueIndex = equals !== -1 ? index : index + 1 < args.length ? index + 1 : undefined;
    const value = equals !== -1 ? arg.slice(equals + 1) : valueIndex !== undefined ? args[valueIndex] : undefined;
    const record = value === undefined ? { fields: [], malformed: true } : readCsvRecord(value);
    const use: AdmissionFlagUse = { flag, nameIndex: index, form: equals !== -1 ? '=' : 'next', plugins: record.fields, malformed: record.malformed };
    if (valueIndex !== undefined) use.valueIndex = valueIndex;
    result.uses.push(use);
    (flag === ENABLE_ADMISSION_PLUGINS ? result.enabled : result.disabled).push(...record.fields);
    if (equals === -1) index++;
  }
  return result;
}

/** Whether the flag `--name` is set (`--name` or `--name=value`) before `--` ends the flags. */
export function hasFlag(args: readonly string[], name: string): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === `--${name}` || arg.startsWith(`--${name}=`)) return true;
  }
  return false;
}

/** One record as Go's encoding/csv reads it (default settings): `"` quotes a field, `""` inside is a quote. */
export function readCsvRecord(value: string): { fields: string[]; malformed: boolean } {
  if (value === '') return { fields: [], malformed: false };
  const fields: string[] = [];
  let index = 0;
  for (;;) {
    let field = '';
    if (value[index] === '"') {
      index++;
      for (;;) {
        if (index >= value.length) return { fields, malformed: true };
        if (value[index] === '"') {
          if (value[index + 1] === '"') {
            field += '"';
            index += 2;
            continue;
          }
          index++;
          break;
        }
        field += value[index++];
      }
      if (index < value.length && value[index] !== ',') return { fields, malformed: true };
    } else {
      const comma = value.indexOf(',', index);
      field = value.slice(index, comma === -1 ? undefined : comma);
      // A bare quote inside an unquoted field is an error for encoding/csv (LazyQuotes is off).
      if (field.includes('"')) return { fields, malformed: true };
      index = comma === -1 ? value.length : comma;
    }
    fields.push(field);
    if (index >= value.length) return { fields, malformed: false };
    index++; // the comma
    if (index === value.length) {
      fields.push('');
      return { fields, malformed: false };
    }
  }
}

/** Writes fields as one CSV record that readCsvRecord (and encoding/csv) reads back as the same fields. */
export function writeCsvRecord(fields: readonly string[]): string {
  // A lone empty field must be quoted: an empty value is an empty list.
  const needsQuotes = (field: string) => /[",\r\n]/.test(field) || (field === '' && fields.length === 1);
  return fields.map((field) => (needsQuotes(field) ? `"${field.replace(/"/g, '""')}"` : field)).join(',');
}
