/**
 * Text from outside (a provider's names, e-mails and error texts) made safe to print or log: control
 * characters (ESC starts terminal sequences: title changes, screen clearing, OSC 52 clipboard writes) and
 * format characters (bidirectional overrides that make text read differently than it is) are removed.
 * The zero-width joiner stays: emoji sequences in names need it and it drives no terminal.
 * Pure: used by main and renderer alike.
 */

const UNSAFE = /[\p{Cc}\p{Cf}]/gu;
const ZERO_WIDTH_JOINER = '\u200d';

/** One line of untrusted text: every control and format character (but the ZWJ) removed. */
export function stripControlAndFormat(text: string): string {
  return text.replace(UNSAFE, (char) => (char === ZERO_WIDTH_JOINER ? char : ''));
}

/** Output of our own that may embed untrusted text: keeps our line breaks and tabs, removes the rest. */
export function safeForTerminal(text: string): string {
  return text.replace(UNSAFE, (char) => (char === '\n' || char === '\t' || char === ZERO_WIDTH_JOINER ? char : ''));
}
