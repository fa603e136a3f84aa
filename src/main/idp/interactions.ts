/**
 * The login and consent steps of the demo provider (`/interaction/:uid`). oidc-provider sends the browser
 * here when it needs the person; these handlers render the pages, check the form posts and hand the
 * outcome back with `interactionFinished`, which redirects the browser to continue the authorization.
 *
 * The form posts need no extra CSRF token: `interactionDetails` only finds the interaction through its
 * SameSite=Lax cookie, which a cross-site POST does not carry.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { FormError, readForm, sendHtml, sendRedirect } from './http-util';
import { consentPage, errorPage, loginPage } from './pages';
import { checkDemoCredentials, findDemoUser } from './users';

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

export type InteractionAction = 'show' | 'login' | 'consent';

export interface InteractionDeps {
  provider: Provider;
  log: (line: string) => void;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function requestedScopes(details: InteractionDetails): string[] {
  const scope = details.params['scope'];
  return typeof scope === 'string' ? scope.split(' ').filter((item) => item !== '') : [];
}

async function clientName(provider: Provider, details: InteractionDetails): Promise<string> {
  const clientId = String(details.params['client_id'] ?? '');
  const client = await provider.Client.find(clientId);
  return client?.clientName ?? clientId;
}

/** The interaction of this browser, or undefined (after answering with an error page) when there is none. */
async function loadDetails(
  deps: InteractionDeps,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
): Promise<InteractionDetails | undefined> {
  let details: InteractionDetails;
  try {
    details = await deps.provider.interactionDetails(req, res);
  } catch (error) {
    if (!(error instanceof errors.SessionNotFound)) throw error;
    sendHtml(res, 400, errorPage({
      error: 'interaction_expired',
      description: 'This sign-in has expired or was already completed in this browser.',
    }));
    return undefined;
  }
  if (details.uid !== uid) {
    // An old tab of an earlier sign-in: its uid no longer matches the browser's current interaction.
    sendHtml(res, 400, errorPage({
      error: 'interaction_mismatch',
      description: 'This page belongs to an earlier sign-in. Use the most recent sign-in tab.',
    }));
    return undefined;
  }
  return details;
}

async function showStep(deps: InteractionDeps, res: ServerResponse, details: InteractionDetails): Promise<void> {
  const name = await clientName(deps.provider, details);
  if (details.prompt.name === 'login') {
    sendHtml(res, 200, loginPage({ uid: details.uid, clientName: name }));
    return;
  }
  if (details.prompt.name === 'consent') {
    const accountId = details.session?.accountId ?? '';
    sendHtml(res, 200, consentPage({
      uid: details.uid,
      clientName: name,
      userName: findDemoUser(accountId)?.name ?? accountId,
      scopes: requestedScopes(details),
    }));
    return;
  }
  sendHtml(res, 400, errorPage({ error: 'unsupported_prompt', description: `The step "${details.prompt.name}" is not supported.` }));
}

async function submitLogin(
  deps: InteractionDeps,
  req: IncomingMessage,
  res: ServerResponse,
  details: InteractionDetails,
  form: URLSearchParams,
): Promise<void> {
  const username = (form.get('username') ?? '').trim();
  const user = checkDemoCredentials(username, form.get('password') ?? '');
  if (user === undefined) {
    // JSON-quoted and cut short: the username is typed by anyone and must not forge log lines.
    deps.log(`demo provider: failed sign-in attempt for ${JSON.stringify(username.slice(0, 64))}`);
    sendHtml(res, 200, loginPage({
      uid: details.uid,
      clientName: await clientName(deps.provider, details),
      username,
      error: 'Wrong username or password.',
    }));
    return;
  }
  deps.log(`demo provider: ${user.username} signed in`);
  await deps.provider.interactionFinished(req, res, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
}

async function submitConsent(
  deps: InteractionDeps,
  req: IncomingMessage,
  res: ServerResponse,
  details: InteractionDetails,
  form: URLSearchParams,
): Promise<void> {
  if (form.get('decision') !== 'allow') {
    deps.log('demo provider: access denied at consent');
    await deps.provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The person denied access at the consent page.' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const accountId = details.session?.accountId;
  const clientId = details.params['client_id'];
  if (accountId === undefined || typeof clientId !== 'string') {
    sendHtml(res, 400, errorPage({ error: 'invalid_request', description: 'There is no signed-in account for this consent.' }));
    return;
  }
  const grant = details.grantId === undefined
    ? new deps.provider.Grant({ accountId, clientId })
    : (await deps.provider.Grant.find(details.grantId)) ?? new deps.provider.Grant({ accountId, clientId });
  const promptDetails = details.prompt.details;
  const missingScopes = stringList(promptDetails['missingOIDCScope']);
  if (missingScopes.length > 0) grant.addOIDCScope(missingScopes.join(' '));
  const missingClaims = stringList(promptDetails['missingOIDCClaims']);
  if (missingClaims.length > 0) grant.addOIDCClaims(missingClaims);
  const grantId = await grant.save();
  await deps.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** Handles GET /interaction/:uid and POST /interaction/:uid/{login,consent}. */
export async function handleInteraction(
  deps: InteractionDeps,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
  action: InteractionAction,
): Promise<void> {
  const expectedMethod = action === 'show' ? ['GET', 'HEAD'] : ['POST'];
  if (!expectedMethod.includes(req.method ?? '')) {
    res.setHeader('Allow', expectedMethod.join(', '));
    sendHtml(res, 405, errorPage({ error: 'method_not_allowed' }));
    return;
  }
  const details = await loadDetails(deps, req, res, uid);
  if (details === undefined) return;
  if (action === 'show') {
    await showStep(deps, res, details);
    return;
  }
  if (details.prompt.name !== action) {
    // A form of a step that is already behind us (e.g. the back button): show the current step.
    sendRedirect(res, `/interaction/${encodeURIComponent(details.uid)}`);
    return;
  }
  let form: URLSearchParams;
  try {
    form = await readForm(req);
  } catch (error) {
    if (!(error instanceof FormError)) throw error;
    sendHtml(res, error.status, errorPage({ error: 'invalid_request', description: error.message }));
    return;
  }
  if (action === 'login') await submitLogin(deps, req, res, details, form);
  else await submitConsent(deps, req, res, details, form);
}
