/**
 * The one way code changes config.yaml: edits applied to the parsed YAML Document rather than to a plain
 * object that is dumped back. Editing the Document is what keeps the person's comments, blank lines and
 * ordering; only the values that actually change are touched.
 */
import { isAlias, isMap, isScalar, isSeq, YAMLMap, type Document, type Node as YamlNode, type Pair } from 'yaml';
import { AuthError } from '../../shared/errors';
import {
  accountKeySchema,
  accountRecordSchema,
  isHashedPassword,
  isSecretLikeKey,
  quoteValue,
  type AccountRecord,
  type AccountRecordInput,
  type LatchkeyConfig,
} from './schema';

/** What `ConfigStore.update()` hands to its mutation. */
export interface MutableConfigView {
  /** The validated config as read from disk just now, before this mutation. */
  readonly loaded: LatchkeyConfig;
  getAccount(key: string): AccountRecord | undefined;
  /** All account records in file order. */
  accounts(): Array<[key: string, record: AccountRecord]>;
  /** Creates or replaces the record; fields absent from `record` are removed from the file. */
  setAccount(key: string, record: AccountRecordInput): void;
  /** Changes some fields of an existing record; a field given as `undefined` is removed. */
  patchAccount(key: string, partial: Partial<AccountRecordInput>): void;
  /** Removes the record (and `active_account` if it pointed there); false if there was none. */
  removeAccount(key: string): boolean;
  /** Sets or (with null) clears `active_account`; the account must exist. */
  setActiveAccount(key: string | null): void;
  activeAccount(): string | null;
  /**
   * Sets a value outside the account records (`['access', 'allowed_emails']`, `['providers', 'google']`),
   * creating the maps on the way; the whole file is validated before it is written.
   */
  setSetting(path: readonly string[], value: unknown): void;
}

/** Canonical field order for records Latchkey creates (an existing record keeps its own order). */
const RECORD_FIELD_ORDER: readonly (keyof AccountRecord)[] = [
  'name',
  'email',
  'first_name',
  'last_name',
  'picture',
  'provider',
  'subject',
  'password',
  'roles',
  'provider_roles',
  'failed_login_attempts',
  'locked_until',
  'change_at_next_login',
  'totp',
  'logged_in',
  'last_login',
  'signed_in_at',
  'last_refresh',
  'signed_out_reason',
];

const USERNAMES_PATH = ['credentials', 'usernames'] as const;

/** MutableConfigView over one parsed Document; ConfigStore.update() creates one per write. */
export class ConfigDraft implements MutableConfigView {
  /** Whether any mutation touched the Document; an update with no change writes nothing. */
  changed = false;

  constructor(
    private readonly doc: Document,
    readonly loaded: LatchkeyConfig,
  ) {}

  getAccount(key: string): AccountRecord | undefined {
    const usernames = findMap(this.doc, USERNAMES_PATH);
    const node = usernames ? resolved(this.doc, findPair(usernames, key)?.value) : undefined;
    if (node === undefined || node === null) return undefined;
    const parsed = accountRecordSchema.safeParse((node as YamlNode).toJS(this.doc));
    if (!parsed.success) throw new AuthError('internal', `The record of account ${quoteValue(key)} is not valid after an edit`, { cause: parsed.error });
    return parsed.data;
  }

  accounts(): Array<[key: string, record: AccountRecord]> {
    const usernames = findMap(this.doc, USERNAMES_PATH);
    if (!usernames) return [];
    const keys = usernames.items.flatMap((pair) => (isScalar(pair.key) ? [String(pair.key.value)] : []));
    return keys.flatMap((key) => {
      const record = this.getAccount(key);
      return record ? [[key, record] as [string, AccountRecord]] : [];
    });
  }

  setAccount(key: string, record: AccountRecordInput): void {
    const keyCheck = accountKeySchema.safeParse(key);
    if (!keyCheck.success) throw new AuthError('invalid_argument', `Invalid account key ${quoteValue(key)}: ${keyCheck.error.issues[0]?.message ?? 'not allowed'}`);
    refuseSecretKeys(record);
    const parsed = accountRecordSchema.safeParse(withoutUndefined(record));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AuthError('invalid_argument', `Invalid record for account ${quoteValue(key)}: ${issue ? `${issue.path.join('.') || 'record'}: ${issue.message}` : 'not valid'}`);
    }
    const usernames = this.ensureMap(USERNAMES_PATH);
    const pair = findPair(usernames, key);
    refuseAlias(pair, `credentials.usernames.${key}`);
    if (pair !== undefined && isMap(pair.value)) {
      this.syncMap(pair.value, parsed.data);
    } else {
      const ordered = Object.fromEntries(
        RECORD_FIELD_ORDER.filter((field) => parsed.data[field] !== undefined).map((field) => [field, parsed.data[field]]),
      );
      const node = this.doc.createNode(ordered) as YAMLMap;
      for (const item of node.items) if (isSeq(item.value)) item.value.flow = true;
      if (pair !== undefined) pair.value = node;
      else usernames.add(this.doc.createPair(key, node));
    }
    this.changed = true;
  }

  patchAccount(key: string, partial: Partial<AccountRecordInput>): void {
    refuseSecretKeys(partial);
    const existing = this.getAccount(key);
    if (existing === undefined) throw new AuthError('unknown_account', `There is no account ${quoteValue(key)} in config.yaml.`);
    const merged: Record<string, unknown> = { ...existing };
    for (const [field, value] of Object.entries(partial)) {
      if (value === undefined) delete merged[field];
      else merged[field] = value;
    }
    this.setAccount(key, merged as AccountRecordInput);
  }

  removeAccount(key: string): boolean {
    const usernames = findMap(this.doc, USERNAMES_PATH);
    const pair = usernames ? findPair(usernames, key) : undefined;
    if (!usernames || pair === undefined) return false;
    usernames.items.splice(usernames.items.indexOf(pair), 1);
    if (this.activeAccount() === key) this.setActiveAccount(null);
    this.changed = true;
    return true;
  }

  setActiveAccount(key: string | null): void {
    if (key === null) {
      if (isMap(this.doc.contents) && findPair(this.doc.contents, 'active_account') !== undefined) {
        this.doc.delete('active_account');
        this.changed = true;
      }
      return;
    }
    if (this.getAccount(key) === undefined) throw new AuthError('unknown_account', `There is no account ${quoteValue(key)} in config.yaml.`);
    if (this.activeAccount() === key) return;
    const root = this.ensureMap([]);
    const pair = findPair(root, 'active_account');
    if (pair !== undefined && isScalar(pair.value)) pair.value.value = key; // keeps a trailing comment
    else if (pair !== undefined) pair.value = this.doc.createNode(key);
    else root.add(this.doc.createPair('active_account', key));
    this.changed = true;
  }

  setSetting(path: readonly string[], value: unknown): void {
    const last = path.at(-1);
    if (last === undefined || path[0] === 'credentials') throw new AuthError('internal', 'setSetting needs a path outside credentials');
    const map = this.ensureMap(path.slice(0, -1));
    const pair = findPair(map, last);
    refuseAlias(pair, path.join('.'));
    const node = this.valueNode(value);
    if (pair === undefined) {
      map.add(this.doc.createPair(last, node));
    } else {
      if (isNodeLike(pair.value)) node.comment = pair.value.comment;
      pair.value = node;
    }
    this.changed = true;
  }

  activeAccount(): string | null {
    if (!isMap(this.doc.contents)) return null;
    const value = findPair(this.doc.contents, 'active_account')?.value;
    return isScalar(value) && typeof value.value === 'string' ? value.value : null;
  }

  /**
   * Makes `map` hold exactly `values`: changed scalars are updated in place (keeping their comments),
   * fields that are gone are removed, new fields are appended.
   */
  private syncMap(map: YAMLMap, values: Record<string, unknown>): void {
    map.items = map.items.filter((pair) => isScalar(pair.key) && values[String(pair.key.value)] !== undefined);
    for (const [field, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const pair = findPair(map, field);
      if (pair === undefined) {
        map.add(this.doc.createPair(field, this.valueNode(value)));
      } else if (isScalar(pair.value) && !Array.isArray(value) && typeof value !== 'object') {
        if (pair.value.value !== value) pair.value.value = value;
      } else if (JSON.stringify(isNodeLike(pair.value) ? pair.value.toJS(this.doc) : pair.value) !== JSON.stringify(value)) {
        const node = this.valueNode(value);
        if (isNodeLike(pair.value)) {
          node.comment = pair.value.comment;
          node.commentBefore = pair.value.commentBefore;
        }
        pair.value = node;
      }
    }
  }

  private valueNode(value: unknown): YamlNode {
    const node = this.doc.createNode(value);
    // Short lists (roles) read best on one line: `roles: [viewer, admin]`.
    if (isSeq(node)) node.flow = true;
    return node;
  }

  /**
   * The map at `path`, created if missing. An empty value (`usernames:`) or an empty flow map
   * (`usernames: {}`) becomes a block map, so new entries are written one per line.
   */
  private ensureMap(path: readonly string[]): YAMLMap {
    if (!isMap(this.doc.contents)) this.doc.contents = new YAMLMap(this.doc.schema) as typeof this.doc.contents;
    let map = this.doc.contents as YAMLMap;
    for (const segment of path) {
      const pair = findPair(map, segment);
      refuseAlias(pair, segment);
      if (pair !== undefined && isMap(pair.value)) {
        map = pair.value;
      } else {
        const created = new YAMLMap(this.doc.schema);
        if (pair !== undefined) {
          if (isNodeLike(pair.value)) created.comment = pair.value.comment;
          pair.value = created;
        } else {
          map.add(this.doc.createPair(segment, created));
        }
        map = created;
      }
      if (map.flow && map.items.length === 0) map.flow = false;
    }
    return map;
  }
}

/**
 * A section written as an alias (`usernames: *shared`) is shared with another place in the file: editing
 * it there would change both, replacing it would drop the person's structure. Neither is acceptable.
 */
function refuseAlias(pair: Pair | undefined, where: string): void {
  if (pair !== undefined && isAlias(pair.value)) {
    throw new AuthError('invalid_argument', `Latchkey cannot safely edit ${where} in config.yaml because it is a YAML alias (*name); write it out in full.`);
  }
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key);
}

/** The map at `path` for reading; aliases are followed (writes refuse them, see refuseAlias). */
function findMap(doc: Document, path: readonly string[]): YAMLMap | undefined {
  let current = resolved(doc, doc.contents);
  for (const segment of path) {
    if (!isMap(current)) return undefined;
    current = resolved(doc, findPair(current, segment)?.value);
  }
  return isMap(current) ? current : undefined;
}

function resolved(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function isNodeLike(value: unknown): value is YamlNode {
  return typeof value === 'object' && value !== null && 'toJS' in value;
}

/**
 * Account records are non-secret by construction; a field named like a token or password means a bug
 * upstream is about to write a secret to a plain file. Refuse before anything is written, naming only the
 * field (never its value).
 */
function refuseSecretKeys(record: object): void {
  for (const [field, value] of Object.entries(record)) {
    // The one exception, narrow on purpose: a local account's `password` holding a hash (never the password
    // itself), as Streamlit-Authenticator's files do; see access-schema.ts.
    if (field === 'password' && (value === undefined || (typeof value === 'string' && isHashedPassword(value)))) continue;
    if (isSecretLikeKey(field)) {
      throw new AuthError('invalid_argument', `Refusing to write ${quoteValue(field)} to config.yaml: secrets belong in the system keychain.`);
    }
  }
}

function withoutUndefined(record: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
