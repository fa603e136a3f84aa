/** The demo provider's server-rendered pages: login, consent, errors, sign-out and a small home page. */
import { escapeHtml, page } from './html';
import { DEMO_USERS } from './users';

/** Plain-words meaning of each scope the demo client may request, shown on the consent page. */
const SCOPE_WORDS: Record<string, string> = {
  openid: 'Know who you are (your user id)',
  profile: 'Your name, picture and roles',
  email: 'Your email address',
  offline_access: 'Keep you signed in while you are away (a refresh token)',
};

function demoUsersLine(): string {
  const list = DEMO_USERS.map((user) => `<code>${escapeHtml(user.username)}</code> / <code>${escapeHtml(user.password)}</code>`);
  return `<p class="hint">Demo users: ${list.join(', ')}</p>`;
}

function interactionPath(uid: string, action: string): string {
  return `/interaction/${encodeURIComponent(uid)}/${action}`;
}

export interface LoginPageInput {
  uid: string;
  clientName: string;
  /** Pre-filled after a failed attempt (never the password). */
  username?: string;
  error?: string;
}

export function loginPage(input: LoginPageInput): string {
  const error = input.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(input.error)}</p>`;
  return page(
    'login',
    'Sign in',
    `<h1>Sign in to continue to ${escapeHtml(input.clientName)}</h1>
${error}
<form method="post" action="${escapeHtml(interactionPath(input.uid, 'login'))}" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" type="text" required autofocus value="${escapeHtml(input.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<div class="buttons"><button type="submit">Sign in</button></div>
</form>
${demoUsersLine()}`,
  );
}

export interface ConsentPageInput {
  uid: string;
  clientName: string;
  /** Display name of the signed-in demo user. */
  userName: string;
  scopes: readonly string[];
}

export function consentPage(input: ConsentPageInput): string {
  const items = input.scopes
    .map((scope) => `<li><code>${escapeHtml(scope)}</code>: ${escapeHtml(SCOPE_WORDS[scope] ?? 'Access to this scope')}</li>`)
    .join('\n');
  return page(
    'consent',
    'Allow access',
    `<h1>${escapeHtml(input.clientName)} wants access to your account</h1>
<p>Signed in as <strong>${escapeHtml(input.userName)}</strong>. ${escapeHtml(input.clientName)} asks for:</p>
<ul class="scopes">
${items}
</ul>
<form method="post" action="${escapeHtml(interactionPath(input.uid, 'consent'))}">
<div class="buttons">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>`,
  );
}

export interface ErrorPageInput {
  error: string;
  description?: string;
}

export function errorPage(input: ErrorPageInput): string {
  const description = input.description === undefined ? '' : `<p>${escapeHtml(input.description)}</p>`;
  return page(
    'error',
    'Something went wrong',
    `<h1>Something went wrong</h1>
<p class="error" role="alert"><code>${escapeHtml(input.error)}</code></p>
${description}
<p>Go back to Latchkey and start the sign-in again.</p>`,
  );
}

export function signedOutPage(): string {
  return page(
    'signed-out',
    'Signed out',
    `<h1>You are signed out of the Latchkey demo provider</h1>
<p>You can close this tab.</p>`,
  );
}

/**
 * The RP-initiated logout confirmation. `formHtml` is the hidden form oidc-provider generates (it carries
 * the xsrf token); the buttons submit it.
 */
export function logoutConfirmPage(formHtml: string): string {
  return page(
    'logout',
    'Sign out',
    `<h1>Sign out of the Latchkey demo provider?</h1>
${formHtml}
<div class="buttons">
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>
</div>`,
  );
}

export function homePage(issuer: string): string {
  return page(
    'home',
    'Home',
    `<h1>Latchkey demo provider</h1>
<p>An OpenID Connect provider for trying Latchkey. Issuer: <code>${escapeHtml(issuer)}</code></p>
<p>Discovery document: <code>${escapeHtml(`${issuer}/.well-known/openid-configuration`)}</code></p>
${demoUsersLine()}`,
  );
}

/** Why the code page is shown again (oidc-provider's re-render errors, by name). */
export type DeviceCodeProblem = 'wrong_code' | 'aborted' | 'failed';

const DEVICE_CODE_PROBLEMS: Record<DeviceCodeProblem, string> = {
  wrong_code: 'That code is not valid (mistyped, expired or already used). Check the code Latchkey shows and try again.',
  aborted: 'The sign-in was cancelled. Latchkey on the other device has been told.',
  failed: 'Something went wrong with that code. Start again in Latchkey.',
};

/**
 * Sign-in on another device (RFC 8628), step 1: enter the code Latchkey shows. `formHtml` is the form
 * oidc-provider generates (it carries the xsrf token and the code field); the button submits it.
 */
export function deviceCodePage(formHtml: string, problem?: DeviceCodeProblem): string {
  const message = problem === undefined ? '' : `<p class="error" role="alert">${escapeHtml(DEVICE_CODE_PROBLEMS[problem])}</p>`;
  return page(
    'device-code',
    'Enter the code',
    `<h1>Sign in on another device</h1>
${message}
<p>Enter the code that Latchkey shows on the device you are signing in on.</p>
${formHtml}
<div class="buttons"><button type="submit" form="op.deviceInputForm">Continue</button></div>`,
  );
}

export interface DeviceConfirmPageInput {
  clientName: string;
  userCode: string;
}

/** Step 2: is this the code on the other device? Continue signs in; Abort tells that device "refused". */
export function deviceConfirmPage(formHtml: string, input: DeviceConfirmPageInput): string {
  return page(
    'device-confirm',
    'Confirm the code',
    `<h1>Sign in to ${escapeHtml(input.clientName)} on another device?</h1>
<p>Continue only if the device you are signing in on shows this code:</p>
<p class="user-code" data-user-code>${escapeHtml(input.userCode)}</p>
<p class="hint">If you did not start this sign-in, or the code differs, choose Abort: someone may be trying to get you to sign them in.</p>
${formHtml}
<div class="buttons">
<button type="submit" form="op.deviceConfirmForm" autofocus>Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" class="secondary">Abort</button>
</div>`,
  );
}

/** Step 3: done here; the other device finishes by itself. */
export function deviceDonePage(clientName: string): string {
  return page(
    'device-done',
    'Signed in',
    `<h1>You are signed in to ${escapeHtml(clientName)} on the other device</h1>
<p>${escapeHtml(clientName)} picks it up within a few seconds. You can close this page.</p>`,
  );
}
