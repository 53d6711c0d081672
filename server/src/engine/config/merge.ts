// Merging the sources of settings into the effective settings.
import { DEFAULT_SETTINGS, GuardSettings } from './model';

function unite(first: readonly string[] | undefined, second: readonly string[] | undefined): string[] {
  return [...new Set([...(first ?? []), ...(second ?? [])])];
}

export function mergeSettings(
  fromEditor: Partial<GuardSettings>,
  fromFile: Partial<GuardSettings> | undefined,
): GuardSettings {
  const file = fromFile ?? {};
  return {
    // Both allowlists apply: the project can widen what a user allows and vice versa, never narrow it.
    allowedExternalIPCidrs: unite(fromEditor.allowedExternalIPCidrs, file.allowedExternalIPCidrs),
    // The project's policy is shared, so it wins over one user's preferences.
    rules: { ...fromEditor.rules, ...file.rules },
    scope: file.scope ?? fromEditor.scope ?? DEFAULT_SETTINGS.scope,
    exclude: unite(fromEditor.exclude, file.exclude),
    maxFileSizeKB: file.maxFileSizeKB ?? fromEditor.maxFileSizeKB ?? DEFAULT_SETTINGS.maxFileSizeKB,
    // Like the allowlist: either side can trust a writer, neither can take the other's trust back.
    statusWriters: unite(fromEditor.statusWriters, file.statusWriters),
  };
}

