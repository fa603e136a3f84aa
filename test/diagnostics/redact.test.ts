/**
 * The doctor's report is pasted into bug reports: redaction (src/main/diagnostics/redact.ts) removes client
 * secrets, anything shaped like a token, credentials in URLs (proxy URLs), the home folder and the local part of
 * e-mail addresses, from every text of a report — and leaves the rest readable.
 */
import { describe, expect, it } from 'vitest';
import { renderDiagnosticsText, summarise, type DiagnosticsReport } from '../../src/shared/diagnostics';
import { redactReport, redactText } from '../../src/main/diagnostics/redact';

const HOME = '/home/alice';
const SECRET = 'gh0-client-s3cret-9f8e7d';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MX0.c2lnbmF0dXJlLXZhbHVl';

describe('redaction of the doctor report', () => {
  it('hides the home folder, e-mails, proxy credentials, secrets and tokens', () => {
    expect(redactText(`${HOME}/.config/Latchkey/config.yaml`, { home: HOME })).toBe('~/.config/Latchkey/config.yaml');
    expect(redactText(HOME, { home: HOME })).toBe('~');
    // A longer name that merely starts with the home folder is not it.
    expect(redactText('/home/alice2/x', { home: HOME })).toBe('/home/alice2/x');
    expect(redactText('signed in as alice.smith@example.com', {})).toBe('signed in as a***@example.com');
    expect(redactText('through the proxy http://bob:hunter2@proxy.corp:3128/', {})).toBe('through the proxy http://proxy.corp:3128/');
    expect(redactText(`client_secret is ${SECRET}`, { secrets: [SECRET] })).toBe('client_secret is [redacted]');
    expect(redactText(`id_token_hint=${JWT}&state=1`, {})).not.toContain('eyJ');
    expect(redactText(`a token ${JWT} here`, {})).toBe('a token [redacted] here');
    expect(redactText('Authorization: Bearer abcdefgh12345678', {})).toBe('Authorization: Bearer [redacted]');
    expect(redactText('https://idp.example/cb?code=abc123&state=xyz', {})).toBe('https://idp.example/cb?code=[redacted]&state=xyz');
    expect(redactText('refresh_token=r-123456 access_token=a-123456', {})).toBe('refresh_token=[redacted] access_token=[redacted]');
    // What is useful stays.
    expect(redactText('https://login.example.com/.well-known/openid-configuration answered HTTP 404', { home: HOME })).toBe(
      'https://login.example.com/.well-known/openid-configuration answered HTTP 404',
    );
  });

  it('redacts every text of a report, and the rendered text has none of it', () => {
    const checks: DiagnosticsReport['checks'] = [
      { group: 'config', id: 'valid', title: `config.yaml in ${HOME}/.config`, status: 'problem', detail: `${HOME}/.config/Latchkey/config.yaml:3:18: client_secret ${SECRET} is not text`, fix: `Fix or delete ${HOME}/.config/Latchkey/config.yaml` },
      { group: 'network', id: 'proxy', title: 'Proxy', status: 'ok', detail: 'https requests: through http://carol:pa55word@10.0.0.1:8080/' },
      { group: 'registration', id: 'register:corp', title: '"corp" for bob@corp.example', status: 'ok', detail: `register: a native client; last token ${JWT}` },
    ];
    const report: DiagnosticsReport = { version: 1, createdAt: '2026-01-01T00:00:00.000Z', platform: 'linux x64', configPath: `${HOME}/.config/Latchkey/config.yaml`, checks, summary: summarise(checks) };
    const clean = redactReport(report, { home: HOME, secrets: [SECRET] });
    const everything = `${JSON.stringify(clean)}\n${renderDiagnosticsText(clean)}`;
    for (const leaked of [HOME, SECRET, 'pa55word', 'carol', 'bob@', JWT.slice(0, 20)]) expect(everything, leaked).not.toContain(leaked);
    expect(clean.configPath).toBe('~/.config/Latchkey/config.yaml');
    expect(clean.checks[0]?.detail).toBe('~/.config/Latchkey/config.yaml:3:18: client_secret [redacted] is not text');
    expect(clean.checks[1]?.detail).toBe('https requests: through http://10.0.0.1:8080/');
    expect(clean.checks[2]?.title).toBe('"corp" for b***@corp.example');
    expect(clean.summary).toEqual(report.summary);
  });
});
