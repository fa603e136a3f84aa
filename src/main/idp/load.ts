/**
 * Loads the demo provider's modules without oidc-provider's import-time notice about Node.js 20. Latchkey's
 * build machines run Node 20 and the demo provider is tested there; the notice would otherwise precede the
 * output of every CLI command that signs in or refreshes. Only that one notice is filtered, only while the
 * module loads.
 */
const RUNTIME_NOTICE = 'oidc-provider WARNING: Unsupported runtime';

export async function importWithoutRuntimeNotice<T>(load: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith(RUNTIME_NOTICE)) return;
    warn(...args);
  };
  try {
    return await load();
  } finally {
    console.warn = warn;
  }
}
