/**
 * Every YAML example a person may copy — the README's blocks and the commented examples in the default
 * config.yaml — loads through the real schema, and each provider in them resolves. An example that does not
 * load is a person who cannot sign in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveProvider } from '../src/main/auth/provider-resolution';
import { DEFAULT_CONFIG_YAML } from '../src/main/store/default-config';
import { configSchema } from '../src/main/store/schema';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

function readmeYamlBlocks(): string[] {
  return [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

/** The commented example under "providers" in the default config, uncommented. */
function defaultConfigExample(): string {
  const lines = DEFAULT_CONFIG_YAML.split('\n').filter((line) => /^#\s{20,}\S/.test(line) && !/Register|register|http:\/\/127|redirect_uri/.test(line));
  return `providers:\n${lines.map((line) => `  ${line.replace(/^#\s{25}/, '')}`).join('\n')}\n`;
}

function check(yamlText: string): void {
  const parsed = configSchema.safeParse(parse(yamlText));
  if (!parsed.success) throw new Error(`${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n${yamlText}`);
  for (const [name, entry] of Object.entries(parsed.data.providers)) {
    // Local accounts sign in with a password, not in the browser: there is nothing to resolve.
    if (entry.local === true) continue;
    expect(() => resolveProvider(name, entry, { embeddedClientId: 'latchkey-demo', embeddedIssuer: 'http://127.0.0.1:4600' })).not.toThrow();
  }
}

describe('documented config examples', () => {
  it('the README has YAML examples for every kind of provider', () => {
    const all = readmeYamlBlocks().join('\n');
    for (const needle of ['preset: google', 'preset: microsoft', 'preset: github', 'issuer:', 'authorization_endpoint:', 'claims:', 'redirect_uri:']) {
      expect(all).toContain(needle);
    }
  });

  it.each(readmeYamlBlocks().map((block, index) => [index, block] as const))('README block %i loads and resolves', (_index, block) => {
    check(block);
  });

  it('the default config.yaml loads, and so does its commented provider example', () => {
    check(DEFAULT_CONFIG_YAML);
    const example = defaultConfigExample();
    expect(example).toContain('preset: github');
    check(example);
  });
});
