/**
 * What each error code means to a person, and what they can do next. The engine's messages are written for
 * logs; these are written for the screen. Typed as a full record so a new code cannot ship without words.
 */
import type { AuthErrorCode } from '../../../shared/errors';

export interface ErrorWords {
  title: string;
  /** What happened, in plain words. */
  body: string;
  /** The next step, when there is one. An engine hint about the particular case takes its place. */
  next?: string;
  /** Whether starting over is the sensible next step (the view then offers "Try again"). */
  retry: boolean;
  /** Show the engine's message in plain sight (it says exactly what is wrong, e.g. in config.yaml). */
  showMessage?: boolean;
  /** Quiet errors are the person's own doing (cancel): acknowledged, not alarmed about. */
  quiet?: boolean;
}

export const ERROR_WORDS: Record<AuthErrorCode, ErrorWords> = {
  cancelled: {
    title: 'Sign-in cancelled',
    body: 'Nothing changed. You can start again whenever you like.',
    retry: false,
    quiet: true,
  },
  timeout: {
    title: 'The sign-in took too long',
    body: 'Latchkey stopped waiting: the browser did not come back, or the code for another device was not entered in time.',
    next: 'Try again, and finish signing in within a few minutes.',
    retry: true,
  },
  state_mismatch: {
    title: "That sign-in response didn't match",
    body: "Your browser came back with a response that doesn't belong to the sign-in Latchkey started, so it was ignored to keep you safe.",
    next: 'Start the sign-in again from here.',
    retry: true,
  },
  access_denied: {
    title: 'You declined access',
    body: "You declined to let Latchkey use your account, so you're not signed in.",
    next: 'If that was a mistake, try again and choose Allow.',
    retry: true,
  },
  invalid_grant: {
    title: 'Your session ended at the provider',
    body: 'The provider no longer accepts this session. It may have been signed out or revoked elsewhere.',
    next: 'Sign in again to continue.',
    retry: true,
  },
  invalid_client: {
    title: "The provider doesn't recognise Latchkey",
    body: 'The client ID Latchkey uses is not registered with this provider.',
    next: 'Check client_id for this provider in config.yaml, then try again.',
    retry: true,
  },
  invalid_callback: {
    title: 'The sign-in response was incomplete',
    body: "The provider's answer was missing something Latchkey needs before it can trust it.",
    next: 'Try again. If it keeps happening, the provider may be misconfigured.',
    retry: true,
  },
  provider_error: {
    title: 'The provider reported a problem',
    body: "The sign-in provider couldn't complete the request.",
    next: 'Try again in a moment.',
    retry: true,
  },
  network: {
    title: "Can't reach the provider",
    body: "Latchkey couldn't connect to the sign-in provider. If you're signed in, you stay signed in.",
    next: 'Check your internet connection, then try again.',
    retry: true,
  },
  keychain_unavailable: {
    title: "The system keychain isn't available",
    body: "Latchkey keeps your session in the system keychain, and it couldn't be opened.",
    next: 'Unlock your system keychain, then try again.',
    retry: true,
  },
  passphrase_required: {
    title: 'Enter your passphrase',
    body: 'Latchkey keeps your sessions in a file sealed with your passphrase, and it has not been given yet.',
    next: 'Enter the passphrase to open it.',
    retry: false,
  },
  passphrase_wrong: {
    title: "That passphrase doesn't open the store",
    body: 'Nothing was changed. Your sessions stay sealed until the right passphrase is given.',
    next: 'Check the passphrase and try again.',
    retry: false,
  },
  secret_store_damaged: {
    title: "The passphrase store can't be trusted",
    body: 'The file that holds your sealed sessions is damaged or was changed outside Latchkey, so Latchkey refuses to use it.',
    retry: false,
    showMessage: true,
  },
  secrets_in_other_store: {
    title: 'This session is kept in the other secret store',
    body: "Its secrets were saved in the store Latchkey isn't set to use now, so it stays as it is, unused.",
    next: 'Switch storage back to use it, or sign in again.',
    retry: false,
    showMessage: true,
  },
  config_invalid: {
    title: 'There is a problem in config.yaml',
    body: "Latchkey can't use its settings file until it's fixed, and writes nothing to it in the meantime. Fix it, save it, then choose “check again”.",
    next: 'Fix the spot shown.',
    retry: false,
    showMessage: true,
  },
  data_folder_unsafe: {
    title: "Latchkey's data folder isn't private",
    body: 'Another user could change the files Latchkey keeps your session in, so Latchkey refuses to use them until that is fixed.',
    next: 'Run the command shown, then start Latchkey again.',
    retry: false,
    showMessage: true,
  },
  unknown_provider: {
    title: "That provider isn't set up",
    body: 'There is no provider with that name in config.yaml.',
    next: 'Check the providers section of config.yaml.',
    retry: false,
  },
  unknown_account: {
    title: "That account isn't here any more",
    body: 'Latchkey has no account with that key. It may have been forgotten.',
    next: 'Sign in with it again to add it back.',
    retry: false,
  },
  not_signed_in: {
    title: "You're not signed in",
    body: 'That needs a signed-in account.',
    next: 'Sign in first.',
    retry: false,
  },
  not_allowed: {
    title: "This account can't sign in here",
    body: 'The access rules in config.yaml do not include this account, so Latchkey did not sign it in and kept nothing of it.',
    next: 'Sign in with another account, or ask whoever manages this Latchkey to add you to access.allowed_emails or access.allowed_domains.',
    retry: false,
  },
  forbidden: {
    title: "You don't have access to that",
    body: 'That needs a role this account does not have.',
    next: 'Ask an administrator to add the role to your account (latchkey users roles).',
    retry: false,
  },
  invalid_credentials: {
    title: "That didn't match",
    body: 'The username (or e-mail) and password do not match an account.',
    next: 'Check them and try again. Too many wrong attempts lock the account for a while.',
    retry: false,
  },
  locked_out: {
    title: 'This account is locked for now',
    body: 'There were too many wrong passwords for it, so Latchkey refuses sign-ins for a while.',
    next: 'Wait until the time shown, or ask an administrator to reset your password.',
    retry: false,
  },
  password_change_required: {
    title: 'Choose a new password',
    body: 'The password you used works only once. Choose your own to finish signing in.',
    retry: false,
  },
  weak_password: {
    title: "That password isn't accepted",
    body: 'It does not meet the password rules of this Latchkey.',
    retry: false,
    showMessage: true,
  },
  registration_closed: {
    title: 'Registration is closed',
    body: 'New accounts cannot be created here.',
    next: 'Ask an administrator to add an account for you (latchkey users add).',
    retry: false,
  },
  totp_required: {
    title: 'Type your authentication code',
    body: 'This account asks for the code your authenticator app shows, after the password.',
    next: 'Lost the app? A recovery code works once in its place.',
    retry: false,
    quiet: true,
  },
  account_exists: {
    title: 'That account already exists',
    body: 'The username or e-mail address is already taken.',
    next: 'Sign in instead, or choose another username.',
    retry: false,
  },
  busy: {
    title: 'A sign-in is already in progress',
    body: 'Latchkey handles one sign-in at a time.',
    next: 'Finish or cancel the sign-in that is open in your browser first.',
    retry: false,
  },
  redirect_unavailable: {
    title: "Latchkey can't wait for your browser",
    body: 'The address your provider sends the browser back to is in use by another program.',
    next: 'Close that program, or register another redirect URI at the provider and add it to redirect_uri in config.yaml.',
    retry: true,
  },
  invalid_argument: {
    title: "Latchkey couldn't do that",
    body: "The request wasn't valid.",
    next: 'Try again. If it keeps happening, restart Latchkey.',
    retry: false,
  },
  unknown_api: {
    title: "That API isn't set up",
    body: 'There is no API of that name under apis: in config.yaml.',
    next: 'Add it to config.yaml (for example apis: demo: { provider: demo }), then reload.',
    retry: false,
    showMessage: true,
  },
  response_too_large: {
    title: 'The answer was too large',
    body: 'The API sent more data than Latchkey accepts for one request, so it was not loaded.',
    next: 'Raise max_response_bytes for this API in config.yaml if the answer is expected to be this large.',
    retry: true,
  },
  internal: {
    title: 'Something went wrong',
    body: 'Latchkey ran into an unexpected problem.',
    next: 'Try again. If it keeps happening, restart Latchkey.',
    retry: true,
  },
};

export function errorWords(code: AuthErrorCode): ErrorWords {
  return ERROR_WORDS[code];
}
