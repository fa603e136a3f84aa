/**
 * Reading a submitted form. Password fields are uncontrolled inputs read once at submit and then cleared: a
 * controlled input would mirror the password into component state on every keystroke, and React may copy a
 * controlled value into the `value` attribute, where it would sit in the DOM.
 */

/** The text of the named field (trimmed unless it is a password), or '' when absent. */
export function field(form: HTMLFormElement, name: string, options: { trim?: boolean } = {}): string {
  const value = new FormData(form).get(name);
  if (typeof value !== 'string') return '';
  return options.trim === false ? value : value.trim();
}

/** Empties every password field of the form. */
export function clearPasswords(form: HTMLFormElement): void {
  for (const input of Array.from(form.querySelectorAll('input[type="password"]'))) (input as HTMLInputElement).value = '';
}
