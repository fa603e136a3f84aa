/** The provider emulators and the browser driver for their sign-in page. */
export { startGoogleEmulator, DEFAULT_GOOGLE_USERS, type GoogleEmulator, type GoogleEmulatorOptions, type GoogleUser } from './google';
export {
  startMicrosoftEmulator,
  MICROSOFT_USERS,
  MICROSOFT_TENANTS,
  MSA_TENANT_ID,
  CONTOSO_TENANT_ID,
  FABRIKAM_TENANT_ID,
  type MicrosoftEmulator,
  type MicrosoftEmulatorOptions,
} from './microsoft';
export { startGitHubEmulator, GITHUB_REPOS, GITHUB_USERS, type GitHubEmulator, type GitHubEmulatorOptions, type GitHubRepo } from './github';
export { startPlainOAuthEmulator, PLAIN_USER, type PlainOAuthEmulator, type PlainOAuthEmulatorOptions } from './plain-oauth';
export { startStrictOidcEmulator, STRICT_USERS, type StrictOidcEmulator, type StrictOidcOptions } from './strict-oidc';
export { driveEmulatorSignIn } from './browser-driver';
export type { RecordedRequest, EmulatorServer, ClientAuthMethod } from './common';
export type { IssuedToken, TokenLedger } from './grants';
