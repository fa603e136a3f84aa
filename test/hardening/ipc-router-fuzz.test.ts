/**
 * The IPC router under hostile renderer input: a compromised or buggy renderer can send any value that
 * survives Electron's structured clone (and, in tests, a Playwright binding). For every channel, 1,000
 * generated argument lists — random JSON values, wrong arity, prototype-pollution objects, huge strings,
 * depth bombs, BigInt, Dates, Maps, typed arrays, sparse arrays, and for good measure functions and symbols
 * — go through `createIpcRouter` over a recording engine that throws on any input the contract forbids.
 *
 * Expected: the router never throws; every answer is a plain `{ ok, ... }` envelope; invalid input gets
 * `invalid_argument` and never reaches the engine (nothing changes); valid input reaches the right engine
 * method with exactly the validated arguments; `Object.prototype` stays clean. Seeded: a failure prints the
 * seed (replay with LATCHKEY_FUZZ_SEED=<seed>).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createIpcRouter } from '../../src/main/desktop/ipc-router';
import { IPC_CHANNELS, type IpcChannel } from '../../src/shared/ipc';
import { expectedAccountCall, isAccountsChannel, nearValidAccountArg } from './accounts-contract';
import { createRng, fuzzSeed, type Rng } from './fuzz-random';
import { cleanApiRequestCopy, isAccountKey, isApiName, isApiRequest, isEventLimit, isProviderName, isSignInOptions, isSignOutOptions, RecordingEngine, type RecordedCall } from './recording-engine';

const PER_CHANNEL = 1_000;
/** What crypto.randomUUID() makes: the import preview ids the router accepts. */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
const STRANGE_CHANNELS = 500;
/**
 * Put into every string value the fuzzer makes: values must never be echoed in messages. (Unknown key names
 * are named in messages, shortened and printable, by design; they carry no marker.)
 */
const MARKER = 'LKFUZZ';
/** Longest message an invalid_argument envelope may carry. */
const MAX_MESSAGE = 300;

const HUGE_1MB = `${MARKER}${'x'.repeat(1024 * 1024)}`;
const HUGE_KEYLIKE = 'a'.repeat(8 * 1024 * 1024);

/** Nested 100,000 levels deep without recursion (building it recursively would be the bomb going off here). */
function deepArray(depth: number): unknown[] {
  let value: unknown[] = [MARKER];
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
}
function deepObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: MARKER };
  for (let i = 0; i < depth; i += 1) value = { accountKey: value, forget: value };
  return value;
}
const DEEP_ARRAY = deepArray(100_000);
const DEEP_OBJECT = deepObject(100_000);

/** Objects that try to reach Object.prototype through the keys `__proto__`, `constructor` and `prototype`. */
function pollutionObjects(): unknown[] {
  return [
    JSON.parse(`{"__proto__": {"polluted": "${MARKER}", "forget": true}}`),
    JSON.parse(`{"accountKey": "demo:alice", "__proto__": {"polluted": "${MARKER}"}}`),
    JSON.parse(`{"constructor": {"prototype": {"polluted": "${MARKER}"}}}`),
    JSON.parse(`{"__proto__": null, "forget": true}`),
    { constructor: { prototype: { polluted: MARKER } } },
    Object.create({ forget: true, accountKey: 'demo:alice' }),
    Object.assign(Object.create(null), { accountKey: 'demo:alice', forget: false }),
    Object.assign(Object.create(null), { __proto__: { polluted: MARKER } }),
    Object.assign([], { __proto__: { polluted: MARKER } }),
    JSON.parse(`[{"__proto__": {"polluted": "${MARKER}"}}]`),
  ];
}

const PROVIDERISH = ['demo', 'google', 'microsoft', 'company-sso', 'a', 'x'.repeat(64), 'x'.repeat(65), 'Demo', '-demo', '_x', 'de mo', 'demo\n', '', 'démo', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '../demo', 'demo\u0000', `<script>${MARKER}</script>`];
const PASSPHRASEISH = ['correct horse battery staple', 'a', '', 'x'.repeat(1024), 'x'.repeat(1025), 'pässwörd 🔑', 'line\nbreak', `${MARKER}-secret`];
const KEYISH = ['demo:alice', 'google:1234567890', 'auth0|abc', 'a', 'a'.repeat(200), 'a'.repeat(201), 'demo alice', '', 'a\u0000b', 'a"b', '../../etc/passwd', 'C:\\x', '__proto__', 'constructor', `"><img src=x onerror=${MARKER}>`, 'demo:alice\n', 'ü:x'];
const NUMBERISH = [0, 1, 2, 20, 499, 500, 501, -1, -0, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 31];

class Thing {
  accountKey = 'demo:alice';
}

/** One value of any shape a renderer could send (and a few it could not). */
function randomValue(rng: Rng, depth = 0): unknown {
  const kinds = [
    'null', 'undefined', 'bool', 'number', 'number', 'bigint', 'string', 'string', 'providerish', 'keyish', 'huge',
    'array', 'object', 'object', 'pollution', 'deep', 'date', 'map', 'set', 'regexp', 'typed', 'buffer', 'error',
    'boxed', 'instance', 'sparse', 'function', 'symbol',
  ] as const;
  const kind = depth > 3 ? rng.pick(['null', 'number', 'string'] as const) : rng.pick(kinds);
  switch (kind) {
    case 'null':
      return null;
    case 'undefined':
      return undefined;
    case 'bool':
      return rng.chance(0.5);
    case 'number':
      return rng.chance(0.6) ? rng.pick(NUMBERISH) : (rng.next() - 0.5) * 10 ** rng.int(0, 20);
    case 'bigint':
      return BigInt(rng.int(-5, 600)) * (rng.chance(0.3) ? 10n ** 30n : 1n);
    case 'string':
      return `${MARKER}${rng.string(rng.int(0, 60))}`;
    case 'providerish':
      return rng.pick(PROVIDERISH);
    case 'keyish':
      return rng.pick(KEYISH);
    case 'huge':
      return rng.chance(0.8) ? HUGE_1MB : HUGE_KEYLIKE;
    case 'array':
      return Array.from({ length: rng.int(0, 5) }, () => randomValue(rng, depth + 1));
    case 'object': {
      const out: Record<string, unknown> = {};
      const keys = ['accountKey', 'forget', 'provider', 'limit', 'extra', '__proto__', 'constructor', 'prototype', "odd<b>key"];
      for (let i = rng.int(0, 3); i > 0; i -= 1) {
        // Assigning to `__proto__` with [] would set the prototype; defineProperty makes it an own key, as JSON.parse does.
        Object.defineProperty(out, rng.pick(keys), { value: randomValue(rng, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      if (rng.chance(0.3)) out['accountKey'] = rng.pick(KEYISH);
      if (rng.chance(0.3)) out['forget'] = rng.chance(0.5) ? rng.chance(0.5) : randomValue(rng, depth + 1);
      return out;
    }
    case 'pollution':
      return rng.pick(pollutionObjects());
    case 'deep':
      return rng.chance(0.5) ? DEEP_ARRAY : DEEP_OBJECT;
    case 'date':
      return new Date(rng.int(0, 2 ** 40));
    case 'map':
      return new Map<unknown, unknown>([['accountKey', 'demo:alice'], ['forget', true]]);
    case 'set':
      return new Set(['demo']);
    case 'regexp':
      return /demo/;
    case 'typed':
      return new Uint8Array(rng.int(0, 64));
    case 'buffer':
      return new ArrayBuffer(rng.int(0, 64));
    case 'error':
      return new Error(MARKER);
    case 'boxed':
      return rng.pick([new String('demo'), new Number(5), new Boolean(true)]);
    case 'instance':
      return new Thing();
    case 'sparse':
      return new Array(rng.int(1, 3));
    case 'function':
      return () => MARKER;
    case 'symbol':
      return Symbol(MARKER);
  }
}

/** A value for the channel's own argument: mostly close to valid, so both sides of every rule are hit. */
const PREVIEW_IDISH = ['', 'preview', '3F2504E0-4F89-41D3-9A0C-0305E82C3301', '3f2504e0-4f89-11d3-9a0c-0305e82c3301', '../../etc/passwd', `${MARKER}-0000`, 5, null];

function nearValidArg(rng: Rng, channel: IpcChannel): unknown {
  if (rng.chance(0.25)) return randomValue(rng);
  switch (channel) {
    case 'session:sign-in':
    case 'session:sign-in-device':
      return rng.pick(PROVIDERISH);
    case 'session:switch-account':
    case 'session:refresh':
    case 'session:open-end-session':
      return rng.chance(0.1) ? undefined : rng.pick(KEYISH);
    case 'events:recent':
      return rng.chance(0.1) ? undefined : rng.pick(NUMBERISH);
    case 'session:unlock':
      return rng.pick(PASSPHRASEISH);
    case 'admin:import-choose':
      if (rng.chance(0.2)) return rng.pick(pollutionObjects());
      return rng.pick([undefined, {}, { withClientSecrets: true }, { withClientSecrets: false }, { withClientSecrets: 'yes' }, { withClientSecrets: true, file: '/etc/passwd' }, { path: `/${MARKER}` }]);
    case 'admin:import-apply':
      return rng.pick([...PREVIEW_IDISH, randomUUID(), randomUUID()]);
    case 'session:sign-out': {
      if (rng.chance(0.1)) return undefined;
      if (rng.chance(0.2)) return rng.pick(pollutionObjects());
      const options: Record<string, unknown> = {};
      if (rng.chance(0.6)) options['accountKey'] = rng.chance(0.7) ? rng.pick(KEYISH) : randomValue(rng);
      if (rng.chance(0.6)) options['forget'] = rng.chance(0.7) ? rng.chance(0.5) : randomValue(rng);
      if (rng.chance(0.15)) options[rng.pick(['extra', 'force', 'accountkey', "odd<i>key"])] = true;
      return options;
    }
    default:
      return isAccountsChannel(channel) ? nearValidAccountArg(rng, channel, KEYISH, MARKER, randomValue) : randomValue(rng);
  }
}

const PATHISH = ['/projects', 'projects/latchkey', '/user/repos?sort=updated', '/', '/../admin', '//evil.example', 'x'.repeat(2049), '', `/${MARKER}`];
const HEADERISH: Array<[string, unknown]> = [['accept', 'application/json'], ['If-None-Match', '"abc"'], ['x-github-api-version', '2022-11-28'], ['Authorization', 'Bearer x'], ['dpop', 'x'], ['cookie', 'a=b'], ['x-a', 'b\r\nHost: evil'], ['bad header', 'x'], ['x-n', 5], ['Sec-Fetch-Mode', 'cors']];

/** An API request: mostly close to valid, so both sides of every rule are hit. */
function nearValidApiRequest(rng: Rng): unknown {
  if (rng.chance(0.15)) return randomValue(rng);
  if (rng.chance(0.05)) return rng.pick(pollutionObjects());
  const request: Record<string, unknown> = { path: rng.chance(0.8) ? rng.pick(PATHISH.slice(0, 4)) : rng.pick(PATHISH) };
  if (rng.chance(0.3)) request['method'] = rng.pick(['GET', 'POST', 'DELETE', 'get', 'TRACE', undefined, 5]);
  if (rng.chance(0.3)) request['query'] = rng.pick([{ days: 30 }, { tag: ['a', 'b'], on: true }, { n: Number.NaN }, { '': 'x' }, [1], 'days=3', { deep: { x: 1 } }]);
  if (rng.chance(0.3)) request['json'] = rng.pick([{ name: 'x' }, [1, 2, 3], null, 'text', { when: new Date(0) }, { n: Number.POSITIVE_INFINITY }, DEEP_OBJECT, { big: HUGE_1MB }, undefined]);
  if (rng.chance(0.3)) {
    const [name, value] = rng.pick(HEADERISH);
    request['headers'] = { [name]: value };
  }
  if (rng.chance(0.3)) request['accountKey'] = rng.pick(KEYISH);
  if (rng.chance(0.1)) request[rng.pick(['url', 'token', 'baseUrl', 'PATH'])] = 'https://evil.example';
  return request;
}

/** The argument list of one invoke; sometimes not a list at all. */
function randomArgs(rng: Rng, channel: IpcChannel): unknown {
  const roll = rng.next();
  if (channel === 'api:request' && roll < 0.5) return [rng.chance(0.85) ? rng.pick(['demo', 'github', 'my-api']) : rng.pick(PROVIDERISH), nearValidApiRequest(rng)];
  // The sign-in's options: a login hint, or something near one (an unknown field, control characters, too long).
  if (channel === 'session:sign-in' && roll < 0.3) {
    const hint = rng.pick<unknown>(['alice@latchkey.example', 'bob', '', 'x'.repeat(321), 'eve\u001b]52;c;x', 'zero\u200bwidth', 42, undefined]);
    const options = rng.pick<unknown>([{ loginHint: hint }, {}, undefined, { loginHint: hint, noBrowser: true }, { loginhint: 'a' }, 'options', ...pollutionObjects()]);
    return [rng.pick(PROVIDERISH), options];
  }
  if (roll < 0.4) return [nearValidArg(rng, channel)];
  if (roll < 0.5) return [];
  if (roll < 0.7) return Array.from({ length: rng.int(0, 4) }, () => (rng.chance(0.5) ? nearValidArg(rng, channel) : randomValue(rng)));
  if (roll < 0.75) return new Array(rng.int(1, 3));
  if (roll < 0.8) return Object.assign([nearValidArg(rng, channel)], { extra: MARKER });
  if (roll < 0.85) return Array.from({ length: rng.chance(0.5) ? 1_000 : 100_000 }, () => 'demo');
  return randomValue(rng);
}

/** What the contract says an argument list means: the engine call it must become, or null if invalid. */
function expectedCall(channel: IpcChannel, args: unknown): RecordedCall | null {
  if (!Array.isArray(args)) return null;
  const [first] = args;
  const none = args.length === 0;
  const optional = args.length === 0 || (args.length === 1 && first === undefined);
  switch (channel) {
    case 'session:get':
      return none ? { method: 'getState', args: [] } : null;
    case 'session:reload':
      return none ? { method: 'reload', args: [] } : null;
    case 'session:unlock':
      return args.length === 1 && typeof first === 'string' && first.length >= 1 && first.length <= 1024 ? { method: 'unlock', args: [first] } : null;
    case 'providers:list':
      return none ? { method: 'listProviders', args: [] } : null;
    case 'session:cancel-sign-in':
      return none ? { method: 'cancelSignIn', args: [] } : null;
    case 'session:reopen-browser':
      return none ? { method: 'reopenBrowser', args: [] } : null;
    case 'session:sign-in': {
      // An optional second argument: the sign-in options (a login hint), rebuilt from the fields given.
      if (!isProviderName(first)) return null;
      if (args.length === 1 || (args.length === 2 && args[1] === undefined)) return { method: 'signIn', args: [first] };
      if (args.length !== 2 || !isSignInOptions(args[1])) return null;
      const hint = args[1].loginHint;
      return hint === undefined ? { method: 'signIn', args: [first] } : { method: 'signIn', args: [first, { loginHint: hint }] };
    }
    case 'session:sign-in-device':
      return args.length === 1 && isProviderName(first) ? { method: 'signInWithDevice', args: [first] } : null;
    case 'session:switch-account':
      return args.length === 1 && isAccountKey(first) ? { method: 'switchAccount', args: [first] } : null;
    case 'session:open-end-session':
      return args.length === 1 && isAccountKey(first) ? { method: 'openEndSession', args: [first] } : null;
    case 'session:refresh':
      if (optional) return { method: 'refreshNow', args: [] };
      return args.length === 1 && isAccountKey(first) ? { method: 'refreshNow', args: [first] } : null;
    case 'events:recent':
      if (optional) return { method: 'recentEvents', args: [] };
      return args.length === 1 && isEventLimit(first) ? { method: 'recentEvents', args: [first] } : null;
    case 'access:has-role':
    case 'admin:users':
    case 'local:info':
    case 'local:sign-in':
    case 'local:register':
    case 'local:change-password':
    case 'account:update-details':
    case 'totp:begin':
    case 'totp:confirm':
    case 'totp:disable':
      return expectedAccountCall(channel, args);
    case 'apis:list':
      return none ? { method: 'listApis', args: [] } : null;
    case 'diagnostics:run':
      return none ? { method: 'runDiagnostics', args: [] } : null;
    case 'admin:import-choose': {
      if (optional) return { method: 'importChoose', args: [{}] };
      if (args.length !== 1 || !isPlainRecord(first) || !Object.keys(first).every((key) => key === 'withClientSecrets')) return null;
      const secrets = first['withClientSecrets'];
      if (secrets !== undefined && typeof secrets !== 'boolean') return null;
      return { method: 'importChoose', args: [secrets === undefined ? {} : { withClientSecrets: secrets }] };
    }
    case 'admin:import-apply':
      return args.length === 1 && typeof first === 'string' && UUID_V4.test(first) ? { method: 'importApply', args: [first] } : null;
    case 'api:request':
      return args.length === 2 && isApiName(first) && isApiRequest(args[1]) ? { method: 'fetchApi', args: [first, cleanApiRequestCopy(args[1])] } : null;
    case 'session:sign-out': {
      if (optional) return { method: 'signOut', args: [] };
      if (args.length !== 1 || !isSignOutOptions(first)) return null;
      const clean: Record<string, unknown> = {};
      if (first.accountKey !== undefined) clean['accountKey'] = first.accountKey;
      if (first.forget !== undefined) clean['forget'] = first.forget;
      return { method: 'signOut', args: [clean] };
    }
  }
}

/** Problems with an invalid_argument envelope: its shape, and anything of the input echoed in it. */
function envelopeProblems(result: unknown): string[] {
  const problems: string[] = [];
  if (typeof result !== 'object' || result === null) return ['answer is not an object'];
  const envelope = result as { ok?: unknown; error?: unknown };
  if (JSON.stringify(Object.keys(envelope)) !== '["ok","error"]' || envelope.ok !== false) problems.push(`not a failure envelope: keys ${Object.keys(envelope).join(',')}`);
  const error = envelope.error as { code?: unknown; message?: unknown } | undefined;
  if (typeof error !== 'object' || error === null) return [...problems, 'no error object'];
  if (JSON.stringify(Object.keys(error)) !== '["code","message"]') problems.push(`error has keys ${Object.keys(error).join(',')}`);
  if (error.code !== 'invalid_argument') problems.push(`code ${String(error.code)}`);
  if (typeof error.message !== 'string') return [...problems, 'message is not text'];
  if (error.message.length === 0 || error.message.length > MAX_MESSAGE) problems.push(`message of ${error.message.length} characters`);
  if (error.message.includes(MARKER)) problems.push(`message echoes input: ${error.message.slice(0, 120)}`);
  if (!/^[\x20-\x7e]*$/.test(error.message)) problems.push('message has characters outside printable ASCII');
  return problems;
}

function prototypesAreClean(): boolean {
  const probe = {} as Record<string, unknown>;
  return (
    Object.getOwnPropertyNames(Object.prototype).every((name) => name in Object.getPrototypeOf({})) &&
    Object.keys(Object.prototype).length === 0 &&
    Object.keys(Array.prototype).length === 0 &&
    probe['polluted'] === undefined &&
    probe['forget'] === undefined &&
    probe['accountKey'] === undefined
  );
}

describe('IPC router under hostile renderer input', () => {
  it(`answers ${PER_CHANNEL} random payloads per channel with envelopes, and lets only valid ones reach the engine`, async ({ onTestFailed }) => {
    const seed = fuzzSeed();
    onTestFailed(() => {
      console.error(`IPC router fuzz failed with seed ${seed}: replay with LATCHKEY_FUZZ_SEED=${seed}`);
    });
    const rng = createRng(seed);
    const engine = new RecordingEngine();
    const logged: string[] = [];
    const router = createIpcRouter(engine, {
      log: (line) => logged.push(line),
      // The checks are not the engine's; recorded like an engine call so the same accounting holds.
      // So is the import: its service, recorded the same way.
      importer: {
        choose: async (options) => {
          engine.calls.push({ method: 'importChoose', args: [options] });
          return null;
        },
        apply: async (previewId) => {
          engine.calls.push({ method: 'importApply', args: [previewId] });
          return { imported: 0, report: [] };
        },
      },
      diagnostics: async () => {
        engine.calls.push({ method: 'runDiagnostics', args: [] });
        return { version: 1, createdAt: new Date(0).toISOString(), platform: 'test', configPath: '~/config.yaml', checks: [], summary: { ok: 0, problem: 0, warning: 0, skipped: 0 } };
      },
    });
    const protoNamesBefore = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
    const failures: string[] = [];
    const validByChannel = new Map<IpcChannel, number>();
    const invalidByChannel = new Map<IpcChannel, number>();

    for (const channel of IPC_CHANNELS) {
      for (let i = 0; i < PER_CHANNEL; i += 1) {
        const args = randomArgs(rng, channel);
        const expected = expectedCall(channel, args);
        const before = engine.snapshot();
        const callsBefore = engine.calls.length;
        let result: unknown;
        try {
          result = await router.handle(channel, args as unknown[]);
        } catch (error) {
          failures.push(`${channel} #${i}: handle() threw ${String(error)}`);
          continue;
        }
        if (expected === null) {
          invalidByChannel.set(channel, (invalidByChannel.get(channel) ?? 0) + 1);
          for (const problem of envelopeProblems(result)) failures.push(`${channel} #${i}: ${problem}`);
          if (engine.snapshot() !== before) failures.push(`${channel} #${i}: invalid input changed the engine`);
        } else {
          validByChannel.set(channel, (validByChannel.get(channel) ?? 0) + 1);
          const envelope = result as { ok?: unknown; value?: unknown };
          if (envelope.ok !== true) failures.push(`${channel} #${i}: valid input refused: ${JSON.stringify(result).slice(0, 200)}`);
          const made = engine.calls.slice(callsBefore);
          if (made.length !== 1) failures.push(`${channel} #${i}: ${made.length} engine calls`);
          else expect(made[0], `${channel} #${i} seed ${seed}`).toEqual(expected);
          // The value is plain JSON data.
          expect(JSON.parse(JSON.stringify(envelope.value ?? null)), `${channel} #${i} seed ${seed}`).toEqual(envelope.value ?? null);
        }
        if (failures.length > 20) break;
      }
    }

    // Channel names that are not channels, including the ones a plain-object lookup would resolve.
    const strange: unknown[] = [
      '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'session:get ', ' session:get',
      'SESSION:GET', 'session:get\u0000', 'session:*', 'session', '', HUGE_1MB, `${MARKER}<script>`, null, undefined, 42, true,
      {}, [], ['session:get'], Symbol('session:get'), () => 'session:get', 10n, new String('session:get'),
    ];
    for (let i = 0; i < STRANGE_CHANNELS; i += 1) {
      const channel = i < strange.length ? strange[i] : rng.chance(0.5) ? randomValue(rng) : `${rng.pick(IPC_CHANNELS)}${rng.string(rng.int(1, 3))}`;
      const before = engine.snapshot();
      let result: unknown;
      try {
        result = await router.handle(channel, [] as unknown[]);
      } catch (error) {
        failures.push(`strange channel #${i}: handle() threw ${String(error)}`);
        continue;
      }
      for (const problem of envelopeProblems(result)) failures.push(`strange channel #${i}: ${problem}`);
      if (engine.snapshot() !== before) failures.push(`strange channel #${i}: reached the engine`);
    }

    expect(failures.slice(0, 20), `seed ${seed}`).toEqual([]);
    expect(engine.violations, `seed ${seed}`).toEqual([]);
    // Nothing unexpected happened inside (an engine throw would have been logged as an internal failure).
    expect(logged, `seed ${seed}`).toEqual([]);
    expect(prototypesAreClean(), `seed ${seed}: Object.prototype was polluted`).toBe(true);
    expect(Object.getOwnPropertyNames(Object.prototype).sort().join(','), `seed ${seed}`).toBe(protoNamesBefore);
    // Both sides of the rules were exercised on every channel (the generator is not stuck on one side).
    for (const channel of IPC_CHANNELS) {
      expect(validByChannel.get(channel) ?? 0, `${channel}: valid payloads, seed ${seed}`).toBeGreaterThan(20);
      expect(invalidByChannel.get(channel) ?? 0, `${channel}: invalid payloads, seed ${seed}`).toBeGreaterThan(200);
    }
  });
});
