/**
 * What every `latchkey` command gets from the dispatcher (cli.ts): the parsed options, the positionals and the
 * output. Types only, plus nothing heavier than the terminal filter: the dispatcher imports this for every
 * command, --help included.
 */

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (`api` pretty-prints JSON there). */
  isTerminal?: boolean;
}

/** The options of the command line (cli.ts parses them; one table for every command). */
export interface CliValues {
  config?: string | undefined;
  provider?: string | undefined;
  account?: string | undefined;
  port?: string | undefined;
  json: boolean;
  forget: boolean;
  /** `login --device`: sign in on another device (RFC 8628). */
  device?: boolean | undefined;
  /** `login --no-browser`: print the link, read the pasted redirect address from stdin. */
  'no-browser'?: boolean | undefined;
  method?: string | undefined;
  field?: string[] | undefined;
  input?: string | undefined;
  include?: boolean | undefined;
  help: boolean;
}

export interface CommandContext {
  values: CliValues;
  /** The command itself first. */
  positionals: string[];
  /** Already terminal-safe: everything printed through it is filtered (cli.ts). */
  io: CliIo;
}
