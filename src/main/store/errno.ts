/** The `code` of a Node system error (`ENOENT`, `EEXIST`, ...): how filesystem failures are told apart. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}
