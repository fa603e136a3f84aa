/**
 * Paths in error hints are printed as commands a person can paste ("chmod 700 PATH"); a path with a space or
 * a quote in it must still make a working command, so it is quoted for a POSIX shell when it needs to be.
 */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
