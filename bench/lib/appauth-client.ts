/**
 * AppAuth-JS (@openid/appauth), the OpenID Foundation's JavaScript client, as a peer to compare with. It
 * sends the same token requests but checks nothing in the ID token (issuer, audience, expiry, nonce) and
 * has no userinfo call: its figures are protocol round trips only.
 */
import {
  AuthorizationServiceConfiguration,
  BaseTokenRequestHandler,
  GRANT_TYPE_AUTHORIZATION_CODE,
  GRANT_TYPE_REFRESH_TOKEN,
  TokenRequest,
  type TokenResponse,
} from '@openid/appauth';
import { NodeRequestor } from '@openid/appauth/built/src/node_support';
import { DEMO_CLIENT_ID } from '../../src/main/idp';

export class AppAuthClient {
  private constructor(
    private readonly configuration: AuthorizationServiceConfiguration,
    private readonly handler: BaseTokenRequestHandler,
  ) {}

  static async create(issuer: string): Promise<AppAuthClient> {
    const requestor = new NodeRequestor();
    const configuration = await AuthorizationServiceConfiguration.fetchFromIssuer(issuer, requestor);
    return new AppAuthClient(configuration, new BaseTokenRequestHandler(requestor));
  }

  exchangeCode(code: string, codeVerifier: string, redirectUri: string): Promise<TokenResponse> {
    return this.handler.performTokenRequest(
      this.configuration,
      new TokenRequest({
        client_id: DEMO_CLIENT_ID,
        redirect_uri: redirectUri,
        grant_type: GRANT_TYPE_AUTHORIZATION_CODE,
        code,
        extras: { code_verifier: codeVerifier },
      }),
    );
  }

  refresh(refreshToken: string, redirectUri: string): Promise<TokenResponse> {
    return this.handler.performTokenRequest(
      this.configuration,
      new TokenRequest({ client_id: DEMO_CLIENT_ID, redirect_uri: redirectUri, grant_type: GRANT_TYPE_REFRESH_TOKEN, refresh_token: refreshToken }),
    );
  }
}
