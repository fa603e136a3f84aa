/**
 * GitHub's device flow, as "Authorizing OAuth apps → Device flow" documents it:
 * - POST /login/device/code with client_id (and scope) answers device_code, user_code (`XXXX-XXXX`),
 *   verification_uri (`${host}/login/device`), expires_in (900) and interval (5) — form-encoded unless
 *   `Accept: application/json`, like the token endpoint; no verification_uri_complete;
 * - the person enters the user code at /login/device and authorizes (or cancels);
 * - the app polls POST /login/oauth/access_token with client_id, device_code and
 *   grant_type=urn:ietf:params:oauth:grant-type:device_code (no client secret needed), and GitHub answers with
 *   HTTP 200 and `error`: authorization_pending; slow_down with an `interval` five seconds longer when polled
 *   sooner than the interval; expired_token after expires_in; access_denied after a cancel;
 *   incorrect_device_code for an unknown code; device_flow_disabled when the app's settings do not enable it.
 */
import type { ServerResponse } from 'node:http';
import { escapeHtml, formParams, randomToken, sendHtml, type Clock, type EmulatorRequest } from './common';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_CODE_LETTERS = 'BCDFGHJKLMNPQRSTVWXZ';

export interface GitHubDeviceFlowOptions {
  /** "Enable Device Flow" in the app's settings. Default true. */
  enabled?: boolean;
  /** Default 5, as GitHub. */
  intervalSeconds?: number;
  /** Default 900, as GitHub. */
  expiresInSeconds?: number;
}

interface DeviceGrant {
  deviceCode: string;
  userCode: string;
  scope: string[];
  /** Clock seconds. */
  expiresAt: number;
  interval: number;
  /** Real time (ms) of the last poll, for slow_down. */
  lastPoll?: number;
  user?: string;
  denied?: boolean;
  redeemed?: boolean;
}

export type DevicePoll =
  | { kind: 'error'; error: string; description: string; interval?: number }
  | { kind: 'approved'; user: string; scope: string[] };

export interface DeviceUser {
  login: string;
  label: string;
}

export class GitHubDeviceFlow {
  readonly enabled: boolean;
  readonly #options: GitHubDeviceFlowOptions;
  readonly #clock: Clock;
  readonly #grants = new Map<string, DeviceGrant>();
  /** Every poll's answer, in order (error name or `tokens`). */
  readonly polls: string[] = [];

  constructor(options: GitHubDeviceFlowOptions, clock: Clock) {
    this.enabled = options.enabled !== false;
    this.#options = options;
    this.#clock = clock;
  }

  /** POST /login/device/code (the client id is checked by the caller). */
  start(base: string, scope: string[]): Record<string, string | number> {
    if (!this.enabled) return { error: 'device_flow_disabled', error_description: 'Device Flow must be explicitly enabled for this App' };
    const interval = this.#options.intervalSeconds ?? 5;
    const expiresIn = this.#options.expiresInSeconds ?? 900;
    const letters = Array.from({ length: 8 }, () => USER_CODE_LETTERS[Math.floor(Math.random() * USER_CODE_LETTERS.length)]).join('');
    const grant: DeviceGrant = {
      deviceCode: randomToken('', 20).replace(/[-_]/g, 'a'),
      userCode: `${letters.slice(0, 4)}-${letters.slice(4)}`,
      scope,
      expiresAt: this.#clock.now() + expiresIn,
      interval,
    };
    this.#grants.set(grant.deviceCode, grant);
    return { device_code: grant.deviceCode, user_code: grant.userCode, verification_uri: `${base}/login/device`, expires_in: expiresIn, interval };
  }

  /** A poll of the token endpoint with the device code grant. */
  poll(deviceCode: string | null): DevicePoll {
    const answer = (result: DevicePoll): DevicePoll => {
      this.polls.push(result.kind === 'error' ? result.error : 'tokens');
      return result;
    };
    if (!this.enabled) return answer({ kind: 'error', error: 'device_flow_disabled', description: 'Device flow has not been enabled in the app\'s settings.' });
    const grant = deviceCode ? this.#grants.get(deviceCode) : undefined;
    if (!grant || grant.redeemed) return answer({ kind: 'error', error: 'incorrect_device_code', description: 'The device_code provided is not valid.' });
    if (this.#clock.now() >= grant.expiresAt) return answer({ kind: 'error', error: 'expired_token', description: 'The device_code has expired.' });
    if (grant.denied) return answer({ kind: 'error', error: 'access_denied', description: 'The authorization request was denied.' });
    const now = Date.now();
    const previous = grant.lastPoll;
    grant.lastPoll = now;
    // A little slack for timers: a client that waits the interval is never told to slow down.
    if (previous !== undefined && now - previous < grant.interval * 1000 - 250) {
      grant.interval += 5;
      return answer({ kind: 'error', error: 'slow_down', description: 'Too many requests have been made in the same timeframe.', interval: grant.interval });
    }
    if (!grant.user) return answer({ kind: 'error', error: 'authorization_pending', description: 'The authorization request is still pending.' });
    grant.redeemed = true;
    return answer({ kind: 'approved', user: grant.user, scope: grant.scope });
  }

  /** GET and POST /login/device: the code page, then the person's choice. */
  page(req: EmulatorRequest, res: ServerResponse, users: DeviceUser[]): void {
    if (req.method !== 'POST') return sendHtml(res, 200, devicePage(users));
    const params = formParams(req);
    const typed = (params.get('user_code') ?? '').trim().toUpperCase();
    const grant = [...this.#grants.values()].find((g) => g.userCode === typed && !g.redeemed && this.#clock.now() < g.expiresAt);
    if (!grant || grant.user || grant.denied) return sendHtml(res, 200, devicePage(users, 'Unknown or expired code. Check the code on your device.'));
    if (params.get('deny') === '1') {
      grant.denied = true;
      return sendHtml(res, 200, doneHtml('Authorization cancelled', 'The device was not authorized.'));
    }
    const user = users.find((u) => u.login === params.get('user'));
    if (!user) return sendHtml(res, 400, devicePage(users, 'Choose an account.'));
    grant.user = user.login;
    sendHtml(res, 200, doneHtml('Congratulations, you\'re all set!', 'Your device is now connected.'));
  }
}

function devicePage(users: DeviceUser[], error?: string): string {
  const buttons = users.map((u) => `<p><button type="submit" name="user" value="${escapeHtml(u.login)}">Authorize as ${escapeHtml(u.label)}</button></p>`).join('\n    ');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Device Activation - GitHub</title></head>
<body data-emulator="device">
  <h1>Device Activation</h1>
  ${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
  <form method="post">
    <label>Enter the code displayed on your device <input name="user_code" autocomplete="off"></label>
    ${buttons}
    <p><button type="submit" name="deny" value="1">Cancel</button></p>
  </form>
</body>
</html>`;
}

function doneHtml(title: string, detail: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)} - GitHub</title></head>
<body data-emulator="device-done">
  <h1>${escapeHtml(title)}</h1>
  <p>${escapeHtml(detail)}</p>
</body>
</html>`;
}
