/**
 * The config.yaml written on first start. It carries its own documentation because it is meant to be read
 * and edited by the person using Latchkey; everything below the comments must validate against schema.ts.
 */
export const DEFAULT_CONFIG_YAML = `# Latchkey configuration
#
# Latchkey reads this file when it starts and writes to it whenever you sign in, refresh a session or
# sign out. You may edit it by hand (preferably while Latchkey is closed): your comments and the order of
# entries are kept. If the file becomes invalid, Latchkey shows where the problem is and changes nothing
# until it is fixed - or deleted, in which case a fresh one like this is written.
#
# Nothing secret is stored here. Tokens are kept, encrypted, with their key in the system keychain
# (macOS Keychain, Windows Credential Manager, or a Secret Service keyring such as gnome-keyring on Linux).
#
# session.expiry_days   How long you stay signed in without using Latchkey. 0 = forget the session when
#                       Latchkey quits.
# session.warn_days     How many days before a session ends the app offers to sign in again (default 3).
# providers             Where you can sign in. "demo" is a provider built into Latchkey, for trying it out.
#                       Add your own, for example (run: latchkey providers, to see what to register where):
#
#                         company:
#                           label: Company SSO
#                           issuer: https://login.example.com   # any OpenID Connect provider
#                           client_id: latchkey-desktop
#                         google:
#                           preset: google             # fills in label, issuer, scopes, parameters
#                           client_id: 1234-abc.apps.googleusercontent.com
#                           client_secret: GOCSPX-...   # Google issues one to desktop apps
#                         microsoft:
#                           preset: microsoft
#                           tenant: common             # or organizations, consumers, a tenant id
#                           client_id: 00000000-0000-0000-0000-000000000000
#                         github:
#                           preset: github
#                           client_id: Ov23li...
#                           client_secret: ...
#
#                       Register Latchkey at the provider as a native/desktop app with the redirect URI
#                       http://127.0.0.1/callback (any port). If the provider insists on an exact port,
#                       register e.g. http://127.0.0.1:53682/callback and add  redirect_uri: <that URI>.
# apis                  APIs your session may call (the dashboard's panels, latchkey api). Requests go to base_url
#                       and below only, with the token of that provider's account. "demo" is the demo
#                       provider's own API (no base_url needed). For GitHub:
#                       github: { provider: github, base_url: https://api.github.com }
# credentials.usernames The accounts that have signed in, written by Latchkey: name, e-mail, roles, and
#                       when they last signed in.
# active_account        The account the app shows.
# storage               Where secrets are kept: keychain (the default: the system keychain) or passphrase (a
#                       file sealed with a passphrase you choose, asked once per run, for machines without a
#                       keychain: servers, containers). Latchkey never switches on its own. For example:
#                       storage: passphrase
# access                Who may sign in and with which roles: allowed_emails, allowed_domains (nobody else),
#                       default_roles (what a new account starts with; edit an account's roles above and
#                       they stay), roles_claim (the provider claim that adds roles; "roles" is the demo
#                       provider's). Local accounts (username and password): add a provider such as
#                       team: { label: Team, local: true }, then run: latchkey users add NAME

session:
  expiry_days: 30

providers:
  demo:
    label: Demo
    embedded: true

apis:
  demo:
    provider: demo

credentials:
  usernames: {}

access:
  roles_claim: roles
`;
